import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFieldCodec } from '../encryptedColumns';
import { createKeyRing } from '../fieldCipher';
import { dataKeySet } from '../keyMaterial';
import { createStoreTestKit, type StoreTestKit } from '../storeTestKit';
import type { Store } from '../types';
import { pgChannels } from './pgChannels';
import type { PgStoreContext } from './pgContext';
import { pgEvents } from './pgEvents';
import { pgFiles } from './pgFiles';
import { pgInvites } from './pgInvites';
import { pgMembers } from './pgMembers';
import { pgMessages } from './pgMessages';
import { createPool, pgAccess, type PgAccess } from './pgPools';
import type { Sql } from './pgSql';
import { pgVoiceMutes } from './pgVoiceMutes';
import { openPostgresStore } from './postgresStore';
import { pgWebhooks } from './pgWebhooks';
import { populateWorkspace } from './tenantFixture';

let kit: StoreTestKit;
let store: Store;
let victim: Awaited<ReturnType<typeof populateWorkspace>>;
let attacker: Awaited<ReturnType<typeof populateWorkspace>>;
let superuser: pg.Client;
let tenantTables: { table: string; key: string }[];

/** Every row of every tenant table, per table, as the superuser (above row-level security) sees them. */
async function everything(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const { table, key } of tenantTables) {
    out[table] = (await superuser.query(`SELECT * FROM ${table} ORDER BY 1, 2`)).rows;
    expect(out[table]!.length, `${table} has rows`).toBeGreaterThan(0);
    expect(
      out[table]!.some((row) => (row as Record<string, unknown>)[key] === victim.scope.workspaceId),
      `${table} has a victim row`,
    ).toBe(true);
  }
  return out;
}

beforeEach(async () => {
  kit = createStoreTestKit('postgres');
  store = await kit.open();
  victim = await populateWorkspace(store, 'victim', kit.clock.now);
  attacker = await populateWorkspace(store, 'attacker', kit.clock.now);
  await store.webhookQueue.claimDue({ limit: 10, leaseMs: 60_000 });
  superuser = await kit.pgClient('superuser');
  // The tenant tables as the database lists them: any table with a workspace_id column, and workspaces itself.
  const listed = await superuser.query<{ table: string }>(
    `SELECT table_name AS table FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name = 'workspace_id' ORDER BY table_name`,
  );
  tenantTables = [
    { table: 'workspaces', key: 'id' },
    ...listed.rows.map(({ table }) => ({ table, key: 'workspace_id' })),
  ];
});
afterEach(async () => {
  await kit.cleanup();
});

