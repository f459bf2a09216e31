import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAllocationQuota, createByteRateLimiter } from './rateLimits';

function manualClock(start = 1_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

describe('createByteRateLimiter', () => {
  it('starts full, passes a burst, then refuses until time refills it', () => {
    const clock = manualClock();
    const limiter = createByteRateLimiter({ bytesPerSecond: 1_000, burstBytes: 500, now: clock.now });
    expect(limiter.tryConsume(300)).toBe(true);
    expect(limiter.tryConsume(200)).toBe(true);
    expect(limiter.tryConsume(1)).toBe(false);
    clock.advance(100); // 100 ms at 1,000 B/s = 100 bytes
    expect(limiter.tryConsume(101)).toBe(false);
    expect(limiter.tryConsume(100)).toBe(true);
    expect(limiter.tryConsume(1)).toBe(false);
  });

  it('a refused packet takes nothing from the bucket', () => {
    const clock = manualClock();
    const limiter = createByteRateLimiter({ bytesPerSecond: 1_000, burstBytes: 200, now: clock.now });
    expect(limiter.tryConsume(201)).toBe(false);
    expect(limiter.available()).toBe(200);
    expect(limiter.tryConsume(200)).toBe(true);
  });

  it('never holds more than the burst however long it idles', () => {
    const clock = manualClock();
    const limiter = createByteRateLimiter({ bytesPerSecond: 10_000, burstBytes: 1_500, now: clock.now });
    clock.advance(3_600_000);
    expect(limiter.available()).toBe(1_500);
    expect(limiter.tryConsume(1_501)).toBe(false);
  });

  it('a clock stepping back credits nothing and does not stall the bucket afterwards', () => {
    const clock = manualClock(10_000);
    const limiter = createByteRateLimiter({ bytesPerSecond: 1_000, burstBytes: 1_000, now: clock.now });
    expect(limiter.tryConsume(1_000)).toBe(true);
    clock.set(0);
    expect(limiter.tryConsume(1)).toBe(false);
    clock.advance(500);
    expect(limiter.tryConsume(500)).toBe(true);
  });

  it('holds a steady sender to the configured rate', () => {
    const clock = manualClock();
    const limiter = createByteRateLimiter({ bytesPerSecond: 16_000, burstBytes: 2_000, now: clock.now });
    let passed = 0;
    // A sender trying 1,000 bytes every 10 ms (100 kB/s) for 10 s.
    for (let i = 0; i < 1_000; i++) {
      if (limiter.tryConsume(1_000)) passed += 1_000;
      clock.advance(10);
    }
    // At most burst + rate * time, and not far below it.
    expect(passed).toBeLessThanOrEqual(2_000 + 16_000 * 10);
    expect(passed).toBeGreaterThanOrEqual(16_000 * 10 - 1_000);
  });

  it('property: bytes passed in any schedule never exceed burst + rate × elapsed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 5_000 })), { maxLength: 200 }),
        (rate, burst, steps) => {
          const clock = manualClock(0);
          const limiter = createByteRateLimiter({ bytesPerSecond: rate, burstBytes: burst, now: clock.now });
          let passed = 0;
          for (const [wait, bytes] of steps) {
            clock.advance(wait);
            if (limiter.tryConsume(bytes)) passed += bytes;
          }
          expect(passed).toBeLessThanOrEqual(burst + (rate * clock.now()) / 1000 + 1e-6);
        },
      ),
    );
  });

  it('rejects nonsense configuration and sizes', () => {
    const now = (): number => 0;
    expect(() => createByteRateLimiter({ bytesPerSecond: 0, burstBytes: 1, now })).toThrow(RangeError);
    expect(() => createByteRateLimiter({ bytesPerSecond: 1, burstBytes: Number.NaN, now })).toThrow(RangeError);
    expect(() => createByteRateLimiter({ bytesPerSecond: Infinity, burstBytes: 1, now })).toThrow(RangeError);
    const limiter = createByteRateLimiter({ bytesPerSecond: 1, burstBytes: 1, now });
    expect(() => limiter.tryConsume(-1)).toThrow(RangeError);
    expect(() => limiter.tryConsume(Number.NaN)).toThrow(RangeError);
    expect(limiter.tryConsume(0)).toBe(true);
  });
});

