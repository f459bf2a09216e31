import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { udpSocketFor } from './relaySockets';

/**
 * The client-facing listeners: one UDP socket, a TCP server and a TLS server (TURNS, RFC 8656 section 3.1: for
 * networks that only let TLS on 443 out). They only move bytes; the relay decides what the bytes mean.
 */
export interface UdpListener {
  readonly socket: UdpSocket;
  readonly port: number;
  close(): Promise<void>;
}

/** Big enough that a burst from dozens of clients waits in the kernel instead of being dropped there. */
export const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

export function startUdpListener(
  host: string,
  port: number,
  onDatagram: (data: Buffer, from: RemoteInfo) => void,
  reusePort = false,
): Promise<UdpListener> {
  return new Promise((resolve, reject) => {
    const socket = udpSocketFor(host, reusePort);
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      // A send to a vanished client reports ICMP errors here; they must never crash the relay.
      socket.on('error', () => undefined);
      socket.on('message', onDatagram);
      try {
        socket.setRecvBufferSize(UDP_BUFFER_BYTES);
        socket.setSendBufferSize(UDP_BUFFER_BYTES);
      } catch {
        // The kernel caps these (net.core.rmem_max); the default still works.
      }
      resolve({
        socket,
        port: socket.address().port,
        close: () => new Promise((done) => socket.close(() => done())),
      });
    });
  });
}

export interface StreamListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export interface TlsMaterial {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export function startStreamListener(
  host: string,
  port: number,
  tls: TlsMaterial | null,
  maxConnections: number,
  onConnection: (socket: Socket) => void,
  reusePort = false,
): Promise<StreamListener> {
  const server =
    tls === null
      ? createTcpServer({ noDelay: true }, onConnection)
      : createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, onConnection);
  server.maxConnections = maxConnections;
  // A failed handshake or a reset is the client's problem, not the relay's.
  server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
  const sockets = new Set<Socket>();
  server.on(tls === null ? 'connection' : 'secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true, reusePort }, () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