describe('row-level security on every tenant table', () => {
  it('is enabled and forced, with the application and maintenance policies, on each one', async () => {
    expect(tenantTables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['channels', 'messages', 'files', 'file_chunks', 'webhook_deliveries', 'audit_log']),
    );
    for (const { table } of tenantTables) {
      const flags = await superuser.query<{ enabled: boolean; forced: boolean }>(
        `SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class
         WHERE relname = $1 AND relnamespace = 'public'::regnamespace`,
        [table],
      );
      expect(flags.rows[0], table).toEqual({ enabled: true, forced: true });
      const policies = await superuser.query<{ roles: string[] }>(
        `SELECT roles::text[] AS roles FROM pg_policies WHERE schemaname = 'public' AND tablename = $1`,
        [table],
      );
      expect(policies.rows.flatMap((p) => p.roles).sort(), table).toEqual(['whoot_app', 'whoot_maintenance']);
    }
  });

  it("shows a scoped transaction only its workspace's rows, whatever the statement asks for", async () => {
    const before = await everything();
    const app = createPool(appUrl(), 2, 'attack');
    try {
      const access = pgAccess({ app, maintenance: app });
      await access
        .scoped(attacker.scope.workspaceId, async (sql) => {
          for (const { table, key } of tenantTables) {
            const rows = await sql.rows<Record<string, unknown>>(`SELECT ${key} AS ws FROM ${table}`);
            expect(rows.length, table).toBeGreaterThan(0);
            expect(new Set(rows.map((row) => row.ws)), table).toEqual(new Set([attacker.scope.workspaceId]));
          }
          // Writes reach only the scope's rows too: an UPDATE or DELETE of everything touches none of the victim's.
          expect(await sql.run(`UPDATE channels SET name = 'pwned'`)).toBe(1);
          expect(await sql.run(`DELETE FROM voice_mutes`)).toBe(1);
          expect(await sql.run(`UPDATE workspaces SET name = 'pwned'`)).toBe(1);
          throw new RollBack();
        })
        .catch((error: unknown) => {
          if (!(error instanceof RollBack)) throw error;
        });
      // Writing a row into another workspace from this scope is refused by the policy's WITH CHECK.
      await expect(
        access.scoped(attacker.scope.workspaceId, (sql) =>
          sql.run(
            `INSERT INTO channels (id, workspace_id, name, kind, relay_only, created_at) VALUES ('x', $1, 'x', 'text', true, 0)`,
            [victim.scope.workspaceId],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
      await expect(
        access.scoped(attacker.scope.workspaceId, (sql) =>
          sql.run('UPDATE channels SET workspace_id = $1', [victim.scope.workspaceId]),
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await app.end();
    }
    expect(await everything()).toEqual(before);
  });

  it("runs the store's scoped statements with their workspace filter cut out and still reaches nothing of another workspace", async () => {
    const before = await everything();
    const app = createPool(appUrl(), 2, 'stripped');
    try {
      const ring = createKeyRing(dataKeySet(kit.keyA));
      // The repositories' own code, over a connection that deletes `<column> = $1` (the scope's workspace) from
      // every statement they run: only the database's policy is left to keep workspaces apart.
      const access = pgAccess({ app, maintenance: app });
      const stripped: PgAccess = {
        ...access,
        scoped: (workspaceId, work) => access.scoped(workspaceId, (sql) => work(withoutWorkspaceFilter(sql))),
      };
      const context: PgStoreContext = { db: stripped, now: () => kit.clock.now, fields: createFieldCodec(() => ring) };
      const ws = attacker.scope.workspaceId;
      const control = await superuser.query(withoutFilterText('SELECT id FROM channels WHERE workspace_id = $1'), [ws]);
      expect(control.rows).toHaveLength(2); // the cut really removes the filter: above the policy, both appear

      const channels = pgChannels(context, ws);
      expect((await channels.list()).map((c) => c.workspaceId)).toEqual([ws]);
      expect(await channels.get(victim.channel.id)).toBeUndefined();
      expect(await channels.rename(victim.channel.id, 'pwned')).toBe(false);
      expect(await channels.delete(victim.channel.id)).toBe(false);

      const members = pgMembers(context, ws);
      expect(new Set((await members.list()).map((m) => m.workspaceId))).toEqual(new Set([ws]));
      expect(await members.get(victim.owner.id)).toBeUndefined();
      expect(await members.setRole(victim.member.id, 'owner')).toBe(false);
      // The attacker's own three: owner, member and the account its provider made just in time (tenantFixture.ts).
      expect(await members.count()).toBe(3);

      const invites = pgInvites(context).scoped(ws);
      expect((await invites.list()).map((i) => i.workspaceId)).toEqual([ws]);
      expect(await invites.get(victim.invite.id)).toBeUndefined();
      expect(await invites.revoke(victim.invite.id)).toBe(false);
      expect(await invites.consume('victim-invite-code-0123456789')).toEqual({ ok: false, reason: 'unknown' });

      const events = pgEvents(context).scoped(ws);
      expect(new Set((await events.since(0, 100)).map((e) => e.workspaceId))).toEqual(new Set([ws]));
      expect(await events.latestSeq()).toBe(1);

      const messages = pgMessages(context, ws);
      expect(await messages.get(victim.message.id)).toBeUndefined();
      expect(await messages.edit(victim.message.id, 'pwned', [])).toBeUndefined();
      expect(await messages.delete(victim.message.id, attacker.owner.id)).toBeUndefined();
      expect(await messages.page(victim.channel.id, null, 10)).toEqual({ messages: [], hasMore: false });
      expect((await messages.unread(victim.member.id)).map((u) => u.channelId)).toEqual([attacker.channel.id]);

      const files = pgFiles(context, { ring: () => ring }).scoped(ws);
      expect(await files.get(victim.file.id)).toBeUndefined();
      expect(await files.open(victim.file.id)).toBeUndefined();
      expect(await files.remove(victim.file.id)).toBeUndefined();
      expect(await files.usedBytes()).toBe(16);

      const mutes = pgVoiceMutes(context).scoped(ws);
      expect(new Set((await mutes.list()).map((m) => m.workspaceId))).toEqual(new Set([ws]));
      expect(await mutes.unmute(victim.member.id)).toBe(false);

      const webhooks = pgWebhooks(context).scoped(ws);
      expect((await webhooks.list()).map((e) => e.id)).toEqual([attacker.endpoint.id]);
      expect(await webhooks.get(victim.endpoint.id)).toBeUndefined();
      expect(await webhooks.delete(victim.endpoint.id)).toBe(false);
      expect(await webhooks.deliveries(victim.endpoint.id, 10)).toEqual([]);
    } finally {
      await app.end();
    }
    expect(await everything()).toEqual(before);
  });
});

describe('an attacker holding the application role', () => {
  it('reads nothing across workspaces, whatever it sets, resets or tries to become, and changes nothing', async () => {
    const before = await everything();
    const app = await kit.pgClient('whoot_app');
    const visible = async (table: string, key: string) =>
      new Set((await app.query<{ ws: string }>(`SELECT ${key} AS ws FROM ${table}`)).rows.map((row) => row.ws));
    const refused = (text: string, reason: RegExp) => expect(app.query(text), text).rejects.toThrow(reason);
    const setWorkspace = (value: string) => app.query("SELECT set_config('whoot.workspace_id', $1, false)", [value]);

    // No workspace set: no tenant row at all.
    for (const { table, key } of tenantTables) expect((await visible(table, key)).size, table).toBe(0);
    // Values that would widen a string comparison or a pattern: still nothing.
    for (const value of [
      '',
      '%',
      '*',
      `${victim.scope.workspaceId}' OR '1'='1`,
      `${attacker.scope.workspaceId},${victim.scope.workspaceId}`,
    ]) {
      await setWorkspace(value);
      for (const { table, key } of tenantTables)
        expect((await visible(table, key)).size, `${table} with ${value}`).toBe(0);
    }
    // One workspace at a time, never two in one statement.
    await setWorkspace(attacker.scope.workspaceId);
    for (const { table, key } of tenantTables) {
      expect(await visible(table, key), table).toEqual(new Set([attacker.scope.workspaceId]));
    }
    // Becoming someone above the policies.
    await refused('SET ROLE whoot_maintenance', /permission denied/);
    await refused('SET ROLE whoot_owner', /permission denied/);
    await refused('SET ROLE postgres', /permission denied/);
    await refused('SET SESSION AUTHORIZATION postgres', /permission denied/);
    await app.query('RESET ROLE');
    await app.query('RESET ALL');
    for (const { table, key } of tenantTables) expect((await visible(table, key)).size, `${table} after RESET`).toBe(0);
    // Switching the policies off.
    await app.query('SET row_security = off');
    await refused('SELECT id FROM channels', /row-level security/);
    await app.query('RESET row_security');
    await refused('ALTER TABLE channels DISABLE ROW LEVEL SECURITY', /must be owner/);
    await refused('ALTER TABLE channels NO FORCE ROW LEVEL SECURITY', /must be owner/);
    await refused('DROP POLICY channels_in_workspace ON channels', /must be owner/);
    await refused('CREATE POLICY open ON channels TO whoot_app USING (true)', /must be owner/);
    await refused('CREATE TABLE leak AS SELECT * FROM channels', /permission denied/);
    await refused('CREATE VIEW leak AS SELECT * FROM channels', /permission denied/);
    await refused('TRUNCATE channels', /permission denied/);
    // The planner's statistics hold sample values; PostgreSQL hides them for tables under row security.
    await superuser.query('ANALYZE channels');
    expect((await app.query("SELECT * FROM pg_stats WHERE tablename = 'channels'")).rows).toEqual([]);

    expect(await everything()).toEqual(before);
  });

  it("is refused as the store's application role when it could bypass the policies", async () => {
    const url = (user: string, password: string) =>
      `postgres://${user}:${password}@127.0.0.1:${kit.postgres.port}/${kit.database}`;
    const keys = dataKeySet(kit.keyA);
    const maintenanceUrl = url('whoot_maintenance', kit.postgres.passwords.whoot_maintenance);
    // The owner of the tables.
    await expect(
      openPostgresStore({ url: url('whoot_owner', kit.postgres.passwords.whoot_owner), maintenanceUrl, keys }),
    ).rejects.toMatchObject({
      code: 'unsafe_database_role',
      message: expect.stringContaining('owns tables') as string,
    });
    // The maintenance role given as the application role.
    await expect(openPostgresStore({ url: maintenanceUrl, maintenanceUrl, keys })).rejects.toMatchObject({
      code: 'unsafe_database_role',
    });
    // A member of whoot_app that may bypass row-level security.
    await superuser.query("CREATE ROLE whoot_rogue LOGIN BYPASSRLS PASSWORD 'rogue-password' IN ROLE whoot_app");
    try {
      await expect(
        openPostgresStore({ url: url('whoot_rogue', 'rogue-password'), maintenanceUrl, keys }),
      ).rejects.toMatchObject({
        code: 'unsafe_database_role',
        message: expect.stringContaining('bypasses row-level security') as string,
      });
    } finally {
      await superuser.query('DROP ROLE whoot_rogue');
    }
  });
});

class RollBack extends Error {}

function appUrl(): string {
  return `postgres://whoot_app:${kit.postgres.passwords.whoot_app}@127.0.0.1:${kit.postgres.port}/${kit.database}`;
}

/** `x = $1` and `t.x = $1` become a condition that is always true but still names $1 (PostgreSQL wants it used). */
function withoutFilterText(text: string): string {
  return text.replace(/\b(?:\w+\.)?\w+\s*=\s*\$1\b/g, '($1::text IS NOT NULL)');
}

function withoutWorkspaceFilter(sql: Sql): Sql {
  return {
    rows: (text, params) => sql.rows(withoutFilterText(text), params),
    row: (text, params) => sql.row(withoutFilterText(text), params),
    run: (text, params) => sql.run(withoutFilterText(text), params),
  };
}
