import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditQueries } from './auditLog';
import { channelsQueries } from './channelsQueries';
import type { StoreContext } from './context';
import { openDatabase } from './database';
import { createFieldCodec } from './encryptedColumns';
import { filesQueries } from './filesQueries';
import { StoreError } from './errors';
import { eventsQueries } from './eventsQueries';
import { createKeyRing, type KeyRing } from './fieldCipher';
import { invitesQueries } from './invitesQueries';
import { DEFAULT_ROTATION_BATCH, keyUsage, reencryptAll } from './keyRotation';
import type { DataKeySet } from './keyMaterial';
import { membersQueries } from './membersQueries';
import { webhooksQueries } from './webhooksQueries';
import { inputsQueries } from './inputsQueries';
import { messagesQueries } from './messagesQueries';
import { MIGRATIONS } from './migrations';
import { createRequestNonces } from './nonceQueries';
import { createServerSecrets } from './secretsRepository';
import { createSessionsRepository } from './sessionsRepository';
import type { Store, WorkspaceScope } from './types';
import { createUsersRepository, userInserter } from './usersRepository';
import { voiceMutesQueries } from './voiceMutesQueries';
import { createWorkspacesRepository } from './workspacesRepository';

export interface OpenStoreOptions {
  /** Path of the SQLite file (created 0600 if missing), or ':memory:' for throwaway stores. */
  readonly file: string;
  readonly keys: DataKeySet;
  /** Unix epoch milliseconds; tests inject a clock they can move. */
  readonly now?: () => number;
  /** Where file contents are kept (encrypted); `files/` beside the database file unless given. */
  readonly blobDir?: string;
}

/** The blob directory, created 0700; none for an in-memory store unless one is given. */
function blobDirectory(options: OpenStoreOptions): string | undefined {
  const dir = options.blobDir ?? (options.file === ':memory:' ? undefined : join(dirname(options.file), 'files'));
  if (dir !== undefined) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Opens the SQLite store: schema migrated, repositories built over one connection, and a check that every key id
 * the stored values use is in the ring, so a missing key fails here with its id rather than at some user's
 * sign-in. better-sqlite3 because it is synchronous (a transaction cannot interleave with other work on the event
 * loop, which keeps every repository method atomic without locks), fast, ships a recent SQLite, and is rebuilt
 * for Electron by electron-builder like any native module.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const db = openDatabase({ file: options.file, migrations: MIGRATIONS });
  let ring: KeyRing = createKeyRing(options.keys);
  let rotating = false;
  const context: StoreContext = { db, now: options.now ?? Date.now, fields: createFieldCodec(() => ring) };
  try {
    const missing = [...new Set(keyUsage(context).map((usage) => usage.keyId))].filter(
      (keyId) => !ring.keyIds.includes(keyId),
    );
    if (missing.length > 0) {
      throw new StoreError(
        'missing_data_key',
        `the database holds values sealed with data key(s) ${missing.join(', ')}, which the key source does not provide`,
      );
    }
    const channels = channelsQueries(context);
    const members = membersQueries(context);
    const invites = invitesQueries(context, members, userInserter(context));
    const events = eventsQueries(context);
    const audit = auditQueries(context);
    const webhooks = webhooksQueries(context);
    const inputs = inputsQueries(context);
    const voiceMutes = voiceMutesQueries(context);
    const files = filesQueries(context, { blobDir: blobDirectory(options), ring: () => ring });
    const messages = messagesQueries(context, files);

    return {
      users: createUsersRepository(context),
      sessions: createSessionsRepository(context),
      workspaces: createWorkspacesRepository(context),
      forWorkspace(workspaceId): WorkspaceScope {
        return {
          workspaceId,
          channels: channels.scoped(workspaceId),
          members: members.scoped(workspaceId),
          invites: invites.scoped(workspaceId),
          events: events.scoped(workspaceId),
          audit: audit.scoped(workspaceId),
          webhooks: webhooks.scoped(workspaceId),
          inputs: inputs.inputs(workspaceId),
          apiTokens: inputs.apiTokens(workspaceId),
          voiceMutes: voiceMutes.scoped(workspaceId),
          messages: messages.scoped(workspaceId),
          files: files.scoped(workspaceId),
        };
      },
      invites: invites.repository,
      events: events.retention,
      audit: audit.log,
      secrets: createServerSecrets(context),
      nonces: createRequestNonces(context),
      webhookQueue: webhooks.queue,
      inbound: inputs.lookup,
      voiceMutes: voiceMutes.index,
      files: files.maintenance,
      dataKeys: {
        currentKeyId: () => ring.currentKeyId,
        async usage() {
          return keyUsage(context);
        },
        async rotate(newKey, rotateOptions = {}) {
          if (rotating) throw new StoreError('invalid_argument', 'a data key rotation is already running');
          rotating = true;
          try {
            // The new key becomes current before the first batch, so rows written meanwhile need no second pass.
            if (newKey !== undefined) ring = ring.withCurrent(newKey);
            const report = await reencryptAll(context, ring, rotateOptions.batchSize);
            // File contents live outside SQLite; their blobs are re-encrypted under the same new key.
            const blobs = await files.reencryptAll(ring, rotateOptions.batchSize ?? DEFAULT_ROTATION_BATCH);
            return {
              ...report,
              columns: [...report.columns, { table: 'files', column: 'blob', reencrypted: blobs }],
              reencrypted: report.reencrypted + blobs,
            };
          } finally {
            rotating = false;
          }
        },
      },
      async ping() {
        db.prepare('SELECT 1').get();
      },
      async close() {
        if (!db.open) return;
        db.pragma('optimize');
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
