import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from '../sharedState/redis/redisRateLimiter';
import { createSharedStateTestKit, SHARED_STATE_BACKENDS } from '../sharedState/sharedStateTestKit';
import { createMemoryRateLimiter, createRateLimiters, DEFAULT_RATE_LIMITS, type BucketConfig } from './rateLimiter';

const T0 = 1_800_000_000_000;

describe.each(SHARED_STATE_BACKENDS)('token buckets (%s)', (backend) => {
  const kit = createSharedStateTestKit(backend);
  afterEach(() => kit.cleanup());
  const createLimiter = (bucket: BucketConfig) =>
    kit.pick({
      memory: () => createMemoryRateLimiter(bucket),
      redis: (redis) => createRedisRateLimiter(redis, bucket, 'test'),
    });

  it('allows a burst up to capacity, then refuses with Retry-After until a token refills', async () => {
    const limiter = await createLimiter({ capacity: 3, refillPerSecond: 0.5 });
    const burst = [];
    for (let i = 0; i < 3; i += 1) burst.push(await limiter.take('a', 1, T0));
    expect(burst).toEqual([
      { allowed: true, limit: 3, remaining: 2, resetSeconds: 2 },
      { allowed: true, limit: 3, remaining: 1, resetSeconds: 4 },
      { allowed: true, limit: 3, remaining: 0, resetSeconds: 6 },
    ]);
    expect(await limiter.take('a', 1, T0)).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 6,
      retryAfterSeconds: 2,
    });
    expect((await limiter.take('a', 1, T0 + 1_999)).allowed).toBe(false);
    expect(await limiter.take('a', 1, T0 + 2_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.take('a', 1, T0 + 60_000)).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 2 });
  });

  it('keeps keys apart', async () => {
    const limiter = await createLimiter({ capacity: 1, refillPerSecond: 1 });
    expect((await limiter.take('a', 1, T0)).allowed).toBe(true);
    expect((await limiter.take('a', 1, T0)).allowed).toBe(false);
    expect((await limiter.take('b', 1, T0)).allowed).toBe(true);
  });

  it('never gains tokens from a clock that goes backwards', async () => {
    const limiter = await createLimiter({ capacity: 1, refillPerSecond: 1 });
    await limiter.take('a', 1, T0);
    expect((await limiter.take('a', 1, T0 - 3_600_000)).allowed).toBe(false);
  });

  it('lets exactly the capacity through when many takes race for one bucket', async () => {
    const limiter = await createLimiter({ capacity: 20, refillPerSecond: 0.001 });
    const decisions = await Promise.all(Array.from({ length: 100 }, async () => limiter.take('race', 1, T0)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(20);
  });
});

describe('createMemoryRateLimiter', () => {
  it('forgets idle buckets once they are full again', () => {
    const limiter = createMemoryRateLimiter({ capacity: 2, refillPerSecond: 1, sweepIntervalMs: 1_000 });
    for (let i = 0; i < 100; i += 1) limiter.take(`client-${i}`, 1, T0);
    expect(limiter.size).toBe(100);
    limiter.take('late', 1, T0 + 1_500);
    expect(limiter.size).toBe(1);
  });

  it('stays bounded under a flood of distinct keys, evicting the least recently used', () => {
    const limiter = createMemoryRateLimiter({ capacity: 5, refillPerSecond: 0.001, maxKeys: 50 });
    limiter.take('regular', 1, T0);
    for (let i = 0; i < 1_000; i += 1) {
      limiter.take(`flood-${i}`, 1, T0 + i);
      if (i % 10 === 0) limiter.take('regular', 1, T0 + i);
      expect(limiter.size).toBeLessThanOrEqual(50);
    }
    // The regular client was touched recently, so it kept its (spent) bucket.
    expect(limiter.take('regular', 1, T0 + 1_000).remaining).toBeLessThan(4);
  });

  it('refuses impossible bucket settings', () => {
    expect(() => createMemoryRateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow();
    expect(() => createMemoryRateLimiter({ capacity: 1, refillPerSecond: 0 })).toThrow();
  });

  it('never reports more remaining than the limit, or a refusal without Retry-After (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 5_000 })), { maxLength: 60 }),
        (capacity, refillPerSecond, steps) => {
          const limiter = createMemoryRateLimiter({ capacity, refillPerSecond });
          let now = T0;
          for (const [key, wait] of steps) {
            now += wait;
            const decision = limiter.take(key, 1, now);
            expect(decision.remaining).toBeGreaterThanOrEqual(0);
            expect(decision.remaining).toBeLessThan(capacity);
            expect(decision.resetSeconds).toBeGreaterThanOrEqual(0);
            if (!decision.allowed) expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
          }
        },
      ),
    );
  });
});

describe('createRateLimiters', () => {
  it('builds an address and a session limiter per class through the given factory', () => {
    const names: string[] = [];
    const limiters = createRateLimiters(DEFAULT_RATE_LIMITS, (bucket, name) => {
      names.push(`${name}:${bucket.capacity}`);
      return createMemoryRateLimiter(bucket);
    });
    expect([...limiters.keys()].sort()).toEqual(['auth', 'default']);
    expect(names.sort()).toEqual(['auth.ip:10', 'auth.session:5', 'default.ip:120', 'default.session:60']);
  });

  it('refuses a configuration without a default class or with unknown fields', () => {
    const bucket = { capacity: 1, refillPerSecond: 1 };
    expect(() => createRateLimiters({ auth: { ip: bucket, session: bucket } })).toThrow(/default/);
    expect(() =>
      createRateLimiters({ default: { ip: { ...bucket, burst: 3 } as typeof bucket, session: bucket } }),
    ).toThrow(/Invalid rate limit configuration/);
  });
});
