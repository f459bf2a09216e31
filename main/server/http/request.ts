import type { IncomingMessage } from 'node:http';
import { fail, ok, type Result } from '../../../shared/result';
import { HttpError } from './httpError';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const MAX_PATH_LENGTH = 2048;

/** RFC 3986 path characters (pchar and "/"), percent escapes included; anything else is refused before decoding. */
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]+$/;
const PERCENT_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
/**
 * What a decoded segment may never hold: a slash or backslash (an encoded separator would smuggle a second segment
 * past the router), a percent sign (double encoding, decoded a second time somewhere downstream), or a control.
 */
const FORBIDDEN_DECODED = /[/\\%\p{Cc}]/u;

/**
 * Splits a request target into path segments, each percent-decoded exactly once. Dot segments and encoded tricks
 * (%2e%2e, %2f, %5c, %00, %252e) are refused outright instead of normalised: the router matches literal segments,
 * so there is nothing a traversal could reach, but a request that tries one is not a client of ours.
 * The REST contract has no query parameters, and a query would not be covered by the request signature, so one is
 * refused rather than silently ignored.
 */
export function parseRequestTarget(target: string | undefined): Result<readonly string[]> {
  if (target === undefined || !target.startsWith('/')) {
    return fail('bad_path', 'The request target must be an absolute path.');
  }
  if (target.length > MAX_PATH_LENGTH) return fail('bad_path', 'The request path is too long.');
  if (target.includes('?')) return fail('unexpected_query', 'This API takes no query parameters.');
  if (!PATH_CHARACTERS.test(target) || PERCENT_ESCAPE.test(target)) {
    return fail('bad_path', 'The request path contains characters that are not allowed.');
  }
  const segments: string[] = [];
  for (const raw of target.slice(1).split('/')) {
    let segment = raw;
    if (raw.includes('%')) {
      try {
        segment = decodeURIComponent(raw);
      } catch {
        return fail('bad_path', 'The request path is not valid UTF-8.');
      }
      if (FORBIDDEN_DECODED.test(segment)) return fail('bad_path', 'The request path contains encoded separators.');
    }
    if (segment === '.' || segment === '..') return fail('bad_path', 'The request path contains dot segments.');
    segments.push(segment);
  }
  return ok(segments);
}

/** True when the request carries a body at all (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** application/json, optionally with charset=utf-8; JSON has no other encoding worth accepting. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type = '', ...parameters] = header.split(';');
  if (type.trim().toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') return true;
    return value.trim().replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

/** Refuses a body the router cannot read as plain JSON, before a byte of it is read. */
export function checkBodyHeaders(req: IncomingMessage): void {
  if (!hasBody(req)) return;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, 'unsupported_media_type', 'Request bodies must not be compressed.');
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    throw new HttpError(415, 'unsupported_media_type', 'Request bodies must be sent as application/json.');
  }
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'payload_too_large', `The request body must not be larger than ${limit} bytes.`);

/** Refuses a declared Content-Length above the limit: before 100 Continue invites the body, and before reading. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
}

/**
 * Reads the body as it streams in and gives up the moment it passes `limit`: a declared Content-Length above the
 * limit is refused before reading anything, and a chunked body is refused at the first chunk past it, so an
 * oversized upload never sits in memory. The caller answers and closes the connection; the rest is never read.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    checkDeclaredLength(req, limit);
  } catch (error) {
    return Promise.reject(error as HttpError);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: () => void) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onBroken);
      req.off('close', onBroken);
      outcome();
    };
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(() => reject(tooLarge(limit)));
        return;
      }
      chunks.push(chunk);
    }
    function onEnd(): void {
      finish(() => resolve(Buffer.concat(chunks, size)));
    }
    function onBroken(): void {
      finish(() => reject(new HttpError(400, 'bad_request', 'The request body could not be read.')));
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onBroken);
    req.on('close', onBroken);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as JSON; an empty body is an empty object, so body-less calls validate against strict empty schemas. */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(utf8.decode(raw)) as unknown;
  } catch {
    throw new HttpError(400, 'malformed_json', 'The request body is not valid JSON.');
  }
}
