import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSO_CALLBACK_PATH, SSO_START_PATH, ssoStartQuerySchema } from '../../../shared/sso';
import { clientRateKey } from '../http/clientAddress';
import { applySecurityHeaders } from '../http/securityHeaders';
import type { RateLimiter } from '../http/rateLimiter';
import type { BrowserAnswer, SsoFlow } from './ssoFlow';

const MAX_TARGET_LENGTH = 4096;

/**
 * The two pages a browser visits on the server during single sign-on. They are not JSON endpoints (they answer
 * with redirects and carry query strings, which the REST router refuses), so they get their own small handler in
 * front of the router, with the same security headers and a per-address bucket of the `auth` class.
 */
export function ssoBrowserRoutes(options: {
  readonly flow: SsoFlow;
  readonly limiter: RateLimiter;
  readonly now: () => number;
}) {
  /** True when the request was one of these pages (and has been answered). */
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const target = req.url ?? '';
    const path = target.split('?', 1)[0];
    if (path !== SSO_START_PATH && path !== SSO_CALLBACK_PATH) return false;
    if (req.method !== 'GET') {
      send(
        res,
        { kind: 'page', status: 405, title: 'Not allowed', message: 'Use the link the whoot app opened.' },
        { allow: 'GET' },
      );
      return true;
    }
    const decision = await options.limiter.take(`ssoip:${clientRateKey(req.socket.remoteAddress)}`, 1, options.now());
    if (!decision.allowed) {
      send(
        res,
        {
          kind: 'page',
          status: 429,
          title: 'Too many attempts',
          message: 'Wait a little, then start again from the app.',
        },
        { 'retry-after': String(decision.retryAfterSeconds ?? 1) },
      );
      return true;
    }
    if (target.length > MAX_TARGET_LENGTH) {
      send(res, { kind: 'page', status: 414, title: 'Link too long', message: 'Start again from the whoot app.' });
      return true;
    }
    const query = new URLSearchParams(target.slice(path.length + 1));
    if (path === SSO_START_PATH) {
      const entries = [...query.keys()];
      const parsed = ssoStartQuerySchema.safeParse(Object.fromEntries(query));
      if (!parsed.success || new Set(entries).size !== entries.length) {
        send(res, {
          kind: 'page',
          status: 400,
          title: 'This sign-in link is not valid',
          message: 'Start again from the whoot app.',
        });
        return true;
      }
      send(res, await options.flow.start(parsed.data));
      return true;
    }
    send(res, await options.flow.callback(query));
    return true;
  };
}

function send(res: ServerResponse, answer: BrowserAnswer, extra: Record<string, string> = {}): void {
  applySecurityHeaders(res);
  if (answer.kind === 'redirect') {
    res.writeHead(303, { location: answer.location, 'content-length': '0', ...extra });
    res.end();
    return;
  }
  // Text only, escaped: the page runs nothing and loads nothing (the security headers' CSP is default-src 'none').
  const body = Buffer.from(
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(answer.title)}</title>` +
      `<h1>${escape(answer.title)}</h1><p>${escape(answer.message)}</p></html>`,
    'utf8',
  );
  res.writeHead(answer.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(body.length),
    ...extra,
  });
  res.end(body);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? '');
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
