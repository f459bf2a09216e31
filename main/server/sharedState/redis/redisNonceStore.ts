import type { NonceStore } from '../../auth/nonceStore';
import type { RedisConnections } from './redisConnection';

/**
 * Remembers a nonce unless a live entry has it, in one script: the check and the write cannot be split by another
 * node's request with the same nonce. The entry holds its expiry (the caller's clock, like the memory store); Redis
 * drops it a little after that in real time.
 */
const REMEMBER = `
local known = redis.call('GET', KEYS[1])
if known and tonumber(known) >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

/** The signed-request replay cache shared by every node: a request replayed to another node fails as on the first. */
export function createRedisNonceStore(redis: RedisConnections): NonceStore {
  return {
    remember(sessionId, nonce, expiresAtSeconds, nowSeconds) {
      const key = `${redis.prefix}nonce:${sessionId}:${nonce}`;
      const keepMs = Math.max(1, expiresAtSeconds - nowSeconds + 1) * 1000;
      return redis.run(
        async (command) =>
          (await command.eval(REMEMBER, 1, key, String(expiresAtSeconds), String(nowSeconds), String(keepMs))) === 1,
      );
    },
  };
}
