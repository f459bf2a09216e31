/**
 * Abuse limits of the relay (issue 4, RFC 8656 §7.2 and §21): a byte-rate cap per allocation and allocation quotas
 * per user and in total. Both are synchronous, allocation-free on the hot path and keep no timers, so the relay can
 * call them per packet; time comes from an injected clock so tests never sleep.
 */

export interface ByteRateLimiterOptions {
  /** Sustained rate. A 64 kbit/s Opus stream with headers is about 10 kB/s. */
  bytesPerSecond: number;
  /** Bucket size: how far a sender may run ahead of the rate (and the largest packet that can ever pass). */
  burstBytes: number;
  /** Milliseconds on a monotonic clock (e.g. `performance.now`). */
  now: () => number;
}

export interface ByteRateLimiter {
  /** Takes `bytes` from the bucket if it holds that many; otherwise takes nothing and returns false. */
  tryConsume(bytes: number): boolean;
  /** Bytes that could pass right now. */
  available(): number;
}

export function createByteRateLimiter(options: ByteRateLimiterOptions): ByteRateLimiter {
  const { bytesPerSecond, burstBytes, now } = options;
  requirePositive('bytesPerSecond', bytesPerSecond);
  requirePositive('burstBytes', burstBytes);
  // Starts full: a new allocation may send its first burst at once (ICE checks, the first audio frames).
  let tokens = burstBytes;
  let last = now();

  const refill = (): void => {
    const t = now();
    const elapsed = t - last;
    if (elapsed > 0) {
      tokens = Math.min(burstBytes, tokens + (elapsed * bytesPerSecond) / 1000);
      last = t;
    } else if (elapsed < 0) {
      // A clock that steps back credits nothing, and counting restarts from the new reading instead of stalling
      // until the clock catches up. A NaN reading changes nothing.
      last = t;
    }
  };

  return {
    tryConsume(bytes) {
      if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError('bytes must be a finite number ≥ 0');
      refill();
      if (tokens < bytes) return false;
      tokens -= bytes;
      return true;
    },
    available() {
      refill();
      return Math.floor(tokens);
    },
  };
}

export interface AllocationQuotaOptions {
  /** Most allocations one user may hold at once (RFC 8656 486 Allocation Quota Reached beyond it). */
  perUser: number;
  /** Most allocations the relay holds at once (508 Insufficient Capacity beyond it). */
  total: number;
}

export type QuotaDecision = { ok: true } | { ok: false; reason: 'user_quota' | 'total_limit' };

export interface AllocationQuota {
  /** Counts one allocation for `userId` if both limits allow it; otherwise counts nothing. */
  tryAcquire(userId: string): QuotaDecision;
  /** Gives back one allocation of `userId`; false (and no change) if the user held none. */
  release(userId: string): boolean;
  /** Allocations `userId` holds now. */
  heldBy(userId: string): number;
  /** Allocations held in total. */
  active(): number;
}

export function createAllocationQuota(options: AllocationQuotaOptions): AllocationQuota {
  const { perUser, total } = options;
  requireCount('perUser', perUser);
  requireCount('total', total);
  // Only users holding something have an entry, so the map is bounded by `total`, not by who ever connected.
  const held = new Map<string, number>();
  let active = 0;

  return {
    tryAcquire(userId) {
      const mine = held.get(userId) ?? 0;
      // The user's own limit first: it is the answer the user can act on (close another call), 486 not 508.
      if (mine >= perUser) return { ok: false, reason: 'user_quota' };
      if (active >= total) return { ok: false, reason: 'total_limit' };
      held.set(userId, mine + 1);
      active++;
      return { ok: true };
    },
    release(userId) {
      const mine = held.get(userId);
      if (mine === undefined) return false;
      if (mine <= 1) held.delete(userId);
      else held.set(userId, mine - 1);
      active--;
      return true;
    },
    heldBy(userId) {
      return held.get(userId) ?? 0;
    },
    active() {
      return active;
    },
  };
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0`);
}

function requireCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0`);
}
