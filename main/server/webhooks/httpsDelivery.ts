import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { AttemptResult } from '../store';
import { bareHost, portOf, type ResolvedAddress } from './targetAddress';

export interface DeliveryRequest {
  readonly url: URL;
  /** The address that passed the target check: the socket connects here and nowhere else. */
  readonly address: ResolvedAddress;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The system's CAs plus any extra ones (trustContext); the system's alone when absent. */
  readonly trust?: SecureContext;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  /** Aborting ends the attempt as 'interrupted' (the server is shutting down). */
  readonly signal?: AbortSignal;
}

/**
 * The CAs receivers are checked against: the system's plus extra ones (webhooks.caFile). Built once: parsing the
 * whole root store for every delivery would cost more than the delivery.
 */
export function trustContext(extraCa: string): SecureContext {
  return createSecureContext({ ca: [...rootCertificates, extraCa], minVersion: 'TLSv1.2' });
}

class AttemptTimeout extends Error {
  constructor(readonly phase: 'connect' | 'response') {
    super(`timed out while ${phase === 'connect' ? 'connecting' : 'waiting for the response'}`);
  }
}

/**
 * One POST to a receiver. Redirects are not followed (a 3xx is a failed attempt: following one would reach an
 * address nobody checked), the response body is never read (only the status line is kept), and the TLS
 * certificate must be valid for the URL's host name.
 */
export function postWebhook(input: DeliveryRequest): Promise<AttemptResult> {
  const host = bareHost(input.url);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const { address, family } = input.address;
    // Node asks for every address (all: true) when it may race IPv4 and IPv6; either way it gets only this one.
    if ((options as { all?: boolean }).all === true) {
      (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
  return new Promise((resolve) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      input.signal?.removeEventListener('abort', onAbort);
      outgoing.destroy();
      resolve(result);
    };
    const outgoing = request({
      hostname: host,
      port: portOf(input.url),
      path: `${input.url.pathname}${input.url.search}`,
      method: 'POST',
      headers: { ...input.headers, 'content-length': String(Buffer.byteLength(input.body, 'utf8')) },
      agent: false,
      lookup: pinned,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(input.trust === undefined ? {} : { secureContext: input.trust }),
      minVersion: 'TLSv1.2',
    });
    const onAbort = () =>
      finish({ outcome: 'interrupted', statusCode: null, error: 'the server stopped during the attempt' });
    if (input.signal?.aborted) {
      queueMicrotask(onAbort);
    } else {
      input.signal?.addEventListener('abort', onAbort, { once: true });
    }
    timers.push(setTimeout(() => outgoing.destroy(new AttemptTimeout('connect')), input.connectTimeoutMs));
    outgoing.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        clearTimeout(timers[0]);
        timers.push(setTimeout(() => outgoing.destroy(new AttemptTimeout('response')), input.responseTimeoutMs));
      });
    });
    outgoing.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      // The body is not wanted: answers must not end up stored, and a slow or endless body must not hold a slot.
      response.destroy();
      finish(
        statusCode >= 200 && statusCode < 300
          ? { outcome: 'succeeded', statusCode, error: null }
          : {
              outcome: 'http_error',
              statusCode,
              error: statusCode >= 300 && statusCode < 400 ? 'redirects are not followed' : null,
            },
      );
    });
    outgoing.on('error', (error) => {
      if (error instanceof AttemptTimeout) {
        finish({ outcome: 'timeout', statusCode: null, error: error.message });
      } else {
        finish({ outcome: 'network_error', statusCode: null, error: describeError(error) });
      }
    });
    outgoing.end(input.body);
  });
}

/** A short, fixed description from the error code: never the error text, which may quote what the peer sent. */
function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset by the receiver';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'receiver unreachable';
  if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/.test(code)) return `TLS certificate not accepted (${code})`;
  if (/^ERR_SSL|^ERR_TLS|EPROTO/.test(code)) return `TLS handshake failed (${code})`;
  return /^[A-Z0-9_]{1,40}$/.test(code) ? `network error (${code})` : 'network error';
}
