import { auditQueries } from './auditLog';
import { channelsQueries } from './channelsQueries';
import type { StoreContext } from './context';
import { openDatabase } from './database';
import { createFieldCodec } from './encryptedColumns';
import { StoreError } from './errors';
import { eventsQueries } from './eventsQueries';
import { createKeyRing, type KeyRing } from './fieldCipher';
import { invitesQueries } from './invitesQueries';
import { keyUsage, reencryptAll } from './keyRotation';
import type { DataKeySet } from './keyMaterial';
import { membersQueries } from './membersQueries';
import { MIGRATIONS } from './migrations';
import { createRequestNonces } from './nonceQueries';
import { createServerSecrets } from './secretsRepository';
import { createSessionsRepository } from './sessionsRepository';
import type { Store, WorkspaceScope } from './types';
import { createUsersRepository } from './usersRepository';
import { voiceMutesQueries } from './voiceMutesQueries';
import { createWorkspacesRepository } from './workspacesRepository';

export interface OpenStoreOptions {
  /** Path of the SQLite file (created 0600 if missing), or ':memory:' for throwaway stores. */
  readonly file: string;
  readonly keys: DataKeySet;
  /** Unix epoch milliseconds; tests inject a clock they can move. */
  readonly now?: () => number;
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
    const invites = invitesQueries(context, members);
    const events = eventsQueries(context);
    const audit = auditQueries(context);
    const voiceMutes = voiceMutesQueries(context);

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
          voiceMutes: voiceMutes.scoped(workspaceId),
        };
      },
      invites: invites.repository,
      events: events.retention,
      audit: audit.log,
      secrets: createServerSecrets(context),
      nonces: createRequestNonces(context),
      voiceMutes: voiceMutes.index,
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
            return await reencryptAll(context, ring, rotateOptions.batchSize);
          } finally {
            rotating = false;
          }
        },
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
