import { createHmac, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { ServerAddress } from '../../../shared/identifiers';
import {
  endpoints,
  RELAY_FEED_HEADERS,
  relayResponseMessage,
  type BodyOf,
  type RelayEndpoint,
  type ResponseOf,
} from '../../../shared/rest/endpoints';
import { SIGNATURE_WINDOW_SECONDS, SIGNED_HEADERS } from '../../../shared/signedRequest';
import { computeSignature, sha256Hex, signaturesEqual } from '../../crypto/requestSignature';
import { connectPinned } from '../../session/pinnedTls';

/**
 * What a relay run apart (relayCli.ts) asks the server: the revocation feed (revocationFeed.ts) and the session
 * check (sessionCheck.ts). Each call is a signed request (the session format, keyed by the TURN REST secret, the
 * relay id in the session header) over TLS pinned to the server's key, and the relay believes only an answer the
 * server signed with the same secret over the request's nonce, the operation and the body: a stray server, a proxy
 * or a recorded answer can neither end allocations, hide a revocation, nor vouch for a session.
 */
export interface RelayApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** One POST to the server: injected so tests can record and tamper with answers; pinnedRelayTransport is the real one. */
export type RelayApiTransport = (request: {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}) => Promise<RelayApiResponse>;

export class RelayApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RelayApiError';
  }
}

export interface RelayApiClientOptions {
  readonly relayId: string;
  /** The TURN REST secret text (relaySecretText), the same the relay checks credentials with. */
  readonly secret: string | Uint8Array;
  readonly transport: RelayApiTransport;
  /** Unix milliseconds. */
  readonly now?: () => number;
}

export interface RelayApiClient {
  /** Resolves with the verified, schema-checked answer; rejects with RelayApiError (or the transport's error). */
  call<N extends RelayEndpoint>(name: N, body: BodyOf<N>): Promise<ResponseOf<N>>;
}

export function createRelayApiClient(options: RelayApiClientOptions): RelayApiClient {
  const now = options.now ?? Date.now;
  const key = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  return {
    async call(name, input) {
      const endpoint = endpoints[name];
      const operation = endpoint.operation;
      const body = JSON.stringify(input);
      const timestamp = Math.floor(now() / 1000);
      const nonce = randomBytes(16).toString('hex');
      const signature = computeSignature(key, {
        operation,
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
      if (response.status !== 200) throw new RelayApiError(`the server answered ${response.status}`);
      const signedAt = single(response.headers[RELAY_FEED_HEADERS.timestamp]);
      const given = single(response.headers[RELAY_FEED_HEADERS.signature]);
      if (
        signedAt === undefined ||
        given === undefined ||
        !/^[0-9]{1,12}$/.test(signedAt) ||
        !/^[0-9a-f]{64}$/.test(given)
      ) {
        throw new RelayApiError('the answer is not signed');
      }
      if (Math.abs(Number(signedAt) - Math.floor(now() / 1000)) > SIGNATURE_WINDOW_SECONDS) {
        throw new RelayApiError('the answer is signed at a time outside the window: check the clocks');
      }
      const expected = createHmac('sha256', key)
        .update(
          relayResponseMessage({
            operation,
            requestNonce: nonce,
            timestamp: Number(signedAt),
            bodySha256Hex: sha256Hex(response.body),
          }),
          'utf8',
        )
        .digest('hex');
      if (!signaturesEqual(expected, given)) throw new RelayApiError('the answer signature does not match');
      let json: unknown;
      try {
        json = JSON.parse(response.body.toString('utf8'));
      } catch {
        throw new RelayApiError('the answer is not JSON');
      }
      const parsed = endpoint.response.safeParse(json);
      if (!parsed.success) throw new RelayApiError('the answer does not match the contract');
      return parsed.data as ResponseOf<typeof name>;
    },
  };
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value);

/** Calls over TLS pinned to the server's key (the invite's SPKI pin), as the desktop app reaches the server. */
export function pinnedRelayTransport(server: ServerAddress, timeoutMs = 10_000): RelayApiTransport {
  return async ({ path, headers, body }) => {
    const socket = await connectPinned(server, timeoutMs);
    return new Promise<RelayApiResponse>((resolve, reject) => {
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
            if (size > 16 * 1024 * 1024) req.destroy(new RelayApiError('the answer is too large'));
            else chunks.push(chunk);
          });
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new RelayApiError('the server did not answer in time')));
      req.on('error', (error) => {
        socket.destroy();
        reject(error);
      });
      req.end(body);
    });
  };
}
