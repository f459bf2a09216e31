import type pg from 'pg';
import { StoreError } from '../errors';

/**
 * The one way PostgreSQL statements run inside the store: a transaction on a pooled connection, with the rows
 * typed by the caller. Repositories never see a pg type; this file and pgPools.ts are the only ones that import pg.
 */
export interface Sql {
  /** Every row the statement returned. */
  rows<R>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined. */
  row<R>(text: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** How many rows the statement inserted, changed or deleted. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

export function sqlOver(client: pg.ClientBase): Sql {
  return {
    async rows<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows as R[];
    },
    async row<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rows[0] as R | undefined;
    },
    async run(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, params as unknown[])).rowCount ?? 0;
    },
  };
}

// A deadlock (two transactions locking rows in opposite orders) or a serialization failure aborts one of them;
// PostgreSQL asks the client to run it again. The work functions only touch the database, so a rerun is safe.
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/**
 * Runs `work` in one transaction on one connection of `pool`. `settings` are transaction-local settings (the
 * workspace of a scoped transaction), sent with BEGIN in the same round trip: each round trip waits behind the
 * node's event loop, which under fan-out load is the longest part of a short transaction. The connection goes back
 * to the pool whatever happens; one that failed mid-transaction is destroyed rather than reused.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (sql: Sql) => Promise<T>,
  settings: Readonly<Record<string, string>> = {},
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      // The simple-query protocol runs several statements in one message; it takes no parameters, so the values
      // are quoted by pg's own escaping (escapeLiteral doubles quotes and backslashes, and marks E'' strings).
      const set = Object.entries(settings).map(
        ([name, value]) => `; SELECT set_config(${client.escapeLiteral(name)}, ${client.escapeLiteral(value)}, true)`,
      );
      await client.query(`BEGIN${set.join('')}`);
      const result = await work(sqlOver(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      if (attempt < ATTEMPTS && RETRYABLE.has(sqlState(error) ?? '')) continue;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Turns a foreign-key refusal into the store's own error, so no SQLSTATE escapes the store. */
export async function referencingPg<T>(what: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (sqlState(error) === '23503') {
      throw new StoreError('unknown_reference', `${what} refers to a workspace or user that does not exist`);
    }
    throw error;
  }
}

/** A LIMIT a caller computed: never negative, never fractional. */
export const limitOf = (limit: number): number => Math.max(0, Math.trunc(limit));

/**
 * A statement written with SQLite's `@name` parameters, for PostgreSQL's `$n`: `order` gives each name its number.
 * For the few statements whose text both dialects share; a name missing from `order` is an error, not a NULL.
 */
export function positional(text: string, order: readonly string[]): string {
  return text.replace(/@([A-Za-z]\w*)/g, (_match, name: string) => {
    const index = order.indexOf(name);
    if (index < 0) throw new Error(`parameter @${name} has no position`);
    return `$${index + 1}`;
  });
}
