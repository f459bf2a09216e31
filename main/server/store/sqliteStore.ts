import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditQueries } from './auditLog';
import { channelsQueries } from './channelsQueries';
import type { StoreContext } from './context';
import { openDatabase } from './database';
import { createFieldCodec } from './encryptedColumns';
import type { BlobSealing } from './blobFileSealer';
import { filesQueries } from './filesQueries';
import { eventsQueries } from './eventsQueries';
import { createKeyRing, type KeyRing } from './fieldCipher';
import { invitesQueries } from './invitesQueries';
import { keyUsage, reencryptAll } from './keyRotation';
import { createDataKeyAdmin, requireKnownKeys } from './dataKeyAdmin';
import type { DataKeySet } from './keyMaterial';
import { membersQueries } from './membersQueries';
import { webhooksQueries } from './webhooksQueries';
import { inputsQueries } from './inputsQueries';
import { messagesQueries } from './messagesQueries';
import { MIGRATIONS } from './migrations';
import { createRequestNonces } from './nonceQueries';
import { createServerSecrets } from './secretsRepository';
import { createSessionsRepository } from './sessionsRepository';
import { scopeFor } from './scopeAssembly';
import { ssoQueries } from './ssoQueries';
import type { Store } from './types';
import { createUsersRepository, userInserter } from './usersRepository';
import { voiceMutesQueries } from './voiceMutesQueries';
import { releasesQueries } from './releasesQueries';
import { createWorkspacesRepository } from './workspacesRepository';

export interface OpenStoreOptions {
  /** Path of the SQLite file (created 0600 if missing), or ':memory:' for throwaway stores. */
  readonly file: string;
  readonly keys: DataKeySet;
  /** Unix epoch milliseconds; tests inject a clock they can move. */
  readonly now?: () => number;
  /** Where file contents are kept (encrypted); `files/` beside the database file unless given. */
  readonly blobDir?: string;
  /** Who seals uploads into blobs: the native addon where it loaded, else node:crypto (blobFileSealer.ts). */
  readonly blobSealing?: BlobSealing;
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
/** Installers of published releases: beside the database, apart from the sealed file blobs and their sweep. */
function releaseDirectory(options: OpenStoreOptions): string | undefined {
  return options.file === ':memory:' ? undefined : join(dirname(options.file), 'releases');
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const db = openDatabase({ file: options.file, migrations: MIGRATIONS });
  let ring: KeyRing = createKeyRing(options.keys);
  const context: StoreContext = { db, now: options.now ?? Date.now, fields: createFieldCodec(() => ring) };
  try {
    requireKnownKeys(keyUsage(context), ring);
    const channels = channelsQueries(context);
    const members = membersQueries(context);
    const invites = invitesQueries(context, members, userInserter(context));
    const events = eventsQueries(context);
    const audit = auditQueries(context);
    const webhooks = webhooksQueries(context);
    const inputs = inputsQueries(context);
    const voiceMutes = voiceMutesQueries(context);
    const files = filesQueries(context, {
      blobDir: blobDirectory(options),
      ring: () => ring,
      ...(options.blobSealing ? { sealing: options.blobSealing } : {}),
    });
    const messages = messagesQueries(context, files);
    const releases = releasesQueries(context, { releaseDir: releaseDirectory(options) });

    return {
      users: createUsersRepository(context),
      sessions: createSessionsRepository(context),
      workspaces: createWorkspacesRepository(context),
      forWorkspace: (workspaceId) =>
        scopeFor(workspaceId, {
          channels: channels.scoped,
          members: members.scoped,
          invites: invites.scoped,
          events: events.scoped,
          audit: audit.scoped,
          webhooks: webhooks.scoped,
          inputs: inputs.inputs,
          apiTokens: inputs.apiTokens,
          voiceMutes: voiceMutes.scoped,
          messages: messages.scoped,
          files: files.scoped,
        }),
      invites: invites.repository,
      events: events.retention,
      audit: audit.log,
      secrets: createServerSecrets(context),
      nonces: createRequestNonces(context),
      webhookQueue: webhooks.queue,
      inbound: inputs.lookup,
      voiceMutes: voiceMutes.index,
      sso: ssoQueries(context),
      files: files.maintenance,
      releases,
      dataKeys: createDataKeyAdmin({
        ring: { get: () => ring, set: (next) => (ring = next) },
        usage: async () => keyUsage(context),
        reencryptColumns: (next, batchSize) => reencryptAll(context, next, batchSize),
        // File contents live outside SQLite; their blobs are re-encrypted under the same new key.
        reencryptBlobs: (next, batchSize) => files.reencryptAll(next, batchSize),
      }),
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
