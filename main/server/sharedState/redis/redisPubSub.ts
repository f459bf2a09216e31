import type { z } from 'zod';
import type { PubSub } from '../../signalling/pubsub';
import type { RedisConnections } from './redisConnection';

interface Topic<M> {
  readonly listeners: Set<{ readonly listener: (message: M) => void; readonly onGap?: () => void }>;
}

export interface RedisPubSubOptions<M> {
  /** Channel names are `{prefix}{namespace}:{topic}`. */
  readonly namespace: string;
  /** Every message that arrives is checked against it: another node is still a boundary. */
  readonly schema: z.ZodType<M>;
  /** How long a message that could not be published is kept for a retry once Redis answers again. */
  readonly retryForMs: number;
  readonly report: (message: string, error?: unknown) => void;
  readonly now?: () => number;
}

/** Bound on messages kept for a retry: past it the oldest go (and their receivers read the log or resync). */
const MAX_RETRIES_KEPT = 10_000;

/**
 * The PubSub seam over Redis pub/sub. One Redis subscription per topic in use on this node, shared by its local
 * listeners. Redis delivers a channel's messages in publish order; it does not keep them for a subscriber that was
 * disconnected, so after every reconnect each listener's `onGap` runs (events are re-read from the log, rooms send a
 * fresh snapshot). A publish that fails while Redis is away is kept (for `retryForMs`) and sent once it is back.
 */
export function createRedisPubSub<M>(
  redis: RedisConnections,
  options: RedisPubSubOptions<M>,
): PubSub<M> & {
  /** Publishes now; rejects when Redis does not take it (the caller decides what that means). */
  publishNow(topic: string, message: M): Promise<void>;
} {
  const now = options.now ?? Date.now;
  const channelPrefix = `${redis.prefix}${options.namespace}:`;
  const topics = new Map<string, Topic<M>>();
  const retries: { channel: string; text: string; at: number }[] = [];
  let readyBefore = redis.subscriber.status === 'ready';
  /** The latest SUBSCRIBE sent: Redis answers in order, so once it is confirmed every earlier one is too. */
  let lastSubscribe: Promise<unknown> = Promise.resolve();

  redis.subscriber.on('messageBuffer', (channelBytes: Buffer, payload: Buffer) => {
    const channel = channelBytes.toString('utf8');
    if (!channel.startsWith(channelPrefix)) return;
    const topic = topics.get(channel.slice(channelPrefix.length));
    if (topic === undefined) return;
    let parsed: z.ZodSafeParseResult<M>;
    try {
      parsed = options.schema.safeParse(JSON.parse(payload.toString('utf8')));
    } catch {
      options.report(`shared state: a message on ${options.namespace} is not JSON; dropped`);
      return;
    }
    if (!parsed.success) {
      options.report(`shared state: a message on ${options.namespace} does not match its schema; dropped`);
      return;
    }
    for (const { listener } of [...topic.listeners]) {
      try {
        listener(parsed.data);
      } catch (error) {
        options.report('shared state: listener failed', error);
      }
    }
  });

  redis.subscriber.on('ready', () => {
    // The first 'ready' is the initial connection; each later one follows a disconnection.
    if (!readyBefore) {
      readyBefore = true;
      return;
    }
    for (const topic of topics.values()) {
      for (const { onGap } of [...topic.listeners]) {
        try {
          onGap?.();
        } catch (error) {
          options.report('shared state: gap handler failed', error);
        }
      }
    }
  });

  redis.command.on('ready', () => void flushRetries());

  async function flushRetries(): Promise<void> {
    const cutoff = now() - options.retryForMs;
    while (retries.length > 0) {
      const next = retries[0];
      if (next === undefined) break;
      if (next.at < cutoff) {
        retries.shift();
        continue;
      }
      try {
        await redis.command.publish(next.channel, next.text);
        retries.shift();
      } catch {
        return;
      }
    }
  }

  function publishNow(topic: string, message: M): Promise<void> {
    return redis.run(async (command) => {
      await command.publish(channelPrefix + topic, JSON.stringify(message));
    });
  }

  return {
    publishNow,
    publish(topic, message) {
      const channel = channelPrefix + topic;
      const text = JSON.stringify(message);
      redis.command.publish(channel, text).catch(() => {
        retries.push({ channel, text, at: now() });
        if (retries.length > MAX_RETRIES_KEPT) retries.shift();
      });
    },
    async settled() {
      await lastSubscribe;
    },
    subscribe(topic, listener, onGap) {
      let entry = topics.get(topic);
      if (entry === undefined) {
        topics.set(topic, (entry = { listeners: new Set() }));
        lastSubscribe = redis.subscriber
          .subscribe(channelPrefix + topic)
          .catch((error: unknown) => options.report('shared state: subscribe failed', error));
      }
      const own = { listener, ...(onGap ? { onGap } : {}) };
      entry.listeners.add(own);
      const listeners = entry.listeners;
      return () => {
        if (!listeners.delete(own) || listeners.size > 0 || topics.get(topic)?.listeners !== listeners) return;
        topics.delete(topic);
        redis.subscriber.unsubscribe(channelPrefix + topic).catch(() => undefined);
      };
    },
  };
}
