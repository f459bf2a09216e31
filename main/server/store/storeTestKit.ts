import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, inject } from 'vitest';
import { dataKeySet, generateDataKey, type DataKey, type DataKeySet } from './keyMaterial';
import { storeTypes } from './postgres/pgPools';
import { openPostgresStore } from './postgres/postgresStore';
import { openStore } from './sqliteStore';
import type { Store, User } from './types';

/** Every store test runs once per backend (describe.each over this list). */
export const STORE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StoreBackend = (typeof STORE_BACKENDS)[number];

/** The PostgreSQL server the unit project's global setup started (test/support/postgresGlobalSetup.ts). */
export interface TestPostgres {
  readonly port: number;
  /** The directory of its Unix socket, where the superuser connects without a password. */
  readonly socketDir: string;
  readonly superuser: string;
  /** Its data directory (the cluster's files, readable by root): what a stolen disk would hold. */
  readonly dataDir: string;
  readonly passwords: { readonly whoot_owner: string; readonly whoot_app: string; readonly whoot_maintenance: string };
  /** A database migrated to this build's schema, copied for each kit. */
  readonly template: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    whootPostgres: TestPostgres;
  }
}

export type TestRole = keyof TestPostgres['passwords'];

export function postgresUrl(server: TestPostgres, role: TestRole, database: string): string {
  return `postgres://${role}:${server.passwords[role]}@127.0.0.1:${server.port}/${database}`;
}

/**
 * The database as someone with direct access sees it: the SQLite file, or PostgreSQL's superuser (who is above
 * row-level security). Tests play the attacker or the operator with it; application code never gets one.
 * Statements use `?` placeholders in both dialects.
 */
export interface RawDatabase {
  all<R>(sql: string, ...params: unknown[]): Promise<R[]>;
  get<R>(sql: string, ...params: unknown[]): Promise<R | undefined>;
  run(sql: string, ...params: unknown[]): Promise<number>;
}

/**
 * For the store's own tests only: a real database (a SQLite file in a fresh temporary directory, or a fresh
 * PostgreSQL database copied from the migrated template), a movable clock, and stores and raw connections that
 * `cleanup()` closes before removing the database. `open()` twice gives two stores over one database: two nodes.
 */
export interface StoreTestKit {
  readonly backend: StoreBackend;
  readonly dir: string;
  /** The SQLite file (SQLite kits). */
  readonly file: string;
  /** The PostgreSQL database's name (PostgreSQL kits). */
  readonly database: string;
  readonly keyA: DataKey;
  readonly keyB: DataKey;
  readonly clock: { now: number };
  open(keys?: DataKeySet): Promise<Store>;
  /** Direct access to the database, in either backend. */
  sql(): Promise<RawDatabase>;
  /** A better-sqlite3 connection to the file (SQLite kits only). */
  raw(): Database.Database;
  /** A PostgreSQL connection as one of whoot's roles, or the superuser (PostgreSQL kits only). */
  pgClient(role?: TestRole | 'superuser'): Promise<pg.Client>;
  /** The PostgreSQL server (PostgreSQL kits only). */
  readonly postgres: TestPostgres;
  cleanup(): Promise<void>;
}

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;

const dollars = (sql: string) => {
  let index = 0;
  return sql.replace(/\?/g, () => `$${(index += 1)}`);
};

/** A superuser connection over the Unix socket, with the store's value parsing. */
async function superuserClient(server: TestPostgres, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: server.socketDir,
    port: server.port,
    user: server.superuser,
    database,
    types: storeTypes,
  });
  await client.connect();
  return client;
}

