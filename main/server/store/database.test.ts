import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, type Migration, type SqliteDatabase } from './database';
import { StoreError } from './errors';
import { MIGRATIONS } from './migrations';
import { createStoreTestKit, type StoreTestKit } from './storeTestKit';

let kit: StoreTestKit;
const open: SqliteDatabase[] = [];
const openDb = (migrations: readonly Migration[] = MIGRATIONS) => {
  const db = openDatabase({ file: kit.file, migrations });
  open.push(db);
  return db;
};

beforeEach(() => {
  kit = createStoreTestKit();
});
afterEach(async () => {
  for (const db of open.splice(0)) if (db.open) db.close();
  await kit.cleanup();
});

describe('openDatabase', () => {
  it('sets WAL, foreign keys, busy timeout and synchronous NORMAL', () => {
    const db = openDb();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
  });

  it.skipIf(process.platform === 'win32')('creates the file readable by its owner only', () => {
    openDb();
    expect(statSync(kit.file).mode & 0o777).toBe(0o600);
  });

  it('applies every migration once, and a restart applies nothing again', () => {
    const first = openDb();
    const applied = first.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(schemaVersion(first)).toBe(MIGRATIONS.at(-1)?.version);
    first.close();

    const second = openDb();
    expect(second.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(
      applied,
    );
    second.close();
    expect(() => openDb().close()).not.toThrow();
  });

  it('refuses a database whose schema is newer than this build knows, and leaves it untouched', () => {
    openDb().close();
    const raw = kit.raw();
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(99, 'future', 1);
    raw.close();

    const error = catchError(() => openDb());
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('schema_too_new');
    expect((error as StoreError).message).toMatch(
      new RegExp(`schema version 99 .* only up to ${MIGRATIONS.at(-1)?.version}`),
    );
    expect(kit.raw().prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
      n: MIGRATIONS.length + 1,
    });
  });

  it('refuses a database whose history names a step differently', () => {
    openDb().close();
    const renamed = MIGRATIONS.map((step, index) => (index === 0 ? { ...step, name: 'something else' } : step));
    expect(catchError(() => openDb(renamed))).toMatchObject({ code: 'schema_mismatch' });
  });

  it('rolls a failing migration back completely, then applies it once fixed', () => {
    const good: Migration = { version: 1, name: 'one', up: 'CREATE TABLE one (a INTEGER) STRICT;' };
    const broken: Migration = {
      version: 2,
      name: 'two',
      up: 'CREATE TABLE two (a INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);',
    };
    expect(catchError(() => openDb([good, broken]))).toMatchObject({ code: 'migration_failed' });

    const raw = kit.raw();
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name IN ('one', 'two')").all()).toEqual([{ name: 'one' }]);
    expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }]);

    const fixed: Migration = { ...broken, up: 'CREATE TABLE two (a INTEGER) STRICT;' };
    expect(schemaVersion(openDb([good, fixed]))).toBe(2);
  });

  it('refuses a migration list whose numbers do not ascend', () => {
    const two: Migration = { version: 2, name: 'two', up: 'SELECT 1' };
    const one: Migration = { version: 1, name: 'one', up: 'SELECT 1' };
    expect(catchError(() => openDb([two, one]))).toMatchObject({ code: 'invalid_argument' });
    expect(catchError(() => openDb([one, { ...one, name: 'again' }]))).toMatchObject({ code: 'invalid_argument' });
  });

  it('allows numbers reserved by branches built in parallel, and refuses a database that applied one this build lacks', () => {
    const one: Migration = { version: 1, name: 'one', up: 'SELECT 1' };
    const three: Migration = { version: 3, name: 'three', up: 'SELECT 1' };
    openDb([one, three]).close();
    const raw = kit.raw();
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(2, 'theirs', 1);
    raw.close();
    expect(catchError(() => openDb([one, three]))).toMatchObject({
      code: 'schema_mismatch',
      message: expect.stringContaining('a step this build does not know') as string,
    });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
