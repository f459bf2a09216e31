import { join } from 'node:path';
import { z } from 'zod';
import type { DataKeySet } from './keyMaterial';
import { DEFAULT_MAINTENANCE_POOL_SIZE, DEFAULT_POOL_SIZE, openPostgresStore } from './postgres/postgresStore';
import { openStore } from './sqliteStore';
import type { Store } from './types';

/** The SQLite file inside dataDir. */
export const DATABASE_FILE = 'whoot.db';

const postgresUrlSchema = z
  .string()
  .max(2000)
  .refine((text) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, 'must be a postgres:// or postgresql:// connection URL');

/**
 * The `store` key of whoot.server.json: SQLite in dataDir (the default: the in-app server and a small team's
 * headless one), or PostgreSQL, which several server nodes share (docs/server.md, "PostgreSQL").
 */
export const storeConfigSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sqlite') }),
    z.strictObject({
      kind: z.literal('postgres'),
      /** The application role: a member of whoot_app that owns nothing and cannot bypass row-level security. */
      url: postgresUrlSchema,
      /** The maintenance role (whoot_maintenance): the named cross-workspace operations only. */
      maintenanceUrl: postgresUrlSchema,
      /** The tables' owner, to migrate at start; leave it out on nodes that must not hold it. */
      ownerUrl: postgresUrlSchema.optional(),
      poolSize: z.number().int().min(1).max(200).default(DEFAULT_POOL_SIZE),
      maintenancePoolSize: z.number().int().min(1).max(50).default(DEFAULT_MAINTENANCE_POOL_SIZE),
    }),
  ])
  .default({ kind: 'sqlite' });
export type StoreConfig = z.output<typeof storeConfigSchema>;

/** Where the configured store lives, for messages: a file path, or the database host and name (never a password). */
export function describeStore(config: StoreConfig, dataDir: string): string {
  if (config.kind === 'sqlite') return join(dataDir, DATABASE_FILE);
  const url = new URL(config.url);
  return `PostgreSQL database ${decodeURIComponent(url.pathname.slice(1))} on ${url.host}`;
}

/** Opens the store the configuration names. */
export function openConfiguredStore(
  config: StoreConfig,
  options: { readonly dataDir: string; readonly keys: DataKeySet; readonly now?: () => number },
): Promise<Store> {
  const { keys, now } = options;
  if (config.kind === 'sqlite') return openStore({ file: join(options.dataDir, DATABASE_FILE), keys, now });
  return openPostgresStore({ ...config, keys, now });
}
