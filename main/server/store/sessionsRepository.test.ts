import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { createStoreTestKit, MINUTE, type StoreTestKit, STORE_BACKENDS } from './storeTestKit';
import type { NewSession, Store } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  let userId: string;
  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    store = await kit.open();
    const user = await store.users.create({ email: 'ada@example.com', displayName: 'Ada', passwordHash: 'h' });
    if (!user.ok) throw new Error('no user');
    userId = user.value.id;
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  const IDLE = 30 * MINUTE;
  const ABSOLUTE = 24 * 60 * MINUTE;

  function session(overrides: Partial<NewSession> = {}): NewSession {
    return {
      id: newId(),
      userId,
      secret: randomBytes(32),
      refreshTokenHash: randomBytes(32).toString('hex'),
      idleExpiresAt: kit.clock.now + IDLE,
      absoluteExpiresAt: kit.clock.now + ABSOLUTE,
      ...overrides,
    };
  }

  const successor = () => ({
    id: newId(),
    secret: randomBytes(32),
    refreshTokenHash: randomBytes(32).toString('hex'),
    idleExpiresAt: kit.clock.now + IDLE,
  });

  describe('sessions', () => {
    it('returns a live session with its decrypted secret', async () => {
      const input = session();
      const created = await store.sessions.create(input);
      expect(created.familyId).toMatch(/^[0-9a-f-]{36}$/);
      const live = await store.sessions.getLive(input.id);
      expect(live).toMatchObject({ id: input.id, userId, createdAt: kit.clock.now, lastSeenAt: kit.clock.now });
      expect(Buffer.from(live!.secret)).toEqual(input.secret);
      expect(await store.sessions.getLive('unknown')).toBeUndefined();
    });

    it('ends a session at its idle expiry, and touch extends it only up to the absolute expiry', async () => {
      const input = session();
      await store.sessions.create(input);
      kit.clock.now += IDLE - 1;
      expect(await store.sessions.touch(input.id, kit.clock.now + IDLE)).toBe(true);
      expect((await store.sessions.getLive(input.id))?.lastSeenAt).toBe(kit.clock.now);
      kit.clock.now += IDLE - 1;
      expect(await store.sessions.getLive(input.id)).toBeDefined();
      kit.clock.now += 1;
      expect(await store.sessions.getLive(input.id)).toBeUndefined();
      expect(await store.sessions.touch(input.id, kit.clock.now + IDLE)).toBe(false);

      const capped = session();
      await store.sessions.create(capped);
      await store.sessions.touch(capped.id, kit.clock.now + 10 * ABSOLUTE);
      expect((await store.sessions.getLive(capped.id))?.idleExpiresAt).toBe(capped.absoluteExpiresAt);
      kit.clock.now = capped.absoluteExpiresAt;
      expect(await store.sessions.getLive(capped.id)).toBeUndefined();
    });

    it('revokes one session, a family, or all of a user’s sessions but one', async () => {
      const a = session();
      const b = session({ familyId: 'family-b' });
      const c = session({ familyId: 'family-b' });
      const d = session();
      for (const s of [a, b, c, d]) await store.sessions.create(s);
      expect((await store.sessions.listActive(userId)).map((s) => s.id).sort()).toEqual(
        [a, b, c, d].map((s) => s.id).sort(),
      );

      expect(await store.sessions.revoke(a.id, 'signed_out')).toBe(true);
      expect(await store.sessions.revoke(a.id)).toBe(false);
      expect(await store.sessions.getLive(a.id)).toBeUndefined();

      expect(await store.sessions.revokeFamily('family-b')).toBe(2);
      expect(await store.sessions.getLive(b.id)).toBeUndefined();
      expect(await store.sessions.getLive(c.id)).toBeUndefined();

      const e = session();
      await store.sessions.create(e);
      expect(await store.sessions.revokeAllForUser(userId, { exceptSessionId: e.id, reason: 'password_changed' })).toBe(
        1,
      );
      expect((await store.sessions.listActive(userId)).map((s) => s.id)).toEqual([e.id]);
      expect(await store.sessions.revokeAllForUser(userId)).toBe(1);
      expect(await store.sessions.listActive(userId)).toEqual([]);
    });

    it('lists active sessions without their secrets', async () => {
      await store.sessions.create(session());
      const [listed] = await store.sessions.listActive(userId);
      expect(listed).not.toHaveProperty('secret');
      expect(listed).toMatchObject({ deviceLabel: null, lastAddress: null });
    });

    it('keeps the device label through refreshes and the address of the latest one', async () => {
      const first = session({ deviceLabel: 'whoot desktop on Linux', lastAddress: '192.0.2.7' });
      await store.sessions.create(first);
      expect(await store.sessions.listActive(userId)).toMatchObject([
        { id: first.id, deviceLabel: 'whoot desktop on Linux', lastAddress: '192.0.2.7' },
      ]);
      const moved = { ...successor(), lastAddress: '2001:db8::5' };
      expect((await store.sessions.rotateRefresh(first.refreshTokenHash, moved)).ok).toBe(true);
      const stayed = successor();
      expect((await store.sessions.rotateRefresh(moved.refreshTokenHash, stayed)).ok).toBe(true);
      expect(await store.sessions.listActive(userId)).toMatchObject([
        { id: stayed.id, deviceLabel: 'whoot desktop on Linux', lastAddress: '2001:db8::5' },
      ]);
    });

    describe('refresh rotation', () => {
      it('replaces the session with a successor in the same family, once', async () => {
        const first = session();
        await store.sessions.create(first);
        kit.clock.now += MINUTE;
        const next = successor();
        const rotated = await store.sessions.rotateRefresh(first.refreshTokenHash, next);
        expect(rotated.ok).toBe(true);
        if (!rotated.ok) return;
        expect(rotated.previousSessionId).toBe(first.id);
        expect(rotated.session).toMatchObject({ id: next.id, userId, absoluteExpiresAt: first.absoluteExpiresAt });
        expect(Buffer.from(rotated.session.secret)).toEqual(next.secret);
        expect(rotated.session.familyId).toBe((await store.sessions.getLive(next.id))?.familyId);
        expect(await store.sessions.getLive(first.id)).toBeUndefined();
        expect(await store.sessions.getLive(next.id)).toBeDefined();
      });

      it('detects reuse of a spent token and ends the whole family, successors included', async () => {
        const first = session();
        const other = session();
        const { familyId } = await store.sessions.create(first);
        await store.sessions.create(other);
        const second = successor();
        await store.sessions.rotateRefresh(first.refreshTokenHash, second);
        const third = successor();
        expect((await store.sessions.rotateRefresh(second.refreshTokenHash, third)).ok).toBe(true);

        const reused = await store.sessions.rotateRefresh(first.refreshTokenHash, successor());
        expect(reused).toEqual({ ok: false, reason: 'reused', userId, familyId, revokedSessions: 1 });
        expect(await store.sessions.getLive(third.id)).toBeUndefined();
        expect(await store.sessions.getLive(other.id)).toBeDefined();
        // The family's current token is dead too: whoever holds it must sign in again.
        expect(await store.sessions.rotateRefresh(third.refreshTokenHash, successor())).toEqual({
          ok: false,
          reason: 'revoked',
        });
      });

      it('lets only one of two racing refreshes with the same token win', async () => {
        const first = session();
        await store.sessions.create(first);
        const outcomes = await Promise.all([
          store.sessions.rotateRefresh(first.refreshTokenHash, successor()),
          store.sessions.rotateRefresh(first.refreshTokenHash, successor()),
        ]);
        expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.reason))).toEqual(['ok', 'reused']);
      });

      it('refuses unknown, expired and revoked tokens without revoking anything', async () => {
        expect(await store.sessions.rotateRefresh('no-such-hash', successor())).toEqual({
          ok: false,
          reason: 'unknown',
        });
        const expiring = session();
        const revoked = session();
        await store.sessions.create(expiring);
        await store.sessions.create(revoked);
        await store.sessions.revoke(revoked.id, 'signed_out');
        expect(await store.sessions.rotateRefresh(revoked.refreshTokenHash, successor())).toEqual({
          ok: false,
          reason: 'revoked',
        });
        kit.clock.now += IDLE;
        expect(await store.sessions.rotateRefresh(expiring.refreshTokenHash, successor())).toEqual({
          ok: false,
          reason: 'expired',
        });
      });
    });

    it('prunes ended sessions and the spent tokens of families with nothing live', async () => {
      const first = session();
      const kept = session();
      await store.sessions.create(first);
      await store.sessions.create(kept);
      await store.sessions.rotateRefresh(first.refreshTokenHash, successor());
      kit.clock.now += IDLE - MINUTE;
      await store.sessions.touch(kept.id, kit.clock.now + IDLE);
      kit.clock.now += 2 * MINUTE;
      expect(await store.sessions.pruneEnded(kit.clock.now)).toBe(2);
      const raw = await kit.sql();
      expect(await raw.all('SELECT id FROM sessions')).toEqual([{ id: kept.id }]);
      expect(await raw.get('SELECT count(*) AS n FROM used_refresh_tokens')).toEqual({ n: 0 });
    });
  });

  describe('liveFamilyOwner', () => {
    it('names the user across a refresh rotation, and nobody after sign-out or for an id never issued', async () => {
      const first = await store.sessions.create(session({ refreshTokenHash: 'hash-1' }));
      expect(await store.sessions.liveFamilyOwner(first.id)).toBe(userId);
      const next = successor();
      const rotated = await store.sessions.rotateRefresh('hash-1', next);
      expect(rotated.ok).toBe(true);
      expect(await store.sessions.getLive(first.id)).toBeUndefined();
      expect(await store.sessions.liveFamilyOwner(first.id)).toBe(userId);
      expect(await store.sessions.liveFamilyOwner(next.id)).toBe(userId);
      await store.sessions.revoke(next.id, 'signed_out');
      expect(await store.sessions.liveFamilyOwner(first.id)).toBeUndefined();
      expect(await store.sessions.liveFamilyOwner(next.id)).toBeUndefined();
      expect(await store.sessions.liveFamilyOwner(newId())).toBeUndefined();
    });

    it('ends with the idle expiry too', async () => {
      const live = await store.sessions.create(session());
      kit.clock.now += IDLE + 1;
      expect(await store.sessions.liveFamilyOwner(live.id)).toBeUndefined();
    });
  });

  describe('session revocation feed', () => {
    const feed = async (after = 0) =>
      (await store.sessions.revocationsSince(after, 100)).map((r) => ({
        sessionId: r.sessionId,
        ids: r.familySessionIds,
      }));

    it('appends every kind of revocation, naming each session of the family, and not a routine rotation', async () => {
      const first = session();
      const created = await store.sessions.create(first);
      const next = successor();
      await store.sessions.rotateRefresh(first.refreshTokenHash, next);
      expect(await feed()).toEqual([]);

      // Reuse of the spent token ends the family: the entry names the live successor and its rotated ancestor.
      await store.sessions.rotateRefresh(first.refreshTokenHash, successor());
      expect(await feed()).toEqual([{ sessionId: next.id, ids: [first.id, next.id] }]);

      const signedOut = session();
      await store.sessions.create(signedOut);
      await store.sessions.revoke(signedOut.id, 'signed_out');
      const family = session();
      await store.sessions.create(family);
      await store.sessions.revokeFamily((await store.sessions.getLive(family.id))!.familyId);
      const kept = session();
      const others = [session(), session()];
      for (const s of [kept, ...others]) await store.sessions.create(s);
      await store.sessions.revokeAllForUser(userId, { exceptSessionId: kept.id, reason: 'password_changed' });
      // Revoking what is already revoked appends nothing.
      await store.sessions.revoke(signedOut.id);

      const all = await store.sessions.revocationsSince(0, 100);
      expect(all.map((r) => r.sessionId)).toEqual([next.id, signedOut.id, family.id, ...others.map((s) => s.id)]);
      expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(all[0]!.familyId).toBe(created.familyId);
      expect((await store.sessions.revocationsSince(3, 1)).map((r) => r.seq)).toEqual([4]);
      expect(await store.sessions.revocationBounds()).toEqual({ oldestSeq: 1, latestSeq: 5 });
    });

    it('prunes old entries but always keeps the newest, so seq never goes back', async () => {
      for (let i = 0; i < 3; i += 1) {
        const s = session();
        await store.sessions.create(s);
        await store.sessions.revoke(s.id);
      }
      kit.clock.now += 25 * 60 * MINUTE;
      expect(await store.sessions.pruneRevocations(kit.clock.now - 24 * 60 * MINUTE)).toBe(2);
      expect(await store.sessions.revocationBounds()).toEqual({ oldestSeq: 3, latestSeq: 3 });
      const s = session({ idleExpiresAt: kit.clock.now + IDLE, absoluteExpiresAt: kit.clock.now + ABSOLUTE });
      await store.sessions.create(s);
      await store.sessions.revoke(s.id);
      expect(await store.sessions.revocationBounds()).toEqual({ oldestSeq: 3, latestSeq: 4 });
    });
  });
});
