import type { ServerResponse } from 'node:http';

/**
 * Sent on every response, errors and 404s included. The API serves JSON only, so the page-oriented headers
 * (CSP, frame options) cost nothing and make a response useless to a browser that was tricked into loading it
 * (`sandbox` too: a downloaded file opened in a browser runs no script and gets an opaque origin);
 * no-store because responses carry session grants and workspace data that must not sit in any cache.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
});

/** Headers that would tell a scanner what software and version answers; Node sends neither, this keeps it so. */
const BANNER_HEADERS = ['server', 'x-powered-by'];

export function applySecurityHeaders(res: ServerResponse): void {
  for (const name of BANNER_HEADERS) res.removeHeader(name);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}
