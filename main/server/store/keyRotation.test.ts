import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { environmentKeySource, keyFileSource, type DataKeySource } from './dataKeys';
import { newId } from './ids';
import { dataKeySet, formatDataKeys, type DataKeySet } from './keyMaterial';
import { rotateDataKey } from './rotateDataKey';
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

  interface Written {
    userIds: string[];
    sessions: { id: string; secret: Buffer }[];
    seeds: Map<string, Buffer>;
    relay: Buffer;
  }

  async function writeSealedValues(store: Store, users = 3): Promise<Written> {
    const written: Written = { userIds: [], sessions: [], seeds: new Map(), relay: Buffer.alloc(0) };
    for (let i = 0; i < users; i += 1) {
      const user = await store.users.create({ email: `u${i}@example.com`, displayName: `U${i}`, passwordHash: 'h' });
      if (!user.ok) throw new Error('no user');
      written.userIds.push(user.value.id);
      const seed = randomBytes(20);
      await store.users.setTotpSeed(user.value.id, seed);
      written.seeds.set(user.value.id, seed);
      for (let s = 0; s < 2; s += 1) {
        const session = { id: newId(), secret: randomBytes(32) };
        await store.sessions.create({
          ...session,
          userId: user.value.id,
          refreshTokenHash: randomBytes(16).toString('hex'),
          idleExpiresAt: kit.clock.now + 60 * MINUTE,
          absoluteExpiresAt: kit.clock.now + 600 * MINUTE,
        });
        written.sessions.push(session);
      }
    }
    written.relay = Buffer.from(await store.secrets.relaySecret());
    return written;
  }

  async function expectReadable(store: Store, written: Written) {
    for (const [userId, seed] of written.seeds)
      expect(Buffer.from((await store.users.totpSeed(userId))!)).toEqual(seed);
    for (const { id, secret } of written.sessions) {
      expect(Buffer.from((await store.sessions.getLive(id))!.secret)).toEqual(secret);
    }
    expect(Buffer.from(await store.secrets.relaySecret())).toEqual(written.relay);
  }

  async function rawKeyIds(kit: StoreTestKit): Promise<string[]> {
    const raw = await kit.sql();
    const values = [
      ...(await raw.all<{ v: string }>('SELECT totp_seed AS v FROM users WHERE totp_seed IS NOT NULL')),
      ...(await raw.all<{ v: string }>('SELECT secret AS v FROM sessions')),
      ...(await raw.all<{ v: string }>('SELECT value AS v FROM server_secrets')),
    ];
    return [...new Set(values.map((row) => row.v.split('.')[1]!))];
  }

  async function lockOneSession(sessionId: string): Promise<() => Promise<void>> {
    const locker = await kit.pgClient('superuser');
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', [sessionId]);
    return async () => {
      await locker.query('COMMIT');
    };
  }

  /** Resolves once a connection to the kit's database waits on a lock (the rotation reached the locked row). */
  async function untilSomeoneWaitsOnALock(): Promise<void> {
    const watcher = await kit.sql();
    for (;;) {
      const row = await watcher.get<{ n: number }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if ((row?.n ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  describe('data key rotation', () => {
    it('reads values sealed with key A once B is current, and seals new values with B', async () => {
      const written = await writeSealedValues(await kit.open(dataKeySet(kit.keyA)));
      const store = await kit.open(dataKeySet(kit.keyB, [kit.keyA]));
      await expectReadable(store, written);
      await store.users.setTotpSeed(written.userIds[0]!, randomBytes(20));
      expect((await rawKeyIds(kit)).sort()).toEqual([kit.keyA.id, kit.keyB.id].sort());
    });

    it('re-seals every value under the new key in batches, after which the old key can go', async () => {
      const store = await kit.open(dataKeySet(kit.keyA));
      const written = await writeSealedValues(store);
      expect(await store.dataKeys.usage()).toEqual([
        { table: 'users', column: 'totp_seed', keyId: kit.keyA.id, values: 3 },
        { table: 'sessions', column: 'secret', keyId: kit.keyA.id, values: 6 },
        { table: 'server_secrets', column: 'value', keyId: kit.keyA.id, values: 1 },
      ]);

      const report = await store.dataKeys.rotate(kit.keyB, { batchSize: 2 });
      expect(report).toEqual({
        keyId: kit.keyB.id,
        // Every sealed column is reported (the others of this store hold nothing here).
        columns: expect.arrayContaining([
          { table: 'users', column: 'totp_seed', reencrypted: 3 },
          { table: 'sessions', column: 'secret', reencrypted: 6 },
          { table: 'server_secrets', column: 'value', reencrypted: 1 },
        ]) as unknown,
        reencrypted: 10,
        batches: 2 + 3 + 1,
      });
      expect(store.dataKeys.currentKeyId()).toBe(kit.keyB.id);
      expect(await rawKeyIds(kit)).toEqual([kit.keyB.id]);
      await expectReadable(store, written);
      expect((await store.dataKeys.rotate()).reencrypted).toBe(0);
      await store.close();

      await expectReadable(await kit.open(dataKeySet(kit.keyB)), written);
    });

    it('refuses to open when a key that stored values need is missing, naming it', async () => {
      await writeSealedValues(await kit.open(dataKeySet(kit.keyA)), 1);
      await expect(kit.open(dataKeySet(kit.keyB))).rejects.toMatchObject({
        code: 'missing_data_key',
        message: expect.stringContaining(kit.keyA.id) as string,
      });
    });

    it('keeps serving reads and writes between batches while a rotation runs', async () => {
      const store = await kit.open(dataKeySet(kit.keyA));
      const written = await writeSealedValues(store);
      // SQLite runs a batch synchronously and yields after it; PostgreSQL's batches run beside the test's own
      // queries, so there one session row is held locked until the rotation is seen waiting for it.
      const release = backend === 'postgres' ? await lockOneSession(written.sessions[0]!.id) : async () => {};
      const rotation = store.dataKeys.rotate(kit.keyB, { batchSize: 1 });
      if (backend === 'postgres') await untilSomeoneWaitsOnALock();
      else await new Promise((resolve) => setImmediate(resolve));
      // Mid-rotation: some values under A, some under B, all readable, and new writes go under B.
      expect((await rawKeyIds(kit)).sort()).toEqual([kit.keyA.id, kit.keyB.id].sort());
      await expectReadable(store, written);
      const seed = randomBytes(20);
      await store.users.setTotpSeed(written.userIds[2]!, seed);
      written.seeds.set(written.userIds[2]!, seed);
      await release();
      await rotation;
      expect(await rawKeyIds(kit)).toEqual([kit.keyB.id]);
      await expectReadable(store, written);
    });

    it('rotate-key with a key file: the new key is saved before use, old keys retired after', async () => {
      const file = join(kit.dir, 'data-keys');
      const fileSource = keyFileSource(file);
      await fileSource.save!(dataKeySet(kit.keyA));
      const saves: string[][] = [];
      const source: DataKeySource = {
        description: fileSource.description,
        load: () => fileSource.load(),
        async save(keys: DataKeySet) {
          // At every save, every value in the database must already be readable with the keys being saved.
          const ids = [keys.current, ...keys.previous].map((key) => key.id);
          expect((await rawKeyIds(kit)).every((id) => ids.includes(id))).toBe(true);
          saves.push(ids);
          await fileSource.save!(keys);
        },
      };
      const store = await kit.open(dataKeySet(kit.keyA));
      const written = await writeSealedValues(store);

      const result = await rotateDataKey(store, source, { newKey: kit.keyB });
      expect(saves).toEqual([[kit.keyB.id, kit.keyA.id], [kit.keyB.id]]);
      expect(result).toMatchObject({
        retiredKeyIds: [kit.keyA.id],
        keyIds: [kit.keyB.id],
        report: { reencrypted: 10 },
      });
      await store.close();
      const keys = await fileSource.load();
      await expectReadable(await kit.open(keys!), written);
    });

    it('rotate-key with the environment variable re-seals under the key already made current there', async () => {
      const store = await kit.open(dataKeySet(kit.keyA));
      const written = await writeSealedValues(store, 1);
      await store.close();

      const env = { WHOOT_DATA_KEYS: formatDataKeys(dataKeySet(kit.keyB, [kit.keyA])) };
      const source = environmentKeySource(env);
      const restarted = await kit.open((await source.load())!);
      const result = await rotateDataKey(restarted, source);
      expect(result).toMatchObject({ retiredKeyIds: [kit.keyA.id], keyIds: [kit.keyB.id, kit.keyA.id] });
      expect(await rawKeyIds(kit)).toEqual([kit.keyB.id]);
      await expectReadable(restarted, written);
    });
  });
});
