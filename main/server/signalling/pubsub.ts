/**
 * Topic publish/subscribe: the seam through which workspace events and room signalling travel, so a second server
 * node can be added behind Redis or NATS without changing the code that publishes or listens. Delivery per topic
 * is in publish order; a listener must not assume it runs synchronously inside `publish`.
 */
export interface PubSub<M> {
  publish(topic: string, message: M): void;
  /**
   * Returns the unsubscribe function; calling it twice is harmless. `onGap` is called when messages on the topic
   * may have been lost (a shared bus that was disconnected and is subscribed again): the listener then reads what
   * it missed from where it is kept (the event log) or asks for a fresh snapshot (a room). The in-process bus
   * never loses a message and never calls it.
   */
  subscribe(topic: string, listener: (message: M) => void, onGap?: () => void): () => void;
  /**
   * Resolves once every subscription made so far receives messages (a shared bus confirms them over the network).
   * Absent where subscribing takes effect at once.
   */
  settled?(): Promise<void>;
}

/** The in-process bus for a single node. A listener that throws is reported and does not starve the others. */
export function createMemoryPubSub<M>(onListenerError: (error: unknown) => void = defaultReport): PubSub<M> {
  const topics = new Map<string, Set<(message: M) => void>>();
  return {
    publish(topic, message) {
      const listeners = topics.get(topic);
      if (listeners === undefined) return;
      for (const listener of [...listeners]) {
        try {
          listener(message);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(topic, listener) {
      let listeners = topics.get(topic);
      if (listeners === undefined) topics.set(topic, (listeners = new Set()));
      // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
      const entry = (message: M) => listener(message);
      listeners.add(entry);
      return () => {
        if (!listeners.delete(entry)) return;
        if (listeners.size === 0 && topics.get(topic) === listeners) topics.delete(topic);
      };
    },
  };
}

const defaultReport = (error: unknown): void => console.error('pubsub listener failed', error);
