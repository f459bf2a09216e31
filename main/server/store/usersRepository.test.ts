import { describe, expect, it } from 'vitest';
import { MINUTE, type StoreTestKit, STORE_BACKENDS, freshStoreEachTest } from './storeTestKit';
import type { Store } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  const newUser = (email: string) => ({ email, displayName: email.split('@')[0]!, passwordHash: `hash:${email}` });

  async function createUser(email: string) {
    const created = await store.users.create(newUser(email));
    if (!created.ok) throw new Error(created.error.code);
    return created.value;
  }

  describe('users', () => {
    it('creates a user with a random id; the first account owns the server, later ones do not', async () => {
      expect(await store.users.count()).toBe(0);
      const ada = await createUser('ada@example.com');
      const bob = await createUser('bob@example.com');
      expect(ada.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(ada).toMatchObject({
        email: 'ada@example.com',
        serverOwner: true,
        totpEnabled: false,
        createdAt: kit.clock.now,
      });
      expect(bob.serverOwner).toBe(false);
      expect(await store.users.count()).toBe(2);
    });

    it('makes exactly one owner when the first sign-ups race', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => createUser(`${name}@example.com`)));
      expect(results.filter((user) => user.serverOwner)).toHaveLength(1);
    });

    it('treats email addresses case-insensitively for uniqueness and lookup', async () => {
      const ada = await createUser('Ada.Lovelace@Example.com');
      const again = await store.users.create(newUser('ada.lovelace@EXAMPLE.COM'));
      expect(again).toMatchObject({ ok: false, error: { code: 'email_taken' } });
      expect((await store.users.byEmail('ADA.LOVELACE@example.com'))?.id).toBe(ada.id);
      expect((await store.users.byId(ada.id))?.email).toBe('Ada.Lovelace@Example.com');
      expect(await store.users.byEmail('nobody@example.com')).toBeUndefined();
      expect(await store.users.byId('0190f0b4-7c2e-7a1b-8c3d-4e5f60718293')).toBeUndefined();
    });

    it('changes the password hash', async () => {
      const ada = await createUser('ada@example.com');
      expect(await store.users.setPasswordHash(ada.id, 'new-hash')).toBe(true);
      expect((await store.users.byId(ada.id))?.passwordHash).toBe('new-hash');
    });

    it('changes the display name, of that account only', async () => {
      const ada = await createUser('ada@example.com');
      const bob = await createUser('bob@example.com');
      expect(await store.users.setDisplayName(ada.id, 'Countess Ada')).toBe(true);
      expect((await store.users.byId(ada.id))?.displayName).toBe('Countess Ada');
      expect((await store.users.byId(bob.id))?.displayName).toBe('bob');
      expect(await store.users.setDisplayName('0190f0b4-7c2e-7a1b-8c3d-4e5f60718293', 'Nobody')).toBe(false);
    });

    it('stores the TOTP seed sealed and reports only whether it is set', async () => {
      const ada = await createUser('ada@example.com');
      const seed = Buffer.from('12345678901234567890');
      expect(await store.users.setTotpSeed(ada.id, seed)).toBe(true);
      expect(await store.users.totpSeed(ada.id)).toEqual(seed);
      const user = await store.users.byId(ada.id);
      expect(user?.totpEnabled).toBe(true);
      expect(JSON.stringify(user)).not.toContain('1234567890');
      const raw = (await (
        await kit.sql()
      ).get<{ totp_seed: string }>('SELECT totp_seed FROM users WHERE id = ?', ada.id))!;
      expect(raw.totp_seed.startsWith(`v1.${kit.keyA.id}.`)).toBe(true);

      expect(await store.users.clearTotpSeed(ada.id)).toBe(true);
      expect(await store.users.totpSeed(ada.id)).toBeUndefined();
      expect((await store.users.byId(ada.id))?.totpEnabled).toBe(false);
    });

    it('keeps a pending TOTP enrolment sealed, for any store on the database, until the seed is confirmed', async () => {
      const ada = await createUser('ada@example.com');
      expect(await store.users.pendingTotpEnrolment(ada.id)).toBeUndefined();
      const first = Buffer.from('first-pending-seed-0');
      const second = Buffer.from('second-pending-seed-');
      expect(await store.users.beginTotpEnrolment(ada.id, first, kit.clock.now + MINUTE)).toBe(true);
      // A second enrolment replaces the first; another store on the database (another node) reads it.
      expect(await store.users.beginTotpEnrolment(ada.id, second, kit.clock.now + 2 * MINUTE)).toBe(true);
      const otherNode = await kit.open();
      expect(await otherNode.users.pendingTotpEnrolment(ada.id)).toEqual({
        seed: second,
        expiresAt: kit.clock.now + 2 * MINUTE,
      });
      expect((await store.users.byId(ada.id))?.totpEnabled).toBe(false);
      const raw = (await (
        await kit.sql()
      ).get<{ totp_pending_seed: string }>('SELECT totp_pending_seed FROM users WHERE id = ?', ada.id))!;
      expect(raw.totp_pending_seed.startsWith(`v1.${kit.keyA.id}.`)).toBe(true);
      expect(raw.totp_pending_seed).not.toContain(second.toString('base64'));

      expect(await otherNode.users.setTotpSeed(ada.id, second)).toBe(true);
      expect(await store.users.pendingTotpEnrolment(ada.id)).toBeUndefined();
      expect(await store.users.totpSeed(ada.id)).toEqual(second);
    });

    it('consumes each recovery code once, and replacing the codes voids the old ones', async () => {
      const ada = await createUser('ada@example.com');
      const bob = await createUser('bob@example.com');
      await store.users.replaceRecoveryCodes(ada.id, ['h1', 'h2', 'h3']);
      expect(await store.users.consumeRecoveryCode(bob.id, 'h1')).toBe(false);
      const racing = await Promise.all([1, 2, 3].map(() => store.users.consumeRecoveryCode(ada.id, 'h1')));
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await store.users.consumeRecoveryCode(ada.id, 'h1')).toBe(false);
      expect(await store.users.unusedRecoveryCodeHashes(ada.id)).toEqual(['h2', 'h3']);

      await store.users.replaceRecoveryCodes(ada.id, ['h4']);
      expect(await store.users.consumeRecoveryCode(ada.id, 'h2')).toBe(false);
      expect(await store.users.unusedRecoveryCodeHashes(ada.id)).toEqual(['h4']);
    });
  });

  describe('TOTP replay guard and request nonces', () => {
    it('advances the last TOTP step only forward, once per step, and keeps it across a reopen', async () => {
      const ada = await createUser('ada@example.com');
      expect(await store.users.lastTotpStep(ada.id)).toBeNull();
      expect(await store.users.advanceTotpStep(ada.id, 100)).toBe(true);
      expect(await store.users.advanceTotpStep(ada.id, 100)).toBe(false);
      expect(await store.users.advanceTotpStep(ada.id, 99)).toBe(false);
      expect(await store.users.advanceTotpStep(ada.id, 101)).toBe(true);
      await store.close();
      store = await kit.open();
      expect(await store.users.lastTotpStep(ada.id)).toBe(101);
      expect(await store.users.advanceTotpStep(ada.id, 101)).toBe(false);
    });

    it('remembers a nonce per session until it expires, across a reopen', async () => {
      expect(await store.nonces.remember('session-a', 'n1', 1060, 1000)).toBe(true);
      expect(await store.nonces.remember('session-a', 'n1', 1060, 1001)).toBe(false);
      expect(await store.nonces.remember('session-b', 'n1', 1060, 1001)).toBe(true);
      await store.close();
      store = await kit.open();
      expect(await store.nonces.remember('session-a', 'n1', 1060, 1030)).toBe(false);
      // Once the window has passed, the timestamp check refuses the old request; the row may be reused.
      expect(await store.nonces.remember('session-a', 'n1', 1200, 1100)).toBe(true);
    });
  });
});
