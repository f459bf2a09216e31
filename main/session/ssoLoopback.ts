import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSO_LOOPBACK_PATH, ssoLoopbackQuerySchema, type SsoFailure } from '../../shared/sso';

export type LoopbackResult = { readonly code: string } | { readonly error: SsoFailure };

export interface LoopbackListener {
  readonly port: number;
  /** The first well-formed redirect to SSO_LOOPBACK_PATH; rejects when `timeoutMs` passes or `close()` is called. */
  readonly result: Promise<LoopbackResult>;
  close(): void;
}

const PAGE = (heading: string, text: string) =>
  Buffer.from(
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>whoot</title><h1>${heading}</h1><p>${text}</p></html>`,
    'utf8',
  );

/**
 * The app's end of the browser trip (RFC 8252 §7.3): an HTTP listener on 127.0.0.1 and a port the OS picks, for one
 * sign-in. The first request to SSO_LOOPBACK_PATH whose query is a login code or a known failure settles it, and
 * the listener closes; anything else (other paths, other queries, other methods) gets 404 and changes nothing.
 * Another program on this machine can reach the port, but a code it sends is bound to someone else's verifier and
 * the server refuses it; a code for this sign-in is useless to it without the verifier, which never leaves main.
 */
export async function openSsoLoopback(options: { readonly timeoutMs: number }): Promise<LoopbackListener> {
  let settle: (result: LoopbackResult) => void = () => undefined;
  let abort: (error: Error) => void = () => undefined;
  const result = new Promise<LoopbackResult>((resolve, reject) => {
    settle = resolve;
    abort = reject;
  });
  const server: Server = createServer((req, res) => {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(target.searchParams);
    const parsed = ssoLoopbackQuerySchema.safeParse(query);
    const unique = new Set(target.searchParams.keys()).size === [...target.searchParams.keys()].length;
    if (req.method !== 'GET' || target.pathname !== SSO_LOOPBACK_PATH || !parsed.success || !unique) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('Not found.');
      return;
    }
    const signedIn = 'code' in parsed.data;
    const page = signedIn
      ? PAGE('You are signed in', 'You can close this tab and go back to whoot.')
      : PAGE('You were not signed in', 'Go back to whoot to see why.');
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(page.length),
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'",
      connection: 'close',
    });
    res.end(page);
    settle(parsed.data);
    close();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const timer = setTimeout(() => {
    abort(new Error('timeout'));
    close();
  }, options.timeoutMs);
  timer.unref();
  function close() {
    clearTimeout(timer);
    abort(new Error('closed'));
    server.close();
    server.closeAllConnections();
  }
  return { port: (server.address() as AddressInfo).port, result, close };
}
