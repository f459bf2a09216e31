import { randomUUID } from 'node:crypto';
import { workspaceEventSchema, type WorkspaceEvent } from '../../../../shared/ws';
import { clusterMessageSchema, type ClusterMessage } from '../../signalling/clusterMessages';
import { roomBusMessageSchema, type RoomBusMessage } from '../../signalling/rooms';
import type { SharedState } from '../sharedState';
import { connectRedis } from './redisConnection';
import { createRedisLoginThrottleStore } from './redisLoginThrottleStore';
import { startRedisMembership, type Liveness } from './redisMembership';
import { createRedisNonceStore } from './redisNonceStore';
import { createRedisPubSub } from './redisPubSub';
import { createRedisRateLimiter } from './redisRateLimiter';
import { createRedisTicketStore } from './redisTicketStore';

export interface RedisSharedStateOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly now?: () => number;
  readonly report?: (message: string, error?: unknown) => void;
  readonly liveness?: Liveness;
}

/**
 * Live signals are worth little after a few seconds (the peers will have restarted ICE or left); the cluster's
 * messages (a sign-out, a removal) matter for as long as a socket they close could still be open.
 */
const SIGNAL_RETRY_MS = 10_000;
const CLUSTER_RETRY_MS = 5 * 60_000;

/** Every seam of SharedState over one Redis; this node gets a random id for its entries and messages. */
export async function connectRedisSharedState(options: RedisSharedStateOptions): Promise<
  SharedState & {
    /** Heartbeat and dead-node sweep now (tests). */
    beat(): Promise<void>;
    /** Drops the connections without removing this node's entries, as a crash would (tests). */
    crash(): void;
  }
> {
  const report = options.report ?? ((message: string, error?: unknown) => console.error(message, error));
  const now = options.now ?? Date.now;
  const redis = await connectRedis(options.url, options.keyPrefix);
  const nodeId = randomUUID();
  try {
    const membership = await startRedisMembership(redis, {
      nodeId,
      report,
      ...(options.liveness ? { liveness: options.liveness } : {}),
    });
    const eventBus = createRedisPubSub<WorkspaceEvent>(redis, {
      namespace: 'events',
      schema: workspaceEventSchema,
      // An event lost here is in the log: receivers catch up at the next event or after the gap.
      retryForMs: SIGNAL_RETRY_MS,
      report,
    });
    const clusterBus = createRedisPubSub<ClusterMessage>(redis, {
      namespace: 'cluster',
      schema: clusterMessageSchema,
      retryForMs: CLUSTER_RETRY_MS,
      report,
    });
    return {
      kind: 'redis',
      nonces: createRedisNonceStore(redis),
      rateLimiter: (bucket, name) => createRedisRateLimiter(redis, bucket, name),
      loginThrottle: createRedisLoginThrottleStore(redis),
      tickets: createRedisTicketStore(redis, { now }),
      eventBus,
      roomBus: createRedisPubSub<RoomBusMessage>(redis, {
        namespace: 'rooms',
        schema: roomBusMessageSchema,
        retryForMs: SIGNAL_RETRY_MS,
        report,
      }),
      rooms: membership.rooms,
      presence: membership.presence,
      cluster: { nodeId, bus: clusterBus },
      membershipChanges: (listener) => membership.membershipChanges(listener),
      beat: () => membership.beat(),
      crash() {
        membership.abandon();
        redis.command.disconnect();
        redis.subscriber.disconnect();
      },
      async ping() {
        try {
          return (await redis.run((command) => command.ping())) === 'PONG';
        } catch {
          return false;
        }
      },
      async close() {
        await membership.close();
        await redis.close();
      },
    };
  } catch (error) {
    await redis.close();
    throw error;
  }
}
