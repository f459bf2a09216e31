import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStoreTestKit, MINUTE, type StoreTestKit, STORE_BACKENDS } from './storeTestKit';
import type { Store, WorkspaceScope } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  let one: WorkspaceScope;
  let two: WorkspaceScope;

  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    store = await kit.open();
    const owner = await store.users.create({ email: 'o@example.com', displayName: 'O', passwordHash: 'h' });
    if (!owner.ok) throw new Error('no owner');
    const scopes = [];
    for (const slug of ['one', 'two']) {
      const ws = await store.workspaces.create({ slug, name: slug, ownerUserId: owner.value.id });
      if (!ws.ok) throw new Error(ws.error.code);
      scopes.push(store.forWorkspace(ws.value.id));
    }
    [one, two] = scopes as [WorkspaceScope, WorkspaceScope];
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  describe('workspace events', () => {
    it('numbers events 1, 2, 3… per workspace, independently, with random ids', async () => {
      const a1 = await one.events.append('member.joined', { userId: 'u1' });
      const a2 = await one.events.append('member.left', { userId: 'u1' });
      const b1 = await two.events.append('channel.created', { channelId: 'c1' });
      const a3 = await one.events.append('channel.deleted', { channelId: 'c2', nested: { list: [1, 'two', null] } });
      expect([a1.seq, a2.seq, a3.seq, b1.seq]).toEqual([1, 2, 3, 1]);
      expect(new Set([a1.id, a2.id, a3.id, b1.id]).size).toBe(4);
      expect(a1.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(a3).toMatchObject({ workspaceId: one.workspaceId, type: 'channel.deleted', createdAt: kit.clock.now });
      expect(await one.events.latestSeq()).toBe(3);
      expect(await two.events.latestSeq()).toBe(1);
    });

    it('stays gap-free and unique under many concurrent appends', async () => {
      const appended = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? two : one).events.append('tick', { i })),
      );
      const seqs = (scope: WorkspaceScope) =>
        appended
          .filter((event) => event.workspaceId === scope.workspaceId)
          .map((event) => event.seq)
          .sort((x, y) => x - y);
      expect(seqs(one)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(seqs(two)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('returns what a reconnecting client missed, in order, a page at a time', async () => {
      for (let i = 0; i < 5; i += 1) await one.events.append('tick', { i });
      const page = await one.events.since(1, 2);
      expect(page.map((event) => [event.seq, event.payload])).toEqual([
        [2, { i: 1 }],
        [3, { i: 2 }],
      ]);
      expect((await one.events.since(3, 100)).map((event) => event.seq)).toEqual([4, 5]);
      expect(await one.events.since(5, 100)).toEqual([]);
      expect(await one.events.since(0, -1)).toEqual([]);
    });

    it('prunes by age only past the retention, keeps numbering, and tells when a client must resync', async () => {
      await one.events.append('old', {});
      await one.events.append('old', {});
      await two.events.append('old', {});
      kit.clock.now += 10 * MINUTE;
      await one.events.append('recent', {});
      expect(await store.events.prune(10 * MINUTE)).toBe(0);
      kit.clock.now += 1;
      expect(await store.events.prune(10 * MINUTE)).toBe(3);

      expect(await one.events.oldestSeq()).toBe(3);
      expect(await one.events.latestSeq()).toBe(3);
      // Nothing kept in two: the next seq it will assign is the oldest a client could still get.
      expect(await two.events.oldestSeq()).toBe(2);
      expect((await two.events.append('next', {})).seq).toBe(2);
      expect((await one.events.since(0, 10)).map((event) => event.seq)).toEqual([3]);
    });

    it('refuses a retention shorter than ten minutes and uses fifteen by default', async () => {
      await expect(store.events.prune(10 * MINUTE - 1)).rejects.toMatchObject({ code: 'invalid_argument' });
      await one.events.append('tick', {});
      kit.clock.now += 15 * MINUTE;
      expect(await store.events.prune()).toBe(0);
      kit.clock.now += 1;
      expect(await store.events.prune()).toBe(1);
    });

    it('refuses an event for a workspace that does not exist', async () => {
      await expect(store.forWorkspace('missing').events.append('x', {})).rejects.toMatchObject({
        code: 'unknown_workspace',
      });
    });

    it('continues numbering after a restart', async () => {
      await one.events.append('before', {});
      await store.close();
      const reopened = await kit.open();
      expect((await reopened.forWorkspace(one.workspaceId).events.append('after', {})).seq).toBe(2);
    });
  });
});
