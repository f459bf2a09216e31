import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerAddress } from '../../shared/identifiers';
import { connectPinned } from './pinnedTls';

/**
 * Keep-alive connections to one server, each opened with connectPinned (TLS 1.2+, key checked against the pin before
 * a byte is written). Reusing them saves a TLS handshake per call, which was most of a call's latency under load.
 * Idle connections close after a few seconds (before the server's own keep-alive timeout), and they carry no
 * credential: every request is signed on its own.
 */
export class PinnedAgent extends Agent {
  constructor(
    private readonly server: ServerAddress,
    private readonly connectTimeoutMs: number,
  ) {
    super({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 8, maxFreeSockets: 4, timeout: 4000 });
  }

  override createConnection(
    _options: unknown,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    connectPinned(this.server, this.connectTimeoutMs).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
