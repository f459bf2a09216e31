import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { ServerAddress } from '../../shared/identifiers';
import { spkiPinOf } from '../crypto/spkiPin';
import { unresolvedName } from './nameResolution';

export class ServerConnectionError extends Error {
  constructor(
    readonly code: 'server_unreachable' | 'server_key_mismatch' | 'tls_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServerConnectionError';
  }
}

/**
 * Opens TLS 1.2+ to the server and resolves only once its key matches the pin. The pin replaces CA validation
 * (the bundled server's certificate is self-signed), and because the socket is handed out only after the check,
 * not one byte of a request (a password, a signed call) is written to a server with the wrong key.
 */
export function connectPinned(server: ServerAddress, timeoutMs = 10_000): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: server.host,
      port: server.port,
      servername: isIP(server.host) === 0 ? server.host : undefined,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(
      () => fail(new ServerConnectionError('server_unreachable', unreachable(server))),
      timeoutMs,
    );
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const tlsProblem = typeof error.code === 'string' && /SSL|TLS|ERR_SSL/.test(error.code);
      // The cause stays attached so the network doctor can tell a name that does not resolve from a closed port.
      const cause = { cause: error };
      fail(
        tlsProblem
          ? new ServerConnectionError('tls_failed', `A secure connection to ${server.host}:${server.port} failed.`)
          : unresolvedName(error) !== null
            ? new ServerConnectionError('server_unreachable', `The server name ${server.host} does not resolve.`, cause)
            : new ServerConnectionError('server_unreachable', unreachable(server), cause),
      );
    });
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      if (!certificate?.raw || spkiPinOf(certificate.raw) !== server.spkiPin) {
        fail(
          new ServerConnectionError(
            'server_key_mismatch',
            `The server at ${server.host}:${server.port} did not present the key your invite names. ` +
              'Someone may be intercepting the connection, or the server changed its key: ask for a new invite.',
          ),
        );
        return;
      }
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

const unreachable = (server: ServerAddress) => `Could not reach the whoot server at ${server.host}:${server.port}.`;
