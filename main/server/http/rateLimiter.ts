import { z } from 'zod';
import { parseInput } from '../../../shared/validation';

export interface RateDecision {
  readonly allowed: boolean;
  /** Bucket capacity: the X-RateLimit-Limit header. */
  readonly limit: number;
  /** Whole tokens left after this request: X-RateLimit-Remaining. */
  readonly remaining: number;
  /** Seconds until the bucket is full again: X-RateLimit-Reset (a delta, not a timestamp; see README.md). */
  readonly resetSeconds: number;
  /** Seconds until this request would be allowed, set only when it was refused: Retry-After. */
  readonly retryAfterSeconds?: number;
}

/**
 * One family of token buckets, keyed by client address or session id. An interface because several server nodes
 * must share the buckets (Redis later, ARCHITECTURE.md "Scale-out path"), which is also why a decision may be a
 * promise: the router awaits it, and the in-memory implementation simply answers at once.
 */
export interface RateLimiter {
  /** Takes `cost` tokens if the bucket holds them. `now` is Unix time in milliseconds (tests inject a clock). */
  take(key: string, cost?: number, now?: number): RateDecision | Promise<RateDecision>;
}

export const bucketConfigSchema = z.strictObject({
  capacity: z.int().min(1).max(1_000_000),
  refillPerSecond: z.number().positive().max(1_000_000),
});
export type BucketConfig = z.output<typeof bucketConfigSchema>;

const rateClassName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a short lowercase name');

/** Per limit class, one bucket per client address and one per authenticated session. */
export const rateLimitConfigSchema = z
  .record(rateClassName, z.strictObject({ ip: bucketConfigSchema, session: bucketConfigSchema }))
  .refine((config) => 'default' in config, 'must define the "default" class');
export type RateLimitConfig = z.output<typeof rateLimitConfigSchema>;

/**
 * 'default' allows a burst of 120 requests per address and 2 a second sustained; 'auth' guards the credential
 * guessing surfaces (sign-in, sign-up, refresh, TOTP) with a burst of 10 and one attempt every 6 seconds after.
 */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  default: { ip: { capacity: 120, refillPerSecond: 2 }, session: { capacity: 60, refillPerSecond: 1 } },
  auth: { ip: { capacity: 10, refillPerSecond: 1 / 6 }, session: { capacity: 5, refillPerSecond: 1 / 12 } },
};

export type RateLimiters = ReadonlyMap<string, { readonly ip: RateLimiter; readonly session: RateLimiter }>;

/** Builds the limiters for a configuration; `make` is where a shared (Redis) implementation plugs in. */
export function createRateLimiters(
  config: RateLimitConfig = DEFAULT_RATE_LIMITS,
  make: (bucket: BucketConfig, name: string) => RateLimiter = (bucket) => createMemoryRateLimiter(bucket),
): RateLimiters {
  const parsed = parseInput(rateLimitConfigSchema, config, 'rate limit configuration');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return new Map(
    Object.entries(parsed.value).map(([name, buckets]) => [
      name,
      { ip: make(buckets.ip, `${name}.ip`), session: make(buckets.session, `${name}.session`) },
    ]),
  );
}

/** The answer for a bucket left holding `tokens` after a take of `cost` (in memory or in Redis alike). */
export function rateDecision(
  { capacity, refillPerSecond }: BucketConfig,
  { allowed, tokens, cost }: { allowed: boolean; tokens: number; cost: number },
): RateDecision {
  return {
    allowed,
    limit: capacity,
    remaining: Math.floor(tokens),
    resetSeconds: Math.ceil((capacity - tokens) / refillPerSecond),
    ...(allowed ? {} : { retryAfterSeconds: Math.max(1, Math.ceil((cost - tokens) / refillPerSecond)) }),
  };
}

export interface MemoryRateLimiterOptions extends BucketConfig {
  /** Most buckets kept; past it, full buckets go first, then the least recently used. */
  readonly maxKeys?: number;
  readonly sweepIntervalMs?: number;
}

/** The in-process limiter answers at once, and says how many buckets it holds (for tests and metrics). */
export interface MemoryRateLimiter extends RateLimiter {
  take(key: string, cost?: number, now?: number): RateDecision;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * In-process token buckets. A bucket that has refilled to capacity is the same as no bucket, so idle clients cost
 * no memory once swept; the map is bounded so a flood of distinct addresses cannot grow it without limit (eviction
 * only ever forgets spent tokens, which errs towards letting a client through, never towards locking one out).
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): MemoryRateLimiter {
  const { capacity, refillPerSecond } = bucketConfigSchema.parse({
    capacity: options.capacity,
    refillPerSecond: options.refillPerSecond,
  });
  const maxKeys = options.maxKeys ?? 100_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const buckets = new Map<string, Bucket>();
  let nextSweep = 0;

  const level = (bucket: Bucket, now: number) =>
    Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * refillPerSecond);

  function sweep(now: number): void {
    for (const [key, bucket] of buckets) if (level(bucket, now) >= capacity) buckets.delete(key);
    // Map iteration follows insertion order and take() re-inserts, so the first keys are the least recently used.
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys) break;
      buckets.delete(key);
    }
    nextSweep = now + sweepIntervalMs;
  }

  return {
    get size() {
      return buckets.size;
    },
    take(key, cost = 1, now = Date.now()) {
      const existing = buckets.get(key);
      let tokens = existing === undefined ? capacity : level(existing, now);
      const allowed = tokens >= cost;
      if (allowed) tokens -= cost;
      buckets.delete(key);
      buckets.set(key, { tokens, updatedAt: now });
      if (buckets.size > maxKeys || now >= nextSweep) sweep(now);
      return rateDecision({ capacity, refillPerSecond }, { allowed, tokens, cost });
    },
  };
}
