import type { NonceStore } from '../auth/nonceStore';
import { createMemorySharedState } from './memorySharedState';
import { connectRedisSharedState, type RedisSharedStateOptions } from './redis/redisSharedState';
import type { SharedState } from './sharedState';
import type { SharedStateConfig } from './sharedStateConfig';

export interface OpenSharedStateOptions {
  /** The store's nonce cache: what a single node uses, so a replay still fails after a restart. */
  readonly storeNonces: NonceStore;
  readonly now?: () => number;
  readonly report?: (message: string, error?: unknown) => void;
  /** Tests: how soon a node that stopped heartbeating counts as dead (Redis only). */
  readonly liveness?: RedisSharedStateOptions['liveness'];
}

/**
 * The one place that turns the `sharedState` configuration into implementations: memory for a single node,
 * Redis for several. Everything else receives the interfaces and never asks which it got.
 */
export function openSharedState(config: SharedStateConfig, options: OpenSharedStateOptions): Promise<SharedState> {
  const { now, report } = options;
  if (config.kind === 'memory') {
    return Promise.resolve(
      createMemorySharedState({
        nonces: options.storeNonces,
        ...(now ? { now } : {}),
        ...(report ? { report } : {}),
      }),
    );
  }
  return connectRedisSharedState({
    url: config.url,
    keyPrefix: config.keyPrefix,
    ...(now ? { now } : {}),
    ...(report ? { report } : {}),
    ...(options.liveness ? { liveness: options.liveness } : {}),
  });
}
