import type { SqliteDatabase } from './database';
import { StoreError } from './errors';
import type { FieldCodec } from './encryptedColumns';

/** What every SQLite repository is built from; one per open store. */
export interface StoreContext {
  readonly db: SqliteDatabase;
  /** Unix epoch milliseconds; injected so tests can move time. */
  readonly now: () => number;
  readonly fields: FieldCodec;
}

/** SQLite has no boolean type; STRICT tables hold 0 or 1 (CHECKed). PostgreSQL's rows carry real booleans. */
export type Flag = number | boolean;
export const toFlag = (value: boolean): number => (value ? 1 : 0);
export const fromFlag = (value: Flag): boolean => value === 1 || value === true;

/**
 * Runs a write and turns a foreign-key refusal (a workspace or user that does not exist) into a StoreError, so no
 * driver error type or SQLite code escapes the store.
 */
export function referencing<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw new StoreError('unknown_reference', `${what} refers to a workspace or user that does not exist`);
    }
    throw error;
  }
}

/** A row this same synchronous call just wrote or matched: its absence would be a bug in the store, not a miss. */
export function present<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what} disappeared within its own write`);
  return row;
}
