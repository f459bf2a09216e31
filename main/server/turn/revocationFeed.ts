import { RELAY_FEED_PAGE } from '../../../shared/rest/endpoints';
import { createRelayApiClient, RelayApiError, type RelayApiTransport } from './relayApiClient';

/**
 * The signed session revocation feed, client side: what ties a relay run apart (relayCli.ts) to the server's
 * sessions, as the in-process hook does for the embedded relay. The relay polls POST /v1/relay/revocations through
 * relayApiClient.ts (signed request, pinned TLS, signed answer bound to the request): a bad answer is an error, and
 * errors back off and retry from the same cursor, so nothing but the server can end an allocation or hide a
 * revocation.
 */
export interface RevocationFeedOptions {
  readonly relayId: string;
  /** The TURN REST secret text (relaySecretText), the same the relay checks credentials with. */
  readonly secret: string | Uint8Array;
  readonly transport: RelayApiTransport;
  /** Called once per session id the server revoked: the relay ends that session's allocations. */
  readonly onRevoked: (sessionId: string) => void;
  readonly pollIntervalMs?: number;
  readonly maxBackoffMs?: number;
  /** Revoked ids remembered for isLive; the oldest are forgotten first (their credentials expired long before). */
  readonly maxRemembered?: number;
  /** Unix milliseconds. */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface RevocationFeed {
  /** False for a session the feed reported revoked: the relay's isSessionLive, so its credentials stop working. */
  isLive(sessionId: string): boolean;
  /** One poll (and the pages after it, while full): the number of session ids reported. Throws on a bad answer. */
  pollOnce(): Promise<number>;
  start(): void;
  stop(): void;
  readonly cursor: number;
}

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const maxRemembered = options.maxRemembered ?? 100_000;
  const api = createRelayApiClient({
    relayId: options.relayId,
    secret: options.secret,
    transport: options.transport,
    now,
  });
  const revoked = new Set<string>();
  let cursor = 0;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let failures = 0;

  const remember = (sessionId: string) => {
    if (revoked.has(sessionId)) return;
    revoked.add(sessionId);
    // A Set iterates in insertion order, so the first value is the oldest.
    if (revoked.size > maxRemembered) {
      const oldest = revoked.values().next();
      if (!oldest.done) revoked.delete(oldest.value);
    }
  };

  const fetchPage = (afterSeq: number) => api.call('relayRevocations', { afterSeq });

  async function pollOnce(): Promise<number> {
    let reported = 0;
    for (;;) {
      const page = await fetchPage(cursor);
      if (page.resync && cursor !== 0) {
        // Entries were pruned past the cursor (or the server's database changed): what was missed cannot be known,
        // so nothing is guessed; allocations it would have named end when their lifetime does (docs/server.md).
        log(`revocation feed: resync from seq ${cursor} (server latest ${page.latestSeq})`);
      }
      let last = page.resync ? 0 : cursor;
      for (const entry of page.entries) {
        if (entry.seq <= last) throw new RelayApiError('the answer is out of order');
        last = entry.seq;
        for (const sessionId of entry.sessionIds) {
          remember(sessionId);
          options.onRevoked(sessionId);
          reported += 1;
        }
      }
      cursor = page.entries.length > 0 ? last : page.latestSeq;
      if (page.entries.length < RELAY_FEED_PAGE) return reported;
    }
  }

  function schedule(delayMs: number) {
    if (!running) return;
    timer = setTimeout(() => {
      timer = null;
      pollOnce().then(
        () => {
          if (failures > 0) log('revocation feed: reconnected');
          failures = 0;
          schedule(pollIntervalMs);
        },
        (error: unknown) => {
          failures += 1;
          const backoff = Math.min(maxBackoffMs, pollIntervalMs * 2 ** Math.min(failures, 10));
          // The message names what failed, never a header or the secret.
          log(
            `revocation feed: ${error instanceof Error ? error.message.replace(/\.$/, '') : 'poll failed'}; retrying in ${backoff} ms`,
          );
          schedule(backoff);
        },
      );
    }, delayMs);
    timer.unref?.();
  }

  return {
    isLive: (sessionId) => !revoked.has(sessionId),
    pollOnce,
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    stop() {
      running = false;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    get cursor() {
      return cursor;
    },
  };
}
