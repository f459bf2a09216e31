import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How much of a refused request's body the server reads and discards, and how long it waits, before it closes. */
export interface LingerLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/** A few MiB and a few seconds: far more than a client needs to read a refusal, far less than an abuser wants. */
export const DEFAULT_LINGER: LingerLimits = { maxBytes: 4 * 1024 * 1024, maxMs: 5_000 };

/**
 * A lingering close (RFC 9112 §9.6), set up before a response that goes out while the client is still sending its
 * body: a 413, a 415, a 401 on an upload, any early refusal. Closing at once would leave unread bytes behind, so
 * the close goes out as a reset, and a reset makes the client's TCP stack drop the response it has not read yet: a
 * client that writes its whole body before reading (Node's https.request does) sees EPIPE instead of the answer.
 *
 * So once the response is sent, only the server's sending half closes (TLS close_notify and FIN: the client sees
 * the end of the answer), and the rest of the body is read and thrown away up to `maxBytes`. Past that the server
 * stops reading without closing: TCP flow control stalls the client's writes, and a stalled client gets round to
 * reading the answer. The connection is destroyed when the body has been read to its end, when the client closes,
 * or `maxMs` after this call, whichever comes first. The server never reads more than `maxBytes` beyond the point of
 * refusal, whatever the client sends.
 */
export function lingerOnRefusal(req: IncomingMessage, limits: LingerLimits): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if (req.complete || socket.destroyed) return;
  // Node ends a `Connection: close` response with socket.destroySoon(): end, then destroy once written. Only the
  // end is wanted here; the destroy waits for the body, the client or the timer below.
  let halfClosed = false;
  socket.destroySoon = () => {
    halfClosed = true;
    socket.end();
  };
  let discarded = 0;
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) {
      req.off('data', onData);
      req.pause();
    }
  };
  const stop = () => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    socket.off('close', stop);
  };
  const onEnd = () => {
    stop();
    // Everything the client sent has been read, so this close cannot turn into a reset.
    if (halfClosed) socket.destroy();
  };
  const timer = setTimeout(() => {
    stop();
    socket.destroy();
  }, limits.maxMs);
  req.on('data', onData);
  req.once('end', onEnd);
  socket.once('close', stop);
  req.resume();
}
