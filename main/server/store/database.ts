import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from './errors';
import { checkMigrationHistory } from './migrationHistory';

export type SqliteDatabase = Database.Database;

/** One schema step. Numbered from 1 without gaps; once released, a migration is never edited, only followed. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string | ((db: SqliteDatabase) => void);
}

export interface OpenDatabaseOptions {
  readonly file: string;
  readonly migrations: readonly Migration[];
  /** Milliseconds a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * - WAL: readers never block the writer, and a committed transaction survives a crash of the process.
 * - synchronous NORMAL: in WAL mode this still never corrupts the file; only an OS crash or power cut can lose the
 *   last commits before a checkpoint, which is the usual trade for an embedded server.
 * - foreign_keys ON: SQLite leaves them off per connection unless asked.
 * A database whose schema is newer than this build, or whose history differs from this build's, is refused before
 * anything writes to it: an older build must not run against a newer schema it does not understand.
 */
export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  if (options.file !== ':memory:') createPrivately(options.file);
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    db.pragma('synchronous = NORMAL');
    migrate(db, options.migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Highest schema version the file records (0 for a new file). */
export function schemaVersion(db: SqliteDatabase): number {
  const row = db.prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations').get();
  return row?.version ?? 0;
}

// SQLite gives the -wal and -shm files the main file's permissions, so creating it 0600 keeps all three private.
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const rows = db
    .prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')
    .all();
  const done = checkMigrationHistory(rows, migrations);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  for (const migration of migrations.filter((step) => !done.has(step.version))) {
    // IMMEDIATE takes the write lock before re-checking, so two processes opening one file apply each step once.
    const step = db.transaction(() => {
      if (isApplied.get(migration.version) !== undefined) return;
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      record.run(migration.version, migration.name, Date.now());
    });
    try {
      step.immediate();
    } catch (error) {
      throw new StoreError(
        'migration_failed',
        `migration ${migration.version} (${migration.name}) failed and was rolled back`,
        { cause: error },
      );
    }
  }
}
