import { STATUS_CODES, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { INTERNAL_ERROR, errorBody } from './httpError';
import { SECURITY_HEADERS, applySecurityHeaders } from './securityHeaders';

export type HeaderMap = Readonly<Record<string, string>>;

/** What a handler returns: the router turns it into JSON on the wire, or streams it (StreamResult). */
export type HandlerResult = JsonResult | StreamResult;

export interface JsonResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: HeaderMap;
}

/**
 * Bytes that stream out (a file download): sent with the same security and rate-limit headers as JSON. The
 * handler names the content type and length; a stream that fails midway ends the connection, so a client never
 * mistakes a cut-off body for a whole one (the declared length does not match).
 */
export interface StreamResult {
  readonly status: number;
  readonly stream: NodeJS.ReadableStream;
  readonly headers: HeaderMap & { readonly 'content-type': string; readonly 'content-length': string };
}

export interface SendOptions {
  /** Headers the transport owns (rate limits, Allow, Retry-After); they win over a handler's. */
  readonly headers?: HeaderMap;
  /** Close after this response: set when the request body was not read to its end, so no stray bytes follow. */
  readonly closeConnection?: boolean;
}

const BODYLESS_STATUSES = new Set([204, 304]);

/**
 * Writes one complete JSON response. The security headers are applied last, so no handler can weaken them, and a
 * response that cannot be written (a header value Node refuses, a body JSON cannot encode) turns into a plain 500
 * rather than an exception escaping the router.
 */
export function sendJson(res: ServerResponse, result: JsonResult, options: SendOptions = {}): void {
  if (res.headersSent || res.writableEnded) return;
  try {
    write(res, result, options);
  } catch {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Drop whatever the handler set; the transport's own headers (rate limits) are known to be writable.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    write(res, { status: 500, body: INTERNAL_ERROR }, options);
  }
}

function write(res: ServerResponse, result: JsonResult, options: SendOptions): void {
  const payload =
    result.body === undefined || BODYLESS_STATUSES.has(result.status)
      ? undefined
      : Buffer.from(JSON.stringify(result.body), 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...result.headers, ...options.headers })) {
    // The security headers are the transport's: a handler's copy of one is dropped, not merged.
    if (!(name.toLowerCase() in SECURITY_HEADERS)) headers[name.toLowerCase()] = value;
  }
  if (payload !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = String(payload.length);
  } else if (!BODYLESS_STATUSES.has(result.status)) {
    headers['content-length'] = '0';
  }
  if (options.closeConnection) headers.connection = 'close';
  applySecurityHeaders(res);
  res.writeHead(result.status, headers);
  res.end(payload);
}

export function sendStream(res: ServerResponse, result: StreamResult, options: SendOptions = {}): void {
  const { stream } = result;
  if (res.headersSent || res.writableEnded) {
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...result.headers, ...options.headers })) {
    if (!(name.toLowerCase() in SECURITY_HEADERS)) headers[name.toLowerCase()] = value;
  }
  if (options.closeConnection) headers.connection = 'close';
  applySecurityHeaders(res);
  res.writeHead(result.status, headers);
  pipeline(stream, res).catch(() => res.destroy());
}

/**
 * A whole HTTP/1.1 error response as bytes, for the one place no ServerResponse exists: a request Node's parser
 * refused (malformed, oversized headers, timed out). Same headers and JSON shape as every other error.
 */
export function rawErrorResponse(status: number, code: string, message: string): string {
  const body = JSON.stringify(errorBody(code, message));
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
