import type { Socket } from 'node:net';
import WebSocket, { type ClientOptions } from 'ws';
import type { ServerAddress } from '../../shared/identifiers';
import { WS_MAX_FRAME_BYTES } from '../../shared/ws';
import { connectPinned } from '../../main/session/pinnedTls';
import type { WebSocketLike } from '../../renderer/realtime/workspaceSocket';

export interface PinnedSocketOptions {
  readonly timeoutMs?: number;
}

/** The host and port a wss URL names, in the form a ServerAddress holds them (lower case, IPv6 without brackets). */
function endpointOf(url: URL): { host: string; port: number } {
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? 443 : Number(url.port) };
}

/**
 * `openSocket` for the renderer's WSS client (renderer/realtime/workspaceSocket.ts), in Node on the `ws` package.
 * The TLS connection comes from connectPinned, which hands the socket over only after the server's key matched the
 * invite's pin; http.request holds the upgrade request (and so the ticket in Sec-WebSocket-Protocol) until it has a
 * socket, so with another key not one byte of it is written. The socket opens only to the pinned server: a URL
 * naming another host or port throws before anything connects.
 */
export function pinnedSocketOpener(
  server: ServerAddress,
  options: PinnedSocketOptions = {},
): (url: string, protocols: string[]) => WebSocketLike {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return (url, protocols) => {
    const parsed = new URL(url);
    const target = endpointOf(parsed);
    if (parsed.protocol !== 'wss:' || target.host !== server.host || target.port !== server.port) {
      throw new Error('The signalling URL does not name the pinned server.');
    }
    const createConnection = ((_options: unknown, done: (error: Error | null, socket?: Socket) => void) => {
      connectPinned(server, timeoutMs).then(
        (socket) => done(null, socket),
        (error: Error) => done(error),
      );
      // Returning nothing tells http.request the socket comes later, through `done`.
      return undefined;
    }) as unknown as ClientOptions['createConnection'];
    const socket = new WebSocket(url, protocols, {
      createConnection,
      handshakeTimeout: timeoutMs,
      maxPayload: WS_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      followRedirects: false,
    });
    // An 'error' with no listener would throw out of the event loop; the caller learns of failures from onclose.
    socket.on('error', () => undefined);
    return socket;
  };
}
