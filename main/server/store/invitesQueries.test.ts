import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStoreTestKit, MINUTE, type StoreTestKit, STORE_BACKENDS, createTestUser } from './storeTestKit';
import type { Store, User, WorkspaceScope } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  let owner: User;
  let scope: WorkspaceScope;

  const user = (email: string): Promise<User> => createTestUser(store, email);

  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    store = await kit.open();
    owner = await user('owner@example.com');
    const ws = await store.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: owner.id });
    if (!ws.ok) throw new Error(ws.error.code);
    scope = store.forWorkspace(ws.value.id);
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  const CODE = 'Zq3vL9xT2mK8pW4nR7sY1uB6';
  const invite = (overrides: { maxUses?: number; ttl?: number; code?: string } = {}) =>
    scope.invites.create({
      code: overrides.code ?? CODE,
      createdBy: owner.id,
      role: 'member',
      maxUses: overrides.maxUses ?? 2,
      expiresAt: kit.clock.now + (overrides.ttl ?? 60 * MINUTE),
    });

  describe('invites', () => {
    it('stores only the SHA-256 of the code', async () => {
      const created = await invite();
      expect(created).toMatchObject({ uses: 0, maxUses: 2, role: 'member', revokedAt: null });
      expect(JSON.stringify(created)).not.toContain(CODE);
      const row = (await (await kit.sql()).get<Record<string, unknown>>('SELECT * FROM invites'))!;
      expect(JSON.stringify(row)).not.toContain(CODE);
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('consumes up to maxUses and then refuses', async () => {
      await invite({ maxUses: 2 });
      expect(await scope.invites.consume(CODE)).toMatchObject({ ok: true, invite: { uses: 1 } });
      expect(await scope.invites.consume(CODE)).toMatchObject({ ok: true, invite: { uses: 2 } });
      expect(await scope.invites.consume(CODE)).toEqual({ ok: false, reason: 'used_up' });
      expect(await scope.invites.consume('not-the-code-at-all-xxxx')).toEqual({ ok: false, reason: 'unknown' });
    });

    it('lets exactly maxUses of many racing consumers through', async () => {
      await invite({ maxUses: 3 });
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => scope.invites.consume(CODE)));
      expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(3);
    });

    it('refuses at and after the expiry time, and after revocation', async () => {
      const created = await invite({ ttl: 10 * MINUTE });
      kit.clock.now += 10 * MINUTE - 1;
      expect((await scope.invites.consume(CODE)).ok).toBe(true);
      kit.clock.now += 1;
      expect(await scope.invites.consume(CODE)).toEqual({ ok: false, reason: 'expired' });

      const other = await invite({ code: 'another-code-0123456789ab' });
      expect(await scope.invites.revoke(other.id)).toBe(true);
      expect(await scope.invites.consume('another-code-0123456789ab')).toEqual({ ok: false, reason: 'revoked' });
      expect((await scope.invites.get(created.id))?.uses).toBe(1);
    });

    it('redeems by code alone into a membership with the invite’s role, atomically', async () => {
      const bob = await user('bob@example.com');
      const carol = await user('carol@example.com');
      const dave = await user('dave@example.com');
      const created = await scope.invites.create({
        code: CODE,
        createdBy: owner.id,
        role: 'admin',
        maxUses: 2,
        expiresAt: kit.clock.now + MINUTE,
      });

      const redeemed = await store.invites.redeem(CODE, bob.id);
      expect(redeemed).toMatchObject({ ok: true, role: 'admin', joined: true, workspace: { id: scope.workspaceId } });
      expect(await scope.members.get(bob.id)).toMatchObject({ role: 'admin' });

      // Already a member: succeeds with the current role and leaves the invite's uses alone.
      expect(await store.invites.redeem(CODE, owner.id)).toMatchObject({ ok: true, role: 'owner', joined: false });
      expect((await scope.invites.get(created.id))?.uses).toBe(1);

      expect(await store.invites.redeem(CODE, carol.id)).toMatchObject({ ok: true, joined: true });
      expect(await store.invites.redeem(CODE, dave.id)).toEqual({ ok: false, reason: 'used_up' });
      expect(await scope.members.get(dave.id)).toBeUndefined();
      expect(await store.invites.redeem('unknown-code-0123456789abc', dave.id)).toEqual({
        ok: false,
        reason: 'unknown',
      });
    });

    it('does not spend a use when the redeeming account does not exist', async () => {
      const created = await invite({ maxUses: 1 });
      await expect(store.invites.redeem(CODE, 'no-such-user')).rejects.toMatchObject({ code: 'unknown_reference' });
      expect((await scope.invites.get(created.id))?.uses).toBe(0);
    });

    it('refuses redemption of an expired invite', async () => {
      const bob = await user('bob@example.com');
      await invite({ ttl: MINUTE });
      kit.clock.now += MINUTE;
      expect(await store.invites.redeem(CODE, bob.id)).toEqual({ ok: false, reason: 'expired' });
    });
  });
});
