import { createRelayApiClient, type RelayApiTransport } from './relayApiClient';
import { createRevocationFeed, type RevocationFeed } from './revocationFeed';
import { createSessionCheck, type SessionCheckOptions } from './sessionCheck';

/**
 * What ties a relay run apart to the server's sessions, as the in-process hooks do for the embedded relay: the
 * revocation feed ends allocations of sessions that end, and the session check refuses sessions the server did not
 * issue (or not to that user). relayCli.ts builds it from `revocationFeed` in its configuration; tests build the same.
 */
export interface ServerLinkOptions {
  readonly relayId: string;
  /** The TURN REST secret text, which signs the relay's calls and keys the server's answers. */
  readonly secret: string | Uint8Array;
  readonly transport: RelayApiTransport;
  /** The relay's endSession, for each session id the feed reports revoked. */
  readonly onRevoked: (sessionId: string) => void;
  readonly pollIntervalMs?: number;
  readonly sessionCache?: Pick<SessionCheckOptions, 'verifiedForMs' | 'unknownForMs'>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface ServerLink {
  readonly feed: RevocationFeed;
  /** The relay's isSessionLive option. */
  readonly isSessionLive: (sessionId: string, userId: string) => Promise<boolean>;
}

export function createServerLink(options: ServerLinkOptions): ServerLink {
  const { relayId, secret, transport, now } = options;
  const feed = createRevocationFeed({
    relayId,
    secret,
    transport,
    onRevoked: options.onRevoked,
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(now === undefined ? {} : { now }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const sessions = createSessionCheck({
    api: createRelayApiClient({ relayId, secret, transport, ...(now === undefined ? {} : { now }) }),
    isRevoked: (sessionId) => !feed.isLive(sessionId),
    ...options.sessionCache,
    ...(now === undefined ? {} : { now }),
  });
  return { feed, isSessionLive: sessions.isSessionLive };
}