describe('createAllocationQuota', () => {
  it('refuses a user beyond the per-user quota with user_quota, others unaffected', () => {
    const quota = createAllocationQuota({ perUser: 2, total: 10 });
    expect(quota.tryAcquire('alice')).toEqual({ ok: true });
    expect(quota.tryAcquire('alice')).toEqual({ ok: true });
    expect(quota.tryAcquire('alice')).toEqual({ ok: false, reason: 'user_quota' });
    expect(quota.tryAcquire('bob')).toEqual({ ok: true });
    expect(quota.heldBy('alice')).toBe(2);
    expect(quota.active()).toBe(3);
  });

  it('refuses anyone beyond the total with total_limit', () => {
    const quota = createAllocationQuota({ perUser: 5, total: 3 });
    expect(quota.tryAcquire('a').ok).toBe(true);
    expect(quota.tryAcquire('b').ok).toBe(true);
    expect(quota.tryAcquire('c').ok).toBe(true);
    expect(quota.tryAcquire('d')).toEqual({ ok: false, reason: 'total_limit' });
    expect(quota.heldBy('d')).toBe(0);
  });

  it('names the user quota when both limits are hit', () => {
    const quota = createAllocationQuota({ perUser: 1, total: 1 });
    expect(quota.tryAcquire('a').ok).toBe(true);
    expect(quota.tryAcquire('a')).toEqual({ ok: false, reason: 'user_quota' });
    expect(quota.tryAcquire('b')).toEqual({ ok: false, reason: 'total_limit' });
  });

  it('release frees a slot; releasing what was never held changes nothing', () => {
    const quota = createAllocationQuota({ perUser: 1, total: 1 });
    expect(quota.release('ghost')).toBe(false);
    expect(quota.active()).toBe(0);
    expect(quota.tryAcquire('a').ok).toBe(true);
    expect(quota.tryAcquire('b').ok).toBe(false);
    expect(quota.release('a')).toBe(true);
    expect(quota.release('a')).toBe(false);
    expect(quota.active()).toBe(0);
    expect(quota.tryAcquire('b').ok).toBe(true);
  });

  it('a zero quota refuses everything', () => {
    expect(createAllocationQuota({ perUser: 0, total: 5 }).tryAcquire('a')).toEqual({
      ok: false,
      reason: 'user_quota',
    });
    expect(createAllocationQuota({ perUser: 5, total: 0 }).tryAcquire('a')).toEqual({
      ok: false,
      reason: 'total_limit',
    });
  });

  it('user ids are opaque keys (no prototype surprises)', () => {
    const quota = createAllocationQuota({ perUser: 1, total: 10 });
    expect(quota.tryAcquire('__proto__').ok).toBe(true);
    expect(quota.tryAcquire('constructor').ok).toBe(true);
    expect(quota.heldBy('toString')).toBe(0);
  });

  it('property: counts match a model under any sequence of acquire/release', () => {
    const user = fc.constantFrom('a', 'b', 'c', 'd');
    const op = fc.tuple(fc.boolean(), user);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(op),
        (perUser, total, ops) => {
          const quota = createAllocationQuota({ perUser, total });
          const model = new Map<string, number>();
          const sum = (): number => [...model.values()].reduce((x, y) => x + y, 0);
          for (const [acquire, u] of ops) {
            const mine = model.get(u) ?? 0;
            if (acquire) {
              const ok = mine < perUser && sum() < total;
              expect(quota.tryAcquire(u).ok).toBe(ok);
              if (ok) model.set(u, mine + 1);
            } else {
              expect(quota.release(u)).toBe(mine > 0);
              if (mine > 0) model.set(u, mine - 1);
            }
            expect(quota.active()).toBe(sum());
            expect(quota.active()).toBeLessThanOrEqual(total);
            expect(quota.heldBy(u)).toBe(model.get(u) ?? 0);
          }
        },
      ),
    );
  });

  it('rejects nonsense limits', () => {
    expect(() => createAllocationQuota({ perUser: -1, total: 1 })).toThrow(RangeError);
    expect(() => createAllocationQuota({ perUser: 1, total: 1.5 })).toThrow(RangeError);
  });
});
