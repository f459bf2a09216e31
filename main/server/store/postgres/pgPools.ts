import pg from 'pg';
import { inTransaction, type Sql } from './pgSql';

const INT8_OID = 20;

/**
 * bigint columns hold epoch milliseconds, sequence numbers and byte counts, all far below 2^53; pg hands int8 out
 * as text by default so that nothing loses precision silently. Here a value past the safe range is an error
 * instead, and everything else is a plain number, as SQLite gives it.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is beyond what the store handles`);
  return value;
}

/** How the store's connections read values: int8 as a number (checked safe), everything else as pg does. */
export const storeTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

export function createPool(url: string, max: number, role: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: storeTypes,
    application_name: `whoot ${role}`,
    // A statement that waits on a lock longer than this is a bug or an outage, not a slow query.
    statement_timeout: 30_000,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that the server drops (restart, network) emits here; the pool replaces it on next use.
  pool.on('error', () => undefined);
  // A connection checked out of the pool, between two statements, emits on itself instead, and an 'error' event
  // nobody listens to ends the process: a restarting database took whole nodes down. The fault is not lost: the
  // connection's next statement fails ("not queryable"), which the transaction sees and answers as unavailable.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The workspace an application-role transaction may see: the setting every tenant table's policy reads. */
export const WORKSPACE_SETTING = 'whoot.workspace_id';

/** The three ways into the database, each a transaction (pgSql.ts) under the right role. */
export interface PgAccess {
  /** As the application role, tied to one workspace: row-level security shows it that workspace's rows only. */
  scoped<T>(workspaceId: string, work: (sql: Sql) => Promise<T>): Promise<T>;
  /** As the application role with no workspace: server-wide tables (accounts, sessions, nonces, secrets). */
  app<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  /** As the maintenance role: the few named operations that legitimately cross workspaces (README.md). */
  maintenance<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

export function pgAccess(pools: { readonly app: pg.Pool; readonly maintenance: pg.Pool }): PgAccess {
  return {
    // is_local = true: the setting ends with the transaction, so a pooled connection never carries it over.
    scoped: (workspaceId, work) => inTransaction(pools.app, work, { [WORKSPACE_SETTING]: workspaceId }),
    app: (work) => inTransaction(pools.app, work),
    maintenance: (work) => inTransaction(pools.maintenance, work),
  };
}
