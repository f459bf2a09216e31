import { hash as argon2Hash, argon2i, argon2id } from 'argon2';
import { describe, expect, it } from 'vitest';
import { passwordSchema } from '../../../shared/session';
import {
  MAX_PASSWORD_LENGTH,
  PASSWORD_HASH_PARAMETERS,
  hashPassword,
  needsRehash,
  verifyAgainstDummy,
  verifyPassword,
} from './passwordHashing';

async function hashed(password: string): Promise<string> {
  const result = await hashPassword(password);
  if (!result.ok) throw new Error(result.error.code);
  return result.value;
}

async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

describe('hashPassword / verifyPassword', () => {
  it('produces argon2id with the chosen parameters and verifies only the right password', async () => {
    const stored = await hashed('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$/);
    const params = new Set(stored.split('$')[3]!.split(','));
    expect(params).toEqual(new Set(['m=65536', 't=3', 'p=1']));
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword(stored, 'Correct horse battery staple')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashed('same password')).not.toBe(await hashed('same password'));
  });

  it('meets the OWASP floor for argon2id', () => {
    expect(PASSWORD_HASH_PARAMETERS.memoryCost).toBeGreaterThanOrEqual(19 * 1024);
    expect(PASSWORD_HASH_PARAMETERS.timeCost).toBeGreaterThanOrEqual(2);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const stored = await hashed('caf\u00e9 au lait');
    expect(await verifyPassword(stored, 'cafe\u0301 au lait')).toBe(true);
  });

  it('caps the length at the same limit as the shared password schema', async () => {
    expect(passwordSchema.safeParse('a'.repeat(MAX_PASSWORD_LENGTH)).success).toBe(true);
    expect(passwordSchema.safeParse('a'.repeat(MAX_PASSWORD_LENGTH + 1)).success).toBe(false);
    expect((await hashPassword('a'.repeat(MAX_PASSWORD_LENGTH))).ok).toBe(true);
    const tooLong = await hashPassword('a'.repeat(MAX_PASSWORD_LENGTH + 1));
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'invalid_password' } });
  });

  it('refuses empty passwords and lone surrogates, without echoing them', async () => {
    for (const bad of ['', 'hunter2\ud800def', 'hunter2\udc00']) {
      const result = await hashPassword(bad);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).not.toContain('hunter2');
    }
  });

  it('rejects over-long input on verify without running argon2', async () => {
    const stored = await hashed('short');
    const elapsed = await median(3, () => verifyPassword(stored, 'a'.repeat(1_000_000)));
    expect(await verifyPassword(stored, 'a'.repeat(1_000_000))).toBe(false);
    expect(elapsed).toBeLessThan(20);
  });

  it('returns false, never throws, for malformed or hostile stored hashes', async () => {
    const good = await hashed('pw');
    const [, , v, params, salt, digest] = good.split('$');
    const hostile: unknown[] = [
      '',
      'not a hash',
      null,
      undefined,
      42,
      {},
      '$2b$10$abcdefghijklmnopqrstuuJ8pY7mX6k1QZ9yZ7mX6k1QZ9yZ7mX6k',
      good.slice(0, -5),
      `${good}$`,
      `$argon2id$${v}$${params}$${salt}`,
      `$argon2id$v=16$${params}$${salt}$${digest}`,
      `$argon2id$${v}$m=4194304,t=3,p=1$${salt}$${digest}`,
      `$argon2id$${v}$m=65536,t=100000,p=1$${salt}$${digest}`,
      `$argon2id$${v}$m=65536,t=3,p=1,p=1$${salt}$${digest}`,
      `$argon2id$${v}$m=65536,t=3$${salt}$${digest}`,
      `$argon2id$${v}$m=65536=1,t=3,p=1$${salt}$${digest}`,
      `$argon2id$${v}$m=65536,t=3,p=1,data=AAAA$${salt}$${digest}`,
      `$argon2id$${v}$${params}$${salt}$!!!${digest}`,
      good.replace('argon2id', 'argon2i'),
      'x'.repeat(100_000),
    ];
    for (const stored of hostile) {
      await expect(verifyPassword(stored as string, 'pw')).resolves.toBe(false);
      expect(needsRehash(stored as string)).toBe(true);
    }
  });

  it('refuses argon2i hashes even when the password is right (argon2id only)', async () => {
    const legacy = await argon2Hash('pw', { type: argon2i, memoryCost: 8192, timeCost: 2, parallelism: 1 });
    expect(await verifyPassword(legacy, 'pw')).toBe(false);
  });
});

describe('needsRehash', () => {
  it('is false for a hash made with today’s parameters', async () => {
    expect(needsRehash(await hashed('pw'))).toBe(false);
  });

  it('is true for older, weaker parameters that still verify, so sign-in can upgrade them', async () => {
    const older = await argon2Hash('pw', { type: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(await verifyPassword(older, 'pw')).toBe(true);
    expect(needsRehash(older)).toBe(true);
    const longer = await argon2Hash('pw', { type: argon2id, ...PASSWORD_HASH_PARAMETERS, hashLength: 64 });
    expect(await verifyPassword(longer, 'pw')).toBe(true);
    expect(needsRehash(longer)).toBe(true);
  });
});

describe('verifyAgainstDummy', () => {
  it('always answers false', async () => {
    expect(await verifyAgainstDummy('anything')).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
    expect(await verifyAgainstDummy('a'.repeat(5000))).toBe(false);
  });

  it('costs about as much as verifying a real hash, so unknown emails are not faster', async () => {
    const stored = await hashed('the real one');
    await verifyAgainstDummy('warm-up');
    const real = await median(5, () => verifyPassword(stored, 'a wrong guess'));
    const dummy = await median(5, () => verifyAgainstDummy('a wrong guess'));
    expect(dummy).toBeGreaterThan(real * 0.6);
    expect(dummy).toBeLessThan(real * 1.6);
  });
});
