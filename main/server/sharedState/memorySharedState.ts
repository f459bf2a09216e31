import { createMemoryLoginThrottleStore } from '../auth/loginThrottleStore';
import type { NonceStore } from '../auth/nonceStore';
import { createMemoryRateLimiter } from '../http/rateLimiter';
import { createMemoryEventBus } from '../signalling/events';
import { createMemoryPresence } from '../signalling/presence';
import { createMemoryPubSub } from '../signalling/pubsub';
import { createMemoryRoomDirectory, type RoomBusMessage } from '../signalling/rooms';
import { createMemoryTicketStore } from '../signalling/tickets';
import type { SharedState } from './sharedState';

/**
 * One node's shared state, in its own memory: what the server always had. Nonces are the exception: they stay in
 * the store (`store.nonces`), so a request captured before a restart still fails after it.
 */
export function createMemorySharedState(options: {
  readonly nonces: NonceStore;
  readonly now?: () => number;
  readonly report?: (message: string, error?: unknown) => void;
}): SharedState {
  const now = options.now ?? Date.now;
  const report = options.report ?? ((message: string, error?: unknown) => console.error(message, error));
  return {
    kind: 'memory',
    nonces: options.nonces,
    rateLimiter: (bucket) => createMemoryRateLimiter(bucket),
    loginThrottle: createMemoryLoginThrottleStore(),
    tickets: createMemoryTicketStore({ now }),
    eventBus: createMemoryEventBus(),
    roomBus: createMemoryPubSub<RoomBusMessage>((error) => report('signalling: room listener failed', error)),
    rooms: createMemoryRoomDirectory(),
    presence: createMemoryPresence(),
    ping: async () => true,
    close: async () => undefined,
  };
}
