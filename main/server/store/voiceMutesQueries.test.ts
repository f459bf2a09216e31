import { describe, expect, it } from 'vitest';
import { type StoreTestKit, STORE_BACKENDS, freshStoreEachTest, createTestUser } from './storeTestKit';
import type { Store, User } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  const user = (email: string): Promise<User> => createTestUser(store, email);

  async function workspaceOf(slug: string, owner: User) {
    const created = await store.workspaces.create({ slug, name: slug, ownerUserId: owner.id });
    if (!created.ok) throw new Error(created.error.code);
    return store.forWorkspace(created.value.id);
  }

  describe('server mutes', () => {
    it('mute once (the first author and time stay), unmute once, per workspace', async () => {
      const ada = await user('ada@example.com');
      const bob = await user('bob@example.com');
      const acme = await workspaceOf('acme', ada);
      const beta = await workspaceOf('beta', ada);
      await acme.members.add(bob.id, 'member');

      expect(await acme.voiceMutes.mute(bob.id, ada.id)).toBe(true);
      const first = await acme.voiceMutes.get(bob.id);
      expect(first).toEqual({ workspaceId: acme.workspaceId, userId: bob.id, mutedBy: ada.id, mutedAt: kit.clock.now });
      kit.clock.now += 1000;
      expect(await acme.voiceMutes.mute(bob.id, 'someone-else')).toBe(false);
      expect(await acme.voiceMutes.get(bob.id)).toEqual(first);
      expect(await beta.voiceMutes.get(bob.id)).toBeUndefined();
      expect(await store.voiceMutes.all()).toEqual([first]);

      expect(await acme.voiceMutes.unmute(bob.id)).toBe(true);
      expect(await acme.voiceMutes.unmute(bob.id)).toBe(false);
      expect(await acme.voiceMutes.list()).toEqual([]);
      expect(await store.voiceMutes.all()).toEqual([]);
    });

    it('outlives leaving the workspace, survives a reopen, and goes with the workspace or the account', async () => {
      const ada = await user('ada@example.com');
      const bob = await user('bob@example.com');
      const acme = await workspaceOf('acme', ada);
      await acme.members.add(bob.id, 'member');
      await acme.voiceMutes.mute(bob.id, ada.id);
      await acme.members.remove(bob.id);
      await acme.members.add(bob.id, 'member');
      expect((await acme.voiceMutes.list()).map((m) => m.userId)).toEqual([bob.id]);

      await store.close();
      store = await kit.open();
      expect((await store.forWorkspace(acme.workspaceId).voiceMutes.list()).map((m) => m.userId)).toEqual([bob.id]);

      // The table cascades like memberships do: a deleted account or workspace leaves no mute behind.
      const db = await kit.sql();
      await db.run(backend === 'sqlite' ? 'PRAGMA foreign_keys = ON' : 'SELECT 1');
      await db.run('DELETE FROM users WHERE id = ?', bob.id);
      expect(await store.voiceMutes.all()).toEqual([]);
    });

    it('refuses a user that does not exist as a store error, writing nothing', async () => {
      const ada = await user('ada@example.com');
      const acme = await workspaceOf('acme', ada);
      await expect(acme.voiceMutes.mute('nobody', ada.id)).rejects.toMatchObject({ code: 'unknown_reference' });
      await expect(store.forWorkspace('no-such-workspace').voiceMutes.mute(ada.id, ada.id)).rejects.toMatchObject({
        code: 'unknown_reference',
      });
      expect(await store.voiceMutes.all()).toEqual([]);
    });
  });
});
