import { createHmac, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { ServerAddress } from '../../../shared/identifiers';
import {
  endpoints,
  RELAY_FEED_HEADERS,
  RELAY_FEED_PAGE,
  relayFeedResponseMessage,
} from '../../../shared/rest/endpoints';
import { SIGNATURE_WINDOW_SECONDS, SIGNED_HEADERS } from '../../../shared/signedRequest';
import { computeSignature, sha256Hex, signaturesEqual } from '../../crypto/requestSignature';
import { connectPinned } from '../../session/pinnedTls';

/**
 * The signed session revocation feed, client side: what ties a relay run apart (relayCli.ts) to the server's
 * sessions, as the in-process hook does for the embedded relay. The relay polls POST /v1/relay/revocations over
 * pinned TLS, signing like a session does but keyed by the TURN REST secret it already holds, and acts only on a
 * response the server signed with that secret and bound to the request's nonce: a stray server, a proxy or a
 * recorded answer can neither end allocations nor hide a revocation (a bad answer is an error, and errors back off
 * and retry from the same cursor).
 */
export interface FeedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** One POST of the feed: injected so tests can tamper with answers; pinnedFeedTransport is the real one. */
export type FeedTransport = (request: {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}) => Promise<FeedResponse>;

export interface RevocationFeedOptions {
  readonly relayId: string;
  /** The TURN REST secret text (relaySecretText), the same the relay checks credentials with. */
  readonly secret: string | Uint8Array;
  readonly transport: FeedTransport;
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

export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

const endpoint = endpoints.relayRevocations;

export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const pollIntervalMs = options.pollIntervalMs ?? 2000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const maxRemembered = options.maxRemembered ?? 100_000;
  const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
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

  async function fetchPage(afterSeq: number) {
    const body = JSON.stringify({ afterSeq });
    const timestamp = Math.floor(now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const signature = computeSignature(key, {
      operation: endpoint.operation,
      resourceId: '',
      timestamp,
      nonce,
      bodySha256Hex: sha256Hex(body),
    });
    const response = await options.transport({
      path: endpoint.path,
      body,
      headers: {
        'content-type': 'application/json',
        [SIGNED_HEADERS.session]: options.relayId,
        [SIGNED_HEADERS.timestamp]: String(timestamp),
        [SIGNED_HEADERS.nonce]: nonce,
        [SIGNED_HEADERS.signature]: signature,
      },
    });
    if (response.status !== 200) throw new FeedError(`the server answered ${response.status}`);
    const signedAt = single(response.headers[RELAY_FEED_HEADERS.timestamp]);
    const given = single(response.headers[RELAY_FEED_HEADERS.signature]);
    if (
      signedAt === undefined ||
      given === undefined ||
      !/^[0-9]{1,12}$/.test(signedAt) ||
      !/^[0-9a-f]{64}$/.test(given)
    ) {
      throw new FeedError('the answer is not signed');
    }
    if (Math.abs(Number(signedAt) - Math.floor(now() / 1000)) > SIGNATURE_WINDOW_SECONDS) {
      throw new FeedError('the answer is signed at a time outside the window: check the clocks');
    }
    const expected = createHmac('sha256', key)
      .update(
        relayFeedResponseMessage({
          requestNonce: nonce,
          timestamp: Number(signedAt),
          bodySha256Hex: sha256Hex(response.body),
        }),
        'utf8',
      )
      .digest('hex');
    if (!signaturesEqual(expected, given)) throw new FeedError('the answer signature does not match');
    let json: unknown;
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new FeedError('the answer is not JSON');
    }
    const parsed = endpoint.response.safeParse(json);
    if (!parsed.success) throw new FeedError('the answer does not match the contract');
    return parsed.data;
  }

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
        if (entry.seq <= last) throw new FeedError('the answer is out of order');
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

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value);

/** The feed over TLS pinned to the server's key (the invite's SPKI pin), as the desktop app reaches the server. */
export function pinnedFeedTransport(server: ServerAddress, timeoutMs = 10_000): FeedTransport {
  return async ({ path, headers, body }) => {
    const socket = await connectPinned(server, timeoutMs);
    return new Promise<FeedResponse>((resolve, reject) => {
      const req = httpsRequest(
        {
          method: 'POST',
          path,
          host: server.host,
          port: server.port,
          createConnection: () => socket,
          timeout: timeoutMs,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            // A feed page is at most a few MB; more is not the server's answer.
            if (size > 16 * 1024 * 1024) req.destroy(new FeedError('the answer is too large'));
            else chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new FeedError('the server did not answer in time')));
      req.on('error', (error) => {
        socket.destroy();
        reject(error);
      });
      req.end(body);
    });
  };
}
