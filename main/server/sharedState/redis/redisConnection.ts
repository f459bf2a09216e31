import { Redis } from 'ioredis';
import { SharedStateUnavailable } from '../sharedState';

/**
 * The two connections a node holds to Redis: one for commands (and publishes), one in subscriber mode (Redis
 * allows nothing else on a connection that subscribed). Both reconnect by themselves, backing off up to a second.
 *
 * Commands never wait for a connection that is down (no offline queue) and give up after COMMAND_TIMEOUT_MS: a
 * security check that cannot reach Redis fails at once and is refused (SharedStateUnavailable, 503), rather than
 * piling up requests that would all be let through, or all time out, later.
 */
export interface RedisConnections {
  readonly command: Redis;
  readonly subscriber: Redis;
  /** Every key and channel name starts with this. */
  readonly prefix: string;
  /** Runs a command; any failure of Redis becomes SharedStateUnavailable. */
  run<T>(operation: (redis: Redis) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;

function options(name: string, offlineQueue: boolean) {
  return {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: offlineQueue,
    maxRetriesPerRequest: offlineQueue ? null : 0,
    commandTimeout: offlineQueue ? undefined : COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1_000),
    // Subscriptions are restored after a reconnect; what was published meanwhile is the caller's (onGap).
    autoResubscribe: true,
  };
}

/** Connects both; rejects with a clear message (never the URL's password) when Redis does not answer. */
export async function connectRedis(url: string, prefix: string): Promise<RedisConnections> {
  // The subscriber queues its SUBSCRIBE commands while reconnecting: they carry no security decision.
  const command = new Redis(url, options('whoot-command', false));
  const subscriber = new Redis(url, options('whoot-subscriber', true));
  // Errors surface through the commands that fail and through readiness; an unhandled 'error' would end Node.
  command.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  try {
    await Promise.all([command.connect(), subscriber.connect()]);
  } catch (error) {
    command.disconnect();
    subscriber.disconnect();
    const where = new URL(url).host;
    throw new Error(`Redis at ${where} does not answer (sharedState.url)`, { cause: error });
  }
  return {
    command,
    subscriber,
    prefix,
    async run(operation) {
      try {
        return await operation(command);
      } catch (error) {
        throw new SharedStateUnavailable(error);
      }
    },
    async close() {
      await Promise.allSettled([command.quit(), subscriber.quit()]);
      command.disconnect();
      subscriber.disconnect();
    },
  };
}