async function asSuperuser(server: TestPostgres, sql: string): Promise<void> {
  const admin = await superuserClient(server, 'postgres');
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * A throwaway database of the test PostgreSQL, copied from the migrated template, and the three role URLs to it:
 * what a store kit and the server test harness (WHOOT_TEST_STORE=postgres) open.
 */
export function testPostgresDatabase(database: string) {
  if (!DATABASE_NAME.test(database)) throw new Error(`unsafe database name ${database}`);
  const server = inject('whootPostgres');
  return {
    server,
    database,
    url: (role: TestRole) => postgresUrl(server, role, database),
    // FILE_COPY: copying a small template's files is faster than PostgreSQL 15's default of logging every page.
    create: () =>
      asSuperuser(
        server,
        `CREATE DATABASE ${database} OWNER whoot_owner TEMPLATE ${server.template} STRATEGY FILE_COPY`,
      ),
    drop: () => asSuperuser(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
    /** The database as its superuser sees it (above row-level security): what a test reads behind a server's back. */
    async raw(): Promise<RawDatabase & { close(): Promise<void> }> {
      const client = await superuserClient(server, database);
      return { ...pgRawDatabase(client), close: () => client.end() };
    },
  };
}

/** `RawDatabase` over a PostgreSQL connection (`?` placeholders become `$n`). */
function pgRawDatabase(client: pg.Client): RawDatabase {
  return {
    all: async <R>(sql: string, ...params: unknown[]) => (await client.query(dollars(sql), params)).rows as R[],
    get: async <R>(sql: string, ...params: unknown[]) =>
      (await client.query(dollars(sql), params)).rows[0] as R | undefined,
    run: async (sql: string, ...params: unknown[]) => (await client.query(dollars(sql), params)).rowCount ?? 0,
  };
}

export function createStoreTestKit(backend: StoreBackend = 'sqlite'): StoreTestKit {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-store-'));
  const file = join(dir, 'whoot.db');
  const database = `kit_${randomBytes(8).toString('hex')}`;
  const stores: Store[] = [];
  const raws: Database.Database[] = [];
  const clients: pg.Client[] = [];
  const clock = { now: T0 };
  const keyA = generateDataKey(new Date(T0));
  const keyB = generateDataKey(new Date(T0 + 86_400_000));
  let target: ReturnType<typeof testPostgresDatabase> | undefined;
  let created: Promise<void> | undefined;

  function postgres() {
    if (backend !== 'postgres') throw new Error('this is a SQLite kit');
    target ??= testPostgresDatabase(database);
    return target;
  }
  async function connect(role: TestRole | 'superuser'): Promise<pg.Client> {
    const { server } = postgres();
    if (role === 'superuser') return superuserClient(server, database);
    const client = new pg.Client({ connectionString: postgresUrl(server, role, database), types: storeTypes });
    await client.connect();
    return client;
  }
  /** The kit's database, copied from the template the first time something needs it. */
  function ensureDatabase(): Promise<void> {
    created ??= postgres().create();
    return created;
  }

  const kit: StoreTestKit = {
    backend,
    dir,
    file,
    database,
    keyA,
    keyB,
    clock,
    get postgres() {
      return postgres().server;
    },
    async open(keys = dataKeySet(keyA)) {
      let store: Store;
      if (backend === 'sqlite') {
        store = await openStore({ file, keys, now: () => clock.now });
      } else {
        await ensureDatabase();
        const { url } = postgres();
        store = await openPostgresStore({
          url: url('whoot_app'),
          maintenanceUrl: url('whoot_maintenance'),
          // The template is migrated already: nodes open it as production nodes without the owner do.
          poolSize: 4,
          maintenancePoolSize: 2,
          keys,
          now: () => clock.now,
        });
      }
      stores.push(store);
      return store;
    },
    async sql() {
      if (backend === 'sqlite') {
        const db = kit.raw();
        return {
          all: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as R[],
          get: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as R | undefined,
          run: async (sql: string, ...params: unknown[]) => db.prepare(sql).run(...params).changes,
        };
      }
      return pgRawDatabase(await kit.pgClient('superuser'));
    },
    raw() {
      if (backend !== 'sqlite') throw new Error('raw() is the SQLite file; use sql() or pgClient()');
      const db = new Database(file);
      raws.push(db);
      return db;
    },
    async pgClient(role = 'superuser') {
      await ensureDatabase();
      const client = await connect(role);
      clients.push(client);
      return client;
    },
    async cleanup() {
      for (const store of stores) await store.close();
      for (const db of raws) if (db.open) db.close();
      for (const client of clients) await client.end().catch(() => undefined);
      if (created !== undefined) {
        await created.catch(() => undefined);
        await postgres().drop();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return kit;
}

/**
 * A fresh kit and store of `backend` for each test of the enclosing describe, cleaned up after it; `use` receives
 * them before each test (the suites keep them in their own `kit` and `store`).
 */
export function freshStoreEachTest(
  backend: StoreBackend,
  use: (opened: { readonly kit: StoreTestKit; readonly store: Store }) => void,
): void {
  let kit: StoreTestKit | undefined;
  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    use({ kit, store: await kit.open() });
  });
  afterEach(async () => {
    await kit?.cleanup();
  });
}

/** An account with a placeholder password hash, named after its email, for tests that need users to exist. */
export async function createTestUser(store: Store, email: string): Promise<User> {
  const created = await store.users.create({ email, displayName: email.split('@')[0] ?? email, passwordHash: 'h' });
  if (!created.ok) throw new Error(created.error.code);
  return created.value;
}
