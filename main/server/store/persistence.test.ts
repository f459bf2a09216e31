import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { createStoreTestKit, MINUTE, type StoreTestKit } from './storeTestKit';
import type { Store } from './types';

let kit: StoreTestKit;
beforeEach(() => {
  kit = createStoreTestKit();
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
    const raw = kit.raw();
    expect(raw.prepare('SELECT id FROM users').all()).toEqual([{ id: user.id }]);
    expect(raw.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 1 });
  });
});

describe('secrets at rest', () => {
  it('writes no session secret, TOTP seed or relay secret in plaintext, in the file or its WAL', async () => {
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
    const open = fileBytes(kit.file);
    expect(open.includes(Buffer.from('ada@example.com'))).toBe(true);
    for (const secret of [sessionSecret, totpSeed, relaySecret]) expect(containsAnyEncoding(open, secret)).toBe(false);

    await store.close();
    const closed = fileBytes(kit.file);
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
    const raw = kit.raw();
    const sealed = (raw.prepare('SELECT secret FROM sessions WHERE id = ?').get(ids[0]) as { secret: string }).secret;
    raw.prepare('UPDATE sessions SET secret = ? WHERE id = ?').run(sealed, ids[1]);
    await expect(store.sessions.getLive(ids[1]!)).rejects.toMatchObject({ code: 'field_undecryptable' });
    expect(Buffer.from((await store.sessions.getLive(ids[0]!))!.secret).toString()).toBe(`secret-of-${ids[0]}`);

    raw.prepare('UPDATE users SET totp_seed = ? WHERE id = ?').run(sealed, user.id);
    await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
  });

  it('refuses a tampered sealed value', async () => {
    const store = await kit.open();
    const { user } = await populate(store);
    await store.users.setTotpSeed(user.id, Buffer.from('seed-seed-seed'));
    const raw = kit.raw();
    const sealed = (raw.prepare('SELECT totp_seed FROM users').get() as { totp_seed: string }).totp_seed;
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    raw.prepare('UPDATE users SET totp_seed = ?').run(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`);
    await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
    raw.prepare('UPDATE users SET totp_seed = ?').run('MARKER-plaintext-seed');
    await expect(store.users.totpSeed(user.id)).rejects.toMatchObject({ code: 'field_undecryptable' });
  });
});
