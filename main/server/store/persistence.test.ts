import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { createStoreTestKit, MINUTE, type StoreTestKit, STORE_BACKENDS } from './storeTestKit';
import type { Store } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  beforeEach(() => {
    kit = createStoreTestKit(backend);
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  async function populate(store: Store) {
    const ada = await store.users.create({ email: 'ada@example.com', displayName: 'Ada', passwordHash: 'argon2-hash' });
    if (!ada.ok) throw new Error('no user');
    const ws = await store.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: ada.value.id });
    if (!ws.ok) throw new Error('no workspace');
    const scope = store.forWorkspace(ws.value.id);
    const channel = await scope.channels.create({ name: 'General' });
    await scope.events.append('channel.created', { channelId: channel.id });
    await store.audit.append({ type: 'workspace.create', actorUserId: ada.value.id, workspaceId: ws.value.id });
    return { user: ada.value, workspace: ws.value, channel };
  }

  /** Every byte the database has on disk: the main file and, while open, the write-ahead log. */
  function fileBytes(file: string): Buffer {
    return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path)));
  }

  function containsAnyEncoding(haystack: Buffer, secret: Buffer): boolean {
    return [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('base64')).subarray(0, 20)].some(
      (needle) => haystack.includes(needle),
    );
  }

  /**
   * What a stolen disk would hold: the SQLite file and its WAL, or PostgreSQL's data files for this database and
   * the server's write-ahead log, after a checkpoint has written every page out.
   */
  async function bytesAtRest(): Promise<Buffer> {
    if (backend === 'sqlite') return fileBytes(kit.file);
    const raw = await kit.sql();
    await raw.run('CHECKPOINT');
    const db = (await raw.get<{ oid: unknown }>('SELECT oid FROM pg_database WHERE datname = current_database()'))!;
    const dirs = [join(kit.postgres.dataDir, 'base', String(db.oid)), join(kit.postgres.dataDir, 'pg_wal')];
    const files = dirs.flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
    // PostgreSQL removes and rewrites some files (pg_internal.init) as it runs: one gone since the listing held nothing.
    return Buffer.concat(files.map(readIfFile));
  }

  describe('durability', () => {
    it('keeps accounts, workspaces, memberships, channels, events and audit entries across a restart', async () => {
      const first = await kit.open();
      const { user, workspace, channel } = await populate(first);
      const audit = await first.audit.since(0, 10);
      await first.close();

      const second = await kit.open();
      expect(await second.users.byEmail('ada@example.com')).toEqual(user);
      expect(await second.workspaces.bySlug('acme')).toEqual(workspace);
      const scope = second.forWorkspace(workspace.id);
      expect(await scope.channels.list()).toEqual([channel]);
      expect((await scope.members.get(user.id))?.role).toBe('owner');
      expect((await scope.events.since(0, 10)).map((event) => event.type)).toEqual(['channel.created']);
      expect(await second.audit.since(0, 10)).toEqual(audit);
      expect(await second.audit.verify()).toMatchObject({ ok: true, entries: 1 });
    });

    it('keeps committed data when the process dies without closing the store', async () => {
      const first = await kit.open();
      const { user } = await populate(first);
      // No close(): a second connection reads the file and its WAL as a restarted process would.
      const raw = await kit.sql();
      expect(await raw.all('SELECT id FROM users')).toEqual([{ id: user.id }]);
      expect(await raw.get('SELECT count(*) AS n FROM audit_log')).toEqual({ n: 1 });
    });
  });

  describe('secrets at rest', () => {
    it('writes no session secret, TOTP seed or relay secret in plaintext, in the files or the write-ahead log', async () => {
      const store = await kit.open();
      const { user } = await populate(store);
      const sessionSecret = Buffer.from('MARKER-SESSION-SECRET-7f3a9c1e');
      const totpSeed = Buffer.from('MARKER-TOTP-SEED-0b8d2e6f');
      await store.sessions.create({
        id: newId(),
        userId: user.id,
        secret: sessionSecret,
        refreshTokenHash: 'refresh-hash',
        idleExpiresAt: kit.clock.now + MINUTE,
        absoluteExpiresAt: kit.clock.now + 60 * MINUTE,
      });
      await store.users.setTotpSeed(user.id, totpSeed);
      const relaySecret = Buffer.from(await store.secrets.relaySecret());

      // The check is meaningful only if non-secret data is plainly there to be found.
      const open = await bytesAtRest();
      expect(open.includes(Buffer.from('ada@example.com'))).toBe(true);
      for (const secret of [sessionSecret, totpSeed, relaySecret])
        expect(containsAnyEncoding(open, secret)).toBe(false);

      await store.close();
      const closed = await bytesAtRest();
      expect(closed.includes(Buffer.from('ada@example.com'))).toBe(true);
      for (const secret of [sessionSecret, totpSeed, relaySecret])
        expect(containsAnyEncoding(closed, secret)).toBe(false);
    });

    it('keeps the relay secret stable across restarts', async () => {
      const first = await kit.open();
      const secret = Buffer.from(await first.secrets.relaySecret());
      expect(secret).toHaveLength(32);
      expect(Buffer.from(await first.secrets.relaySecret())).toEqual(secret);
      await first.close();
      expect(Buffer.from(await (await kit.open()).secrets.relaySecret())).toEqual(secret);
    });

    it('refuses a sealed value copied into another row or another column', async () => {
      const store = await kit.open();
      const { user } = await populate(store);
      const ids = [newId(), newId()];
      for (const id of ids) {
        await store.sessions.create({
          id,
          userId: user.id,
          secret: Buffer.from(`secret-of-${id}`),
          refreshTokenHash: `hash-${id}`,
          idleExpiresAt: kit.clock.now + MINUTE,
          absoluteExpiresAt: kit.clock.now + 60 * MINUTE,
        });
      }
      const raw = await kit.sql();
      const sealed = (await raw.get<{ secret: string }>('SELECT secret FROM sessions WHERE id = ?', ids[0]))!.secret;
      await raw.run('UPDATE sessions SET secret = ? WHERE id = ?', sealed, ids[1]);
      await expect(store.sessions.getLive(ids[1]!)).rejects.toMatchObject({ code: 'field_undecryptable' });
      expect(Buffer.from((await store.sessions.getLive(ids[0]!))!.secret).toString()).toBe(`secret-of-${ids[0]}`);

      await raw.run('UPDATE users SET totp_seed = ? WHERE id = ?', sealed, user.id);
      await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
    });

    it('refuses a tampered sealed value', async () => {
      const store = await kit.open();
      const { user } = await populate(store);
      await store.users.setTotpSeed(user.id, Buffer.from('seed-seed-seed'));
      const raw = await kit.sql();
      const sealed = (await raw.get<{ totp_seed: string }>('SELECT totp_seed FROM users'))!.totp_seed;
      const last = sealed.at(-2) === 'A' ? 'B' : 'A';
      await raw.run('UPDATE users SET totp_seed = ?', `${sealed.slice(0, -2)}${last}${sealed.at(-1)}`);
      await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
      await raw.run('UPDATE users SET totp_seed = ?', 'MARKER-plaintext-seed');
      await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
    });
  });
});

function readIfFile(path: string): Buffer {
  try {
    return statSync(path).isFile() ? readFileSync(path) : Buffer.alloc(0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}
