import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { rawErrorResponse } from './response';

export interface HttpsServerOptions {
  readonly cert: string;
  readonly key: string;
  /** Must answer every request itself and never reject (createRouter's handler does both). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  readonly timeouts?: Partial<Timeouts>;
}

export interface Timeouts {
  /** TLS handshake to finish. */
  readonly handshakeMs: number;
  /** Request line and headers to arrive (slow-headers attacks). */
  readonly headersMs: number;
  /** The whole request, body included, to arrive (slow-body attacks). */
  readonly requestMs: number;
  /** An idle keep-alive connection to stay open between requests. */
  readonly keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  handshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
};
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * AEAD suites with forward secrecy only. TLS 1.3 suites are all of that kind; for TLS 1.2 Node's default list
 * would still accept CBC suites under HIGH, which nothing of ours needs. ECDSA first: the generated key is P-256;
 * the RSA suites are for an administrator's configured RSA certificate.
 */
export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/**
 * The one listener of the server: REST and (through the 'upgrade' event, attached by the signalling module) WSS on
 * a single TLS 1.2+ port. There is deliberately no plain HTTP listener, not even one that redirects: a redirect
 * would teach clients that sending a first request in the clear is fine.
 */
export function createHttpsServer(options: HttpsServerOptions): Server {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const server = createServer({
    cert: options.cert,
    key: options.key,
    minVersion: 'TLSv1.2',
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: timeouts.handshakeMs,
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node only checks the two timeouts above on this interval (30 s by default): keep it below them.
    connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs),
    maxHeaderSize: MAX_HEADER_BYTES,
    // Node's own 400 for a missing Host would go out without the security headers; the router sends it instead.
    requireHostHeader: false,
  });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void Promise.resolve()
      .then(() => options.handler(req, res))
      .catch(() => res.destroy());
  };
  server.on('request', listener);
  // Without these listeners Node answers Expect headers itself (100 Continue before any check, or a bare 417).
  server.on('checkContinue', listener);
  server.on('checkExpectation', listener);
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Requests Node's parser refused never reach the router, and Node's default answer has no security headers or
 * JSON body: answer them here in the same shape, then close.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A response already under way on this socket cannot be followed by another one.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || error.code === 'ECONNRESET' || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive.']
        : [400, 'bad_request', 'The request is not valid HTTP.'];
  socket.end(rawErrorResponse(status, code, message), () => socket.destroy());
}

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  /**
   * Stops accepting connections (a load balancer's next connect is refused and goes to another node) and ends the
   * idle keep-alive ones; connections with a request in flight or an upgraded WebSocket stay until close().
   */
  stopAccepting(): void;
  /** Stops accepting, then ends every open connection (keep-alive and upgraded WebSockets included). */
  close(): Promise<void>;
}

/** Binds to exactly the given address (tests: 127.0.0.1, port 0 for any free port). */
export function listen(server: Server, address: { readonly host: string; readonly port: number }) {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise<ListeningServer>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
      server.off('error', reject);
      const bound = server.address() as AddressInfo;
      let accepting = true;
      // 'close' comes once the listener is closed and its last connection ended, whichever call closed it.
      const closed = new Promise<void>((done) => server.once('close', () => done()));
      const stop = () => {
        if (!accepting) return;
        accepting = false;
        server.close();
      };
      resolve({
        host: bound.address,
        port: bound.port,
        stopAccepting() {
          stop();
          server.closeIdleConnections();
        },
        close: async () => {
          stop();
          for (const socket of sockets) socket.destroy();
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}
