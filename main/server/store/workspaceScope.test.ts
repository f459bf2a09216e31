import { describe, expect, it } from 'vitest';
import { prepareScoped } from './scopedSql';
import {
  createStoreTestKit,
  MINUTE,
  type StoreTestKit,
  STORE_BACKENDS,
  freshStoreEachTest,
  createTestUser,
} from './storeTestKit';
import type { Store, User, Workspace } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  const user = (email: string): Promise<User> => createTestUser(store, email);

  async function workspace(slug: string, owner: User): Promise<Workspace> {
    const created = await store.workspaces.create({ slug, name: slug.toUpperCase(), ownerUserId: owner.id });
    if (!created.ok) throw new Error(created.error.code);
    return created.value;
  }

  describe('workspaces', () => {
    it('creates a workspace with its owner as a member, and refuses a taken slug or unknown owner', async () => {
      const ada = await user('ada@example.com');
      const ws = await workspace('acme', ada);
      expect(await store.workspaces.bySlug('acme')).toEqual(ws);
      expect(await store.workspaces.byId(ws.id)).toEqual(ws);
      expect(await store.forWorkspace(ws.id).members.get(ada.id)).toMatchObject({ role: 'owner', displayName: 'ada' });
      expect(await store.workspaces.create({ slug: 'acme', name: 'Again', ownerUserId: ada.id })).toMatchObject({
        ok: false,
        error: { code: 'slug_taken' },
      });
      expect(await store.workspaces.create({ slug: 'other', name: 'Other', ownerUserId: 'nobody' })).toMatchObject({
        ok: false,
        error: { code: 'unknown_user' },
      });
      expect(await store.workspaces.bySlug('other')).toBeUndefined();
    });

    it('lists the workspaces a user belongs to, with the role in each', async () => {
      const ada = await user('ada@example.com');
      const bob = await user('bob@example.com');
      const acme = await workspace('acme', ada);
      const beta = await workspace('beta', bob);
      await store.forWorkspace(beta.id).members.add(ada.id, 'admin');
      const listed = await store.workspaces.listForUser(ada.id);
      expect(listed.map((m) => [m.workspace.slug, m.role])).toEqual([
        ['acme', 'owner'],
        ['beta', 'admin'],
      ]);
      expect((await store.workspaces.listForUser(bob.id)).map((m) => m.workspace.id)).toEqual([beta.id]);
      expect(acme.id).not.toBe(beta.id);
    });
  });

  describe('the workspace-scoped layer', () => {
    it("keeps a voice channel's mode: auto by default, forced to the SFU or a mesh, and back", async () => {
      const ada = await user('ada@example.com');
      const scope = store.forWorkspace((await workspace('acme', ada)).id);
      const lobby = await scope.channels.create({ name: 'Lobby' });
      const stage = await scope.channels.create({ name: 'All hands', voiceMode: 'sfu' });
      expect([lobby.voiceMode, stage.voiceMode]).toEqual(['auto', 'sfu']);
      expect(await scope.channels.setVoiceMode(lobby.id, 'mesh')).toBe(true);
      expect(await scope.channels.setVoiceMode(stage.id, 'auto')).toBe(true);
      expect(await scope.channels.setVoiceMode('no-such-channel', 'sfu')).toBe(false);
      // Two channels made in the same millisecond list in id order (random): compare them by name.
      const listed = (await scope.channels.list()).map((c) => [c.name, c.voiceMode]);
      expect(listed.sort()).toEqual([
        ['All hands', 'auto'],
        ['Lobby', 'mesh'],
      ]);
      expect((await scope.channels.get(lobby.id))?.voiceMode).toBe('mesh');
    });

    it('manages channels: relay-only voice by default, rename, relay setting, delete', async () => {
      const ada = await user('ada@example.com');
      const scope = store.forWorkspace((await workspace('acme', ada)).id);
      const general = await scope.channels.create({ name: 'General' });
      kit.clock.now += 1;
      expect(general).toMatchObject({
        name: 'General',
        kind: 'voice',
        relayOnly: true,
        workspaceId: scope.workspaceId,
      });
      const direct = await scope.channels.create({ name: 'LAN', relayOnly: false });
      expect(direct.relayOnly).toBe(false);
      expect(await scope.channels.rename(general.id, 'Lobby')).toBe(true);
      expect(await scope.channels.setRelayOnly(direct.id, true)).toBe(true);
      expect((await scope.channels.list()).map((c) => [c.name, c.relayOnly])).toEqual([
        ['Lobby', true],
        ['LAN', true],
      ]);
      expect(await scope.channels.delete(direct.id)).toBe(true);
      expect(await scope.channels.get(direct.id)).toBeUndefined();
      await expect(store.forWorkspace('no-such-workspace').channels.create({ name: 'x' })).rejects.toMatchObject({
        code: 'unknown_reference',
      });
    });

    it('manages members: add once, role changes, counts, removal', async () => {
      const ada = await user('ada@example.com');
      const bob = await user('bob@example.com');
      const scope = store.forWorkspace((await workspace('acme', ada)).id);
      kit.clock.now += 1;
      expect(await scope.members.add(bob.id, 'member')).toMatchObject({ ok: true, value: { role: 'member' } });
      expect(await scope.members.add(bob.id, 'admin')).toMatchObject({ ok: false, error: { code: 'already_member' } });
      expect(await scope.members.add('nobody', 'member')).toMatchObject({ ok: false, error: { code: 'unknown_user' } });
      expect(await scope.members.setRole(bob.id, 'admin')).toBe(true);
      expect(await scope.members.count('admin')).toBe(1);
      expect(await scope.members.count()).toBe(2);
      expect((await scope.members.list()).map((m) => [m.displayName, m.role])).toEqual([
        ['ada', 'owner'],
        ['bob', 'admin'],
      ]);
      expect(await scope.members.remove(bob.id)).toBe(true);
      expect(await scope.members.get(bob.id)).toBeUndefined();
    });

    it('reaches nothing of another workspace through any method, whatever ids it is given', async () => {
      const ada = await user('ada@example.com');
      const eve = await user('eve@example.com');
      const mallory = await user('mallory@example.com');
      const victim = store.forWorkspace((await workspace('victim', ada)).id);
      const attacker = store.forWorkspace((await workspace('attacker', eve)).id);

      // The victim workspace has one of everything.
      const channel = await victim.channels.create({ name: 'Board room' });
      await victim.members.add(mallory.id, 'member');
      const invite = await victim.invites.create({
        code: 'victim-invite-code-0123456789',
        createdBy: ada.id,
        role: 'admin',
        maxUses: 5,
        expiresAt: kit.clock.now + 60 * MINUTE,
      });
      await victim.events.append('channel.created', { channelId: channel.id });
      await store.audit.append({ type: 'channel.create', workspaceId: victim.workspaceId, actorUserId: ada.id });
      await victim.voiceMutes.mute(mallory.id, ada.id);
      const before = await snapshot(victim);

      // Every scoped method of the attacker's scope, given the victim's ids.
      expect(await attacker.channels.get(channel.id)).toBeUndefined();
      expect(await attacker.channels.list()).toEqual([]);
      expect(await attacker.channels.rename(channel.id, 'pwned')).toBe(false);
      expect(await attacker.channels.setRelayOnly(channel.id, false)).toBe(false);
      expect(await attacker.channels.setVoiceMode(channel.id, 'mesh')).toBe(false);
      expect(await attacker.channels.delete(channel.id)).toBe(false);

      expect(await attacker.members.get(mallory.id)).toBeUndefined();
      expect(await attacker.members.get(ada.id)).toBeUndefined();
      expect((await attacker.members.list()).map((m) => m.userId)).toEqual([eve.id]);
      expect(await attacker.members.setRole(mallory.id, 'owner')).toBe(false);
      expect(await attacker.members.setRole(ada.id, 'member')).toBe(false);
      expect(await attacker.members.remove(ada.id)).toBe(false);
      expect(await attacker.members.count()).toBe(1);

      expect(await attacker.invites.get(invite.id)).toBeUndefined();
      expect(await attacker.invites.list()).toEqual([]);
      expect(await attacker.invites.revoke(invite.id)).toBe(false);
      expect(await attacker.invites.consume('victim-invite-code-0123456789')).toEqual({ ok: false, reason: 'unknown' });

      expect(await attacker.events.since(0, 100)).toEqual([]);
      expect(await attacker.events.latestSeq()).toBe(0);
      expect(await attacker.events.oldestSeq()).toBe(1);
      expect(await attacker.audit.since(0, 100)).toEqual([]);

      expect(await attacker.voiceMutes.get(mallory.id)).toBeUndefined();
      expect(await attacker.voiceMutes.list()).toEqual([]);
      expect(await attacker.voiceMutes.unmute(mallory.id)).toBe(false);
      // A mute written through the attacker's scope lands in the attacker's workspace, never the victim's.
      expect(await attacker.voiceMutes.mute(ada.id, eve.id)).toBe(true);
      expect((await attacker.voiceMutes.list()).map((m) => m.workspaceId)).toEqual([attacker.workspaceId]);

      // And the victim's data is exactly as it was.
      expect(await snapshot(victim)).toEqual(before);
    });
  });

  async function snapshot(scope: ReturnType<Store['forWorkspace']>) {
    return {
      channels: await scope.channels.list(),
      members: await scope.members.list(),
      invites: await scope.invites.list(),
      events: await scope.events.since(0, 100),
      audit: await scope.audit.since(0, 100),
      voiceMutes: await scope.voiceMutes.list(),
    };
  }
});

// SQLite's own machine check; PostgreSQL's is row-level security (postgres/rowLevelSecurity.test.ts).
describe('prepareScoped (SQLite)', () => {
  it('refuses, when the store opens, a scoped statement that does not bind its workspace', async () => {
    const kit = createStoreTestKit('sqlite');
    await kit.open();
    const db = kit.raw();
    expect(() => prepareScoped(db, 'SELECT id FROM channels WHERE id = @id')).toThrow(/does not bind workspace_id/);
    expect(() => prepareScoped(db, 'SELECT id FROM channels WHERE workspace_id = ?')).toThrow(/does not bind/);
    expect(() => prepareScoped(db, 'INSERT INTO channels (id, name) VALUES (@id, @workspaceId)')).toThrow(
      /does not bind/,
    );
    expect(() => prepareScoped(db, 'SELECT id FROM channels WHERE workspace_id = @workspaceId')).not.toThrow();
    db.close();
    await kit.cleanup();
  });
});
