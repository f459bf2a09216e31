import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createMemoryNonceStore } from '../auth/nonceStore';
import { createMemorySharedState } from './memorySharedState';
import { connectRedis, type RedisConnections } from './redis/redisConnection';
import { connectRedisSharedState } from './redis/redisSharedState';
import type { Liveness } from './redis/redisMembership';
import type { SharedState } from './sharedState';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the unit project's global setup started (test/support/redisGlobalSetup.ts); tests use own prefixes. */
    whootRedis: { readonly url: string };
  }
}

/** Every shared-state contract test runs once per backend (describe.each over this list). */
export const SHARED_STATE_BACKENDS = ['memory', 'redis'] as const;
export type SharedStateBackend = (typeof SHARED_STATE_BACKENDS)[number];

/** The test Redis's URL (test/support/redisGlobalSetup.ts). */
export const testRedisUrl = (): string => inject('whootRedis').url;

/** A key prefix no other test uses, so tests share the run's Redis without seeing each other. */
export const testKeyPrefix = (): string => `t${randomBytes(6).toString('hex')}:`;

/**
 * For the shared state's own tests: `node()` opens one node's shared state. On Redis every node of one kit shares
 * a fresh key prefix (several nodes of one cluster); in memory each call is one more process of its own, so
 * cross-node tests are Redis-only. `cleanup()` closes them all.
 */
export function createSharedStateTestKit(backend: SharedStateBackend, options: { liveness?: Liveness } = {}) {
  // A fresh prefix after each cleanup, so the tests of one describe block never see each other's keys.
  let prefix = testKeyPrefix();
  const opened: SharedState[] = [];
  const connections: RedisConnections[] = [];
  const reports: string[] = [];
  return {
    backend,
    get prefix() {
      return prefix;
    },
    reports,
    /** Raw connections under the kit's prefix, to build one Redis implementation with its own options. */
    async redis(): Promise<RedisConnections> {
      const redis = await connectRedis(testRedisUrl(), prefix);
      connections.push(redis);
      return redis;
    },
    /** The memory implementation, or the Redis one over a connection under the kit's prefix. */
    async pick<T>(implementations: { memory: () => T; redis: (redis: RedisConnections) => T }): Promise<T> {
      return backend === 'memory' ? implementations.memory() : implementations.redis(await this.redis());
    },
    async node(now?: () => number): Promise<SharedState & { beat?: () => Promise<void> }> {
      const report = (message: string) => reports.push(message);
      const state =
        backend === 'memory'
          ? createMemorySharedState({ nonces: createMemoryNonceStore(), report, ...(now ? { now } : {}) })
          : await connectRedisSharedState({
              url: testRedisUrl(),
              keyPrefix: prefix,
              report,
              ...(now ? { now } : {}),
              ...(options.liveness ? { liveness: options.liveness } : {}),
            });
      opened.push(state);
      return state;
    },
    async cleanup(): Promise<void> {
      await Promise.allSettled(opened.splice(0).map((state) => state.close()));
      await Promise.allSettled(connections.splice(0).map((redis) => redis.close()));
      prefix = testKeyPrefix();
      reports.length = 0;
    },
  };
}
