import { bucketConfigSchema, rateDecision, type BucketConfig, type RateLimiter } from '../../http/rateLimiter';
import type { RedisConnections } from './redisConnection';

/**
 * One token bucket, refilled and taken from in one script, so two nodes taking from the same bucket at the same
 * moment cannot both read "one left" (no read-modify-write race): a limit split across nodes holds on the sum.
 * Tokens are kept as text (Lua numbers would be cut to integers in a reply). Time is the caller's (milliseconds),
 * as in memory; a node whose clock is behind cannot refill a bucket twice, because the stored time never moves back.
 * The key expires once the bucket would be full again: a full bucket is the same as none.
 */
const TAKE = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local stored = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(stored[1])
local updated = tonumber(stored[2])
if tokens == nil or updated == nil then tokens = capacity; updated = now end
if now > updated then
  tokens = math.min(capacity, tokens + (now - updated) * perMs)
  updated = now
end
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%.17g', updated))
redis.call('PEXPIRE', KEYS[1], math.max(1000, math.ceil((capacity - tokens) / perMs) + 1000))
return {allowed, string.format('%.17g', tokens)}`;

export function createRedisRateLimiter(redis: RedisConnections, bucket: BucketConfig, name: string): RateLimiter {
  const config = bucketConfigSchema.parse(bucket);
  const perMs = String(config.refillPerSecond / 1000);
  const keyPrefix = `${redis.prefix}rate:${name}:`;
  return {
    take(key, cost = 1, now = Date.now()) {
      return redis.run(async (command) => {
        const [allowed, tokens] = (await command.eval(
          TAKE,
          1,
          keyPrefix + key,
          String(config.capacity),
          perMs,
          String(cost),
          String(now),
        )) as [number, string];
        return rateDecision(config, { allowed: allowed === 1, tokens: Number(tokens), cost });
      });
    },
  };
}
