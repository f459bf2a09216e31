import { HttpError } from '../http/httpError';
import type { LoginThrottleStore } from '../auth/loginThrottleStore';
import type { NonceStore } from '../auth/nonceStore';
import type { BucketConfig, RateLimiter } from '../http/rateLimiter';
import type { ClusterLink, MembershipChange } from '../signalling/clusterMessages';
import type { EventBus } from '../signalling/events';
import type { PresenceTracker } from '../signalling/presence';
import type { RoomBus, RoomDirectory } from '../signalling/rooms';
import type { TicketStore } from '../signalling/tickets';

/**
 * Everything server nodes must share to act as one server, behind the small interfaces the rest of the code
 * already uses: one process's memory for a single node (`memorySharedState.ts`), or Redis for several
 * (`redis/redisSharedState.ts`). `openSharedState` picks one from the configuration; nothing else asks which.
 */
export interface SharedState {
  /** `memory` or `redis`, for logs and readiness only: no code branches on it. */
  readonly kind: 'memory' | 'redis';
  /** Signed-request nonces (replay cache). */
  readonly nonces: NonceStore;
  /** Builds one family of rate-limit buckets (`createRateLimiters`' `make`). */
  rateLimiter(bucket: BucketConfig, name: string): RateLimiter;
  readonly loginThrottle: LoginThrottleStore;
  readonly tickets: TicketStore;
  readonly eventBus: EventBus;
  readonly roomBus: RoomBus;
  readonly rooms: RoomDirectory;
  readonly presence: PresenceTracker;
  /** The other nodes, when there can be any. */
  readonly cluster?: ClusterLink;
  /** Entries dropped for a dead node, or restored for this one (clusterMessages.ts). */
  readonly membershipChanges?: (listener: (change: MembershipChange) => void) => () => void;
  /** Whether the shared state answers now (the readiness probe); memory always does. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Thrown by a shared implementation that cannot answer (Redis down, or not in time). Whatever meets it refuses:
 * a request that needed a nonce, a rate-limit bucket, a throttle count or a ticket gets this 503 and changes
 * nothing, never an acceptance on unchecked state.
 */
export class SharedStateUnavailable extends HttpError {
  constructor(cause?: unknown) {
    super(503, 'shared_state_unavailable', 'The server cannot check this request right now. Try again shortly.', {
      'retry-after': '2',
    });
    this.name = 'SharedStateUnavailable';
    this.cause = cause;
  }
}
