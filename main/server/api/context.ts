import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { Endpoint, EndpointName, endpoints } from '../../../shared/rest/endpoints';
import type { ServerConfig } from '../config';
import type { HandlerResult } from '../http/response';
import type { AuthenticatedSession } from '../http/router';
import type { SignallingServer } from '../signalling/signallingServer';
import type { TicketStore } from '../signalling/tickets';
import type { SharedState } from '../sharedState/sharedState';
import type { Relay } from '../turn/relayServer';
import type { RelayFleet } from '../turn/relayFleet';
import type { NewAuditEntry, Store } from '../store';
import type { createLoginThrottle } from '../auth/loginThrottle';
import type { TimelineService } from '../timeline/timelineService';

/** The caller of a signed route, as the signed-request check established it. */
export interface ApiSession extends AuthenticatedSession {
  readonly sessionId: string;
  readonly userId: string;
}

/**
 * A relay run apart, authenticated by the TURN REST secret: sessionId is `relay:{relayId}` (the rate-limit key) and
 * userId is empty; the request's nonce is kept so the response signature can be bound to it.
 */
export interface RelayCaller extends ApiSession {
  readonly relayId: string;
  readonly requestNonce: string;
}

/** Everything the route handlers work with; built once by serverApp.ts. */
export interface ApiDeps {
  readonly store: Store;
  readonly config: ServerConfig;
  readonly spkiPin: string;
  /** The port invites name: the configured public port, else the one the listener got. */
  readonly publicPort: () => number;
  readonly tickets: TicketStore;
  /**
   * Readiness asks whether the shared state (Redis, when configured) answers; handlers with buckets of their own
   * (posts per channel, requests per input) take them from it, so every node counts against the same bucket.
   */
  readonly sharedState: Pick<SharedState, 'ping' | 'rateLimiter'>;
  /** Set once the signalling server is attached (it needs the HTTPS server, which needs the routes). */
  readonly signalling: () => SignallingServer | null;
  /** The embedded relay, when this server runs one. */
  readonly relay: Relay | null;
  /** The relays run apart that voice credentials name, when `relay.fleet` is configured. */
  readonly relayFleet: RelayFleet | null;
  readonly throttle: ReturnType<typeof createLoginThrottle>;
  /** Unix milliseconds. */
  readonly now: () => number;
  readonly audit: (entry: NewAuditEntry) => Promise<void>;
  /** Keyed HMAC for recovery codes, derived from server secrets, never stored beside the hashes. */
  readonly recoveryKey: () => Promise<Uint8Array>;
  readonly log: (message: string) => void;
  /** The channel timelines (members' posts and inbound webhook inputs alike), see docs/chat.md. */
  readonly timeline: TimelineService;
  /** True once this node began to drain (SIGTERM): readiness answers 503 from then on. */
  readonly draining: () => boolean;
}

export interface HandlerContext<N extends EndpointName> {
  readonly params: Readonly<Record<string, string>>;
  readonly body: z.output<(typeof endpoints)[N]['body']>;
  readonly session: (typeof endpoints)[N] extends { auth: 'signed' }
    ? ApiSession
    : (typeof endpoints)[N] extends { auth: 'relay' }
      ? RelayCaller
      : undefined;
  readonly clientAddress: string | undefined;
  /** The raw request: a `stream: 'upload'` endpoint's handler reads its body from here. */
  readonly request: IncomingMessage;
}

export type EndpointHandler<N extends EndpointName> = (context: HandlerContext<N>) => Promise<HandlerResult>;
export type EndpointHandlers = { readonly [N in EndpointName]: EndpointHandler<N> };

export const nowSeconds = (deps: ApiDeps): number => Math.floor(deps.now() / 1000);

export type { Endpoint };
