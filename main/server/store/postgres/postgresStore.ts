import type pg from 'pg';
import { createDataKeyAdmin, requireKnownKeys } from '../dataKeyAdmin';
import { createFieldCodec } from '../encryptedColumns';
import { createKeyRing, type KeyRing } from '../fieldCipher';
import type { DataKeySet } from '../keyMaterial';
import { scopeFor } from '../scopeAssembly';
import type { Store } from '../types';
import { pgAudit } from './pgAudit';
import { pgChannels } from './pgChannels';
import type { PgStoreContext } from './pgContext';
import { pgEvents } from './pgEvents';
import { pgReleases } from './pgReleases';
import { pgFiles } from './pgFiles';
import { pgInputs } from './pgInputs';
import { pgInvites } from './pgInvites';
import { pgKeyUsage, pgReencryptColumns } from './pgKeyRotation';
import { pgMembers } from './pgMembers';
import { pgMessages } from './pgMessages';
import { migratePostgres, requireCurrentSchema } from './pgMigrate';
import { PG_MIGRATIONS } from './pgMigrations';
import { createPool, pgAccess } from './pgPools';
import { requireSafeRoles, withClient } from './pgRoles';
import { pgRequestNonces, pgServerSecrets } from './pgSecrets';
import { pgSessionsRepository } from './pgSessions';
import { pgSso } from './pgSso';
import { pgUsersRepository } from './pgUsers';
import { pgVoiceMutes } from './pgVoiceMutes';
import { pgWebhooks } from './pgWebhooks';
import { pgWorkspacesRepository } from './pgWorkspaces';

export interface OpenPostgresStoreOptions {
  /** The application role (a member of whoot_app): everything but the named cross-workspace operations. */
  readonly url: string;
  /** The maintenance role (a member of whoot_maintenance): those named operations only (README.md). */
  readonly maintenanceUrl: string;
  /** The role that owns the tables; when given, the schema is migrated at open. Without it, it must be current. */
  readonly ownerUrl?: string;
  readonly poolSize?: number;
  readonly maintenancePoolSize?: number;
  readonly keys: DataKeySet;
  /** Unix epoch milliseconds; tests inject a clock they can move. */
  readonly now?: () => number;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_MAINTENANCE_POOL_SIZE = 4;

/**
 * Opens the PostgreSQL store: migrates as the owner when its URL is given (one node at a time, under an advisory
 * lock), checks that the schema is this build's, that the application role cannot bypass row-level security and
 * that every key id the stored values use is in the ring; then builds the same repositories as the SQLite store.
 * Several processes (server nodes) may open one database at once: every method is its own transaction with the
 * locking it needs (README.md, "Atomicity on PostgreSQL").
 */
export async function openPostgresStore(options: OpenPostgresStoreOptions): Promise<Store> {
  if (options.ownerUrl !== undefined) {
    const owner = createPool(options.ownerUrl, 1, 'owner');
    try {
      await migratePostgres(owner, PG_MIGRATIONS);
    } finally {
      await owner.end();
    }
  }
  const pools = {
    app: createPool(options.url, options.poolSize ?? DEFAULT_POOL_SIZE, 'app'),
    maintenance: createPool(
      options.maintenanceUrl,
      options.maintenancePoolSize ?? DEFAULT_MAINTENANCE_POOL_SIZE,
      'maintenance',
    ),
  };
  try {
    await withClient(pools.app, (client) => requireCurrentSchema(client, PG_MIGRATIONS));
    await requireSafeRoles(pools);
    return await assemble(pools, options);
  } catch (error) {
    await Promise.all([pools.app.end(), pools.maintenance.end()]);
    throw error;
  }
}

async function assemble(
  pools: { readonly app: pg.Pool; readonly maintenance: pg.Pool },
  options: OpenPostgresStoreOptions,
): Promise<Store> {
  let ring: KeyRing = createKeyRing(options.keys);
  const context: PgStoreContext = {
    db: pgAccess(pools),
    now: options.now ?? Date.now,
    fields: createFieldCodec(() => ring),
  };
  requireKnownKeys(await pgKeyUsage(context), ring);
  const invites = pgInvites(context);
  const events = pgEvents(context);
  const audit = pgAudit(context);
  const webhooks = pgWebhooks(context);
  const inputs = pgInputs(context);
  const voiceMutes = pgVoiceMutes(context);
  const files = pgFiles(context, { ring: () => ring });
  let closed = false;
  return {
    users: pgUsersRepository(context),
    sessions: pgSessionsRepository(context),
    workspaces: pgWorkspacesRepository(context),
    forWorkspace: (workspaceId) =>
      scopeFor(workspaceId, {
        channels: (id) => pgChannels(context, id),
        members: (id) => pgMembers(context, id),
        invites: invites.scoped,
        events: events.scoped,
        audit: audit.scoped,
        webhooks: webhooks.scoped,
        inputs: inputs.inputs,
        apiTokens: inputs.apiTokens,
        voiceMutes: voiceMutes.scoped,
        messages: (id) => pgMessages(context, id),
        files: files.scoped,
      }),
    invites: invites.repository,
    events: events.retention,
    audit: audit.log,
    secrets: pgServerSecrets(context),
    nonces: pgRequestNonces(context),
    webhookQueue: webhooks.queue,
    inbound: inputs.lookup,
    voiceMutes: voiceMutes.index,
    sso: pgSso(context),
    files: files.maintenance,
    releases: pgReleases(context),
    dataKeys: createDataKeyAdmin({
      ring: { get: () => ring, set: (next) => (ring = next) },
      usage: () => pgKeyUsage(context),
      reencryptColumns: (next, batchSize) => pgReencryptColumns(context, next, batchSize),
      reencryptBlobs: (next, batchSize) => files.reencryptAll(next, batchSize),
    }),
    async ping() {
      // The readiness probe's question: does the application role get an answer from the database now?
      await context.db.app((sql) => sql.row('SELECT 1'));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pools.app.end(), pools.maintenance.end()]);
    },
  };
}
