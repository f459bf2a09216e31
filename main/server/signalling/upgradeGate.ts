import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_SUBPROTOCOL, WS_TICKET_PROTOCOL_PREFIX, wsTicketSchema } from '../../../shared/ws';
import type { ConsumedTicket, TicketStore } from './tickets';

export type RefusalStatus = 400 | 401 | 403 | 404 | 429 | 503;

export type UpgradeDecision =
  | { readonly ok: true; readonly claims: ConsumedTicket }
  | { readonly ok: false; readonly status: RefusalStatus; readonly reason: string };

export interface UpgradeGateOptions {
  readonly path: string;
  readonly tickets: TicketStore;
  /** When set, a request whose Origin header is not listed is refused. Requests without one (non-browser) pass. */
  readonly allowedOrigins?: readonly string[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const WS_KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Everything the server checks before a WebSocket exists, cheapest first: the path, the handshake's shape, the
 * origin, the offered subprotocols, and last the ticket, which is used up by the check. A request that fails any
 * earlier check leaves the ticket alone, except one found in the query string: that one may already sit in a log,
 * so it is burnt.
 */
export async function checkUpgrade(request: IncomingMessage, options: UpgradeGateOptions): Promise<UpgradeDecision> {
  const target = request.url ?? '';
  if (!target.startsWith('/')) return refuse(400, 'bad_request');
  const url = new URL(target, 'https://localhost');
  if (url.pathname !== options.path) return refuse(404, 'not_found');
  if (target.includes('?')) {
    await burnQueryTickets(url.searchParams, options.tickets);
    return refuse(400, 'query_not_allowed');
  }
  const headers = request.headers;
  if (
    request.method !== 'GET' ||
    headers.upgrade?.toLowerCase() !== 'websocket' ||
    headers['sec-websocket-version'] !== '13' ||
    !WS_KEY.test(headers['sec-websocket-key'] ?? '')
  ) {
    return refuse(400, 'bad_handshake');
  }
  const origin = headers.origin;
  if (options.allowedOrigins !== undefined && origin !== undefined && !options.allowedOrigins.includes(origin)) {
    return refuse(403, 'origin_not_allowed');
  }
  const offered = parseProtocols(headers['sec-websocket-protocol']);
  if (offered === null) return refuse(400, 'bad_protocol_header');
  const [ticket, ...more] = offered.filter((p) => p.startsWith(WS_TICKET_PROTOCOL_PREFIX));
  if (ticket === undefined) return refuse(401, 'missing_ticket');
  if (more.length > 0 || !offered.includes(WS_SUBPROTOCOL)) return refuse(400, 'unsupported_protocol');
  let claims: ConsumedTicket | null;
  try {
    claims = await options.tickets.consume(ticket.slice(WS_TICKET_PROTOCOL_PREFIX.length));
  } catch {
    return refuse(503, 'unavailable');
  }
  return claims === null ? refuse(401, 'invalid_ticket') : { ok: true, claims };
}

/** The comma-separated `Sec-WebSocket-Protocol` list (Node joins repeated headers with ", "); null if malformed. */
export function parseProtocols(header: string | undefined): string[] | null {
  if (header === undefined) return [];
  const protocols = header.split(',').map((p) => p.trim());
  if (protocols.length > 8 || protocols.some((p) => !TOKEN.test(p))) return null;
  return new Set(protocols).size === protocols.length ? protocols : null;
}

async function burnQueryTickets(params: URLSearchParams, tickets: TicketStore): Promise<void> {
  const candidates = [...params.values()]
    .slice(0, 8)
    .map((value) =>
      value.startsWith(WS_TICKET_PROTOCOL_PREFIX) ? value.slice(WS_TICKET_PROTOCOL_PREFIX.length) : value,
    )
    .filter((value) => wsTicketSchema.safeParse(value).success);
  await Promise.all(candidates.map((ticket) => tickets.consume(ticket).catch(() => null)));
}

const refuse = (status: RefusalStatus, reason: string): UpgradeDecision => ({ ok: false, status, reason });

/**
 * Answers a refused upgrade with a plain HTTP response and closes the socket: no WebSocket ever existed. The body
 * has the REST error shape, so a client reports a refused handshake like any other refused request.
 */
export function refuseUpgrade(socket: Duplex, status: RefusalStatus, reason: string, extraHeaders = ''): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: reason, message: STATUS_CODES[status] ?? 'Refused' } });
  socket.once('finish', () => socket.destroy());
  // A peer that never reads must not keep the socket open.
  setTimeout(() => socket.destroy(), 2_000).unref();
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Cache-Control: no-store\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extraHeaders +
      '\r\n' +
      body,
  );
}
