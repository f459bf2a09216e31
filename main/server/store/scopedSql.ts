import type Database from 'better-sqlite3';
import type { SqliteDatabase } from './database';

/** Every statement of the workspace-scoped layer binds the scope's id under this name. */
export interface ScopeParams {
  readonly workspaceId: string;
}

// `id = @workspaceId` is the workspaces table's own row (the event counter).
const FILTER = /\b(?:workspace_id|id)\s*=\s*@workspaceId\b/;
const INSERT = /^\s*INSERT\b[^(]*\([^)]*\bworkspace_id\b[^)]*\)\s*VALUES\s*\([^)]*@workspaceId\b/is;

/**
 * Prepares a statement for the workspace-scoped layer and refuses, at store open, one that does not tie itself to
 * the scope's workspace: reads, updates and deletes must filter `workspace_id = @workspaceId`, inserts must write
 * `@workspaceId` into `workspace_id`. This is the machine check behind "every scoped query names its workspace".
 */
export function prepareScoped<P extends ScopeParams, R = unknown>(
  db: SqliteDatabase,
  sql: string,
): Database.Statement<P, R> {
  if (!FILTER.test(sql) && !INSERT.test(sql)) {
    throw new Error(`scoped statement does not bind workspace_id to @workspaceId: ${sql.trim().slice(0, 80)}`);
  }
  return db.prepare<P, R>(sql);
}
