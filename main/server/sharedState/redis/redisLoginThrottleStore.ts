import type { LoginThrottleStore } from '../../auth/loginThrottleStore';
import type { RedisConnections } from './redisConnection';

/**
 * A failure is counted in one script (read, forget if expired, increment, stamp, set the expiry), so parallel guesses
 * through several nodes are all counted. The entry keeps its own expiry in the caller's clock, as in memory; Redis
 * drops it a little after that in real time.
 */
const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local expires = tonumber(redis.call('HGET', KEYS[1], 'e'))
if expires ~= nil and expires <= now then redis.call('DEL', KEYS[1]) end
local failures = redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('HSET', KEYS[1], 'l', ARGV[1], 'e', tostring(now + ttl))
redis.call('EXPIRE', KEYS[1], ttl + 1)
return failures`;

export function createRedisLoginThrottleStore(redis: RedisConnections): LoginThrottleStore {
  const keyOf = (key: string) => `${redis.prefix}throttle:${key}`;
  return {
    get(key, nowSeconds) {
      return redis.run(async (command) => {
        const [failures, last, expires] = await command.hmget(keyOf(key), 'f', 'l', 'e');
        if (failures === null || last === null || expires === null || Number(expires) <= nowSeconds) return null;
        return { failures: Number(failures), lastFailureAt: Number(last) };
      });
    },
    recordFailure(key, nowSeconds, ttlSeconds) {
      return redis.run(async (command) => {
        const failures = await command.eval(RECORD_FAILURE, 1, keyOf(key), String(nowSeconds), String(ttlSeconds));
        return { failures: Number(failures), lastFailureAt: nowSeconds };
      });
    },
    clear(key) {
      return redis.run(async (command) => {
        await command.del(keyOf(key));
      });
    },
  };
}
