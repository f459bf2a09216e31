import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataKeySet, generateDataKey } from '../keyMaterial';
import { MIGRATIONS } from '../migrations';
import { postgresUrl, testPostgresDatabase } from '../storeTestKit';
import { PG_MIGRATIONS } from './pgMigrations';
import { openPostgresStore } from './postgresStore';
import { storeTypes } from './pgPools';
import pg from 'pg';

describe('the PostgreSQL schema steps', () => {
  it('are the SQLite steps: the same numbers and names in the same order', () => {
    expect(PG_MIGRATIONS.map(({ version, name }) => ({ version, name }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
  });
});

describe('migrating a PostgreSQL database', () => {
  // An empty database (not the migrated template): what an admin creates before the first start.
  let database: ReturnType<typeof testPostgresDatabase>;
  let superuser: pg.Client;
  const keys = dataKeySet(generateDataKey());
  const options = (withOwner: boolean) => ({
    url: database.url('whoot_app'),
    maintenanceUrl: database.url('whoot_maintenance'),
    ...(withOwner ? { ownerUrl: database.url('whoot_owner') } : {}),
    poolSize: 2,
    maintenancePoolSize: 1,
    keys,
  });

  beforeEach(async () => {
    database = testPostgresDatabase(`migrate_${randomBytes(6).toString('hex')}`);
    const server = database.server;
    const admin = new pg.Client({
      host: server.socketDir,
      port: server.port,
      user: server.superuser,
      database: 'postgres',
    });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database.database} OWNER whoot_owner`);
    await admin.end();
    superuser = new pg.Client({
      host: server.socketDir,
      port: server.port,
      user: server.superuser,
      database: database.database,
      types: storeTypes,
    });
    await superuser.connect();
  });
  afterEach(async () => {
    await superuser.end();
    await database.drop();
  });

  it('applies every step once when three nodes start together, and a restart applies nothing again', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(options(true))));
    const applied = (await superuser.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'))
      .rows;
    expect(applied.map((row: { version: number }) => row.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    // Every node works against the one schema.
    const created = await stores[0]!.users.create({ email: 'a@example.com', displayName: 'A', passwordHash: 'h' });
    expect(created.ok).toBe(true);
    expect(await stores[2]!.users.count()).toBe(1);
    for (const store of stores) await store.close();
    await (await openPostgresStore(options(true))).close();
    expect(
      (await superuser.query('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).rows,
    ).toEqual(applied);
  });

  it('refuses to start a node without the owner on a schema it would have to migrate', async () => {
    await expect(openPostgresStore(options(false))).rejects.toMatchObject({ code: 'schema_outdated' });
    const tables = await superuser.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows).toEqual([]);
  });

  it('refuses a database whose schema is newer than this build, with or without the owner, and changes nothing', async () => {
    await (await openPostgresStore(options(true))).close();
    await superuser.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 1)");
    const before = (await superuser.query('SELECT * FROM schema_migrations ORDER BY version')).rows;
    for (const withOwner of [true, false]) {
      await expect(openPostgresStore(options(withOwner))).rejects.toMatchObject({
        code: 'schema_too_new',
        message: expect.stringContaining(`only up to ${PG_MIGRATIONS.at(-1)?.version}`) as string,
      });
    }
    expect((await superuser.query('SELECT * FROM schema_migrations ORDER BY version')).rows).toEqual(before);
  });

  it('refuses a database whose history names a step differently', async () => {
    await (await openPostgresStore(options(true))).close();
    await superuser.query("UPDATE schema_migrations SET name = 'something else' WHERE version = 2");
    await expect(openPostgresStore(options(true))).rejects.toMatchObject({ code: 'schema_mismatch' });
  });

  it('leaves the tables to their owner: neither the application nor the maintenance role owns one', async () => {
    await (await openPostgresStore(options(true))).close();
    const owners = await superuser.query<{ owner: string }>(
      "SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'",
    );
    expect(owners.rows).toEqual([{ owner: 'whoot_owner' }]);
    // And the URL a node uses names who it connects as; a wrong password is refused by the server.
    const wrong = postgresUrl(database.server, 'whoot_app', database.database).replace(/:[^:@/]+@/, ':wrong@');
    await expect(openPostgresStore({ ...options(false), url: wrong })).rejects.toThrow(/password authentication/);
  });
});
