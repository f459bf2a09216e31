import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative } from 'node:path';
import {
  connectSources,
  formatCsp,
  headerOnlyCspDirectives,
  rendererCspDirectives,
  type SignedInServers,
} from '../../shared/contentSecurityPolicy';
import { APP_HOST, APP_SCHEME } from './appOrigin';

/**
 * Serving app://whoot/<path> from the built renderer directory. The request URL comes from the renderer, which we
 * treat as potentially compromised: it must never read a file outside that directory, whatever encoding, dot
 * segments, separators or hosts it tries. Chromium already canonicalises standard-scheme URLs before the handler
 * sees them; the raw-string checks below are a second line that does not depend on that.
 */

const MAX_URL_LENGTH = 2048;

export type AppPathResolution =
  | { readonly ok: true; readonly filePath: string; readonly relativePath: string }
  | { readonly ok: false; readonly status: 400 | 404 };

const badRequest: AppPathResolution = { ok: false, status: 400 };
const notFound: AppPathResolution = { ok: false, status: 404 };

/** Encoded dots, slashes, backslashes or NUL, raw backslashes and NUL: never in a URL the app makes. */
const SUSPICIOUS_RAW = /%(?:2e|2f|5c|00)|[\\\0]/i;
/** A `.` or `..` segment in the raw URL, before any parser normalises it away. */
const RAW_DOT_SEGMENT = /\/\.{1,2}(?:[/?#]|$)/;
/**
 * In the decoded path: control characters, backslashes, colons (drive letters, NTFS streams) and `%` (left over
 * from double encoding; Vite never emits it in a file name).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_DECODED = /[\u0000-\u001f\u007f\\:%]/;

/**
 * Maps an app:// URL to a file path under `rendererDir`, or to the status to answer with: 400 for malformed or
 * traversal attempts, 404 for another scheme or host. `/` is index.html; query and fragment are ignored.
 * Existence is not checked here (see loadAppAsset).
 */
export function resolveAppAssetPath(requestUrl: string, rendererDir: string): AppPathResolution {
  if (typeof requestUrl !== 'string' || requestUrl.length > MAX_URL_LENGTH) return badRequest;
  if (SUSPICIOUS_RAW.test(requestUrl) || RAW_DOT_SEGMENT.test(requestUrl)) return badRequest;
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return badRequest;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return notFound;
  if (url.username !== '' || url.password !== '') return badRequest;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname === '' ? '/' : url.pathname);
  } catch {
    return badRequest;
  }
  if (FORBIDDEN_DECODED.test(decoded) || !decoded.startsWith('/')) return badRequest;
  const relativePath = decoded === '/' ? 'index.html' : decoded.slice(1);
  const segments = relativePath.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return badRequest;
  const filePath = join(rendererDir, ...segments);
  if (!isInside(rendererDir, filePath)) return badRequest;
  return { ok: true, filePath, relativePath: segments.join('/') };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.weba': 'audio/webm',
  '.wasm': 'application/wasm',
};

/**
 * The Content-Type for a file, by extension. With nosniff, a wrong type makes Chromium refuse a script or style, so
 * anything unknown is served as an opaque download type rather than guessed.
 */
export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Headers on every app:// response: the renderer CSP `csp` (header form, which adds frame-ancestors that a <meta>
 * cannot carry, and narrows connect-src to the signed-in servers: shared/contentSecurityPolicy.ts), nosniff so the
 * declared type is binding, and isolation headers so no other origin can embed or open the app's documents and
 * resources.
 */
export function appResponseHeaders(contentType: string, csp: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The CSP main adds to the Vite dev server's responses under `npm run dev`. It is the production policy for the
 * signed-in `servers` plus what Vite's dev client needs: the inline React Refresh preamble and injected <style>
 * tags ('unsafe-inline'), and the HMR WebSocket. Never used for app://, so packaged builds keep the strict policy.
 */
export function rendererDevCspHeader(devServerOrigin: string, servers: SignedInServers): string {
  const hmrSocket = devServerOrigin.replace(/^http/, 'ws');
  const extend = (name: string, ...sources: string[]) => [...(rendererCspDirectives[name] ?? []), ...sources];
  return formatCsp({
    ...rendererCspDirectives,
    'script-src': extend('script-src', "'unsafe-inline'"),
    'style-src': extend('style-src', "'unsafe-inline'"),
    'connect-src': [...connectSources(servers), hmrSocket],
    ...headerOnlyCspDirectives,
  });
}

export interface AppAssetResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** null for HEAD and for error responses without a body. */
  readonly body: Uint8Array | null;
}

/**
 * Answers an app:// request from `rendererDir`: GET/HEAD only, the path resolved by resolveAppAssetPath, and the
 * real path (after symlinks) required to stay under the real renderer directory. Anything missing, a directory or
 * outside is a 404 with the same headers, so a probe learns nothing about the file system. `csp` is the policy
 * for the session as it is now (rendererCspHeader), so each document gets the one it should.
 */
export async function loadAppAsset(
  request: { readonly url: string; readonly method: string },
  rendererDir: string,
  csp: string,
): Promise<AppAssetResponse> {
  const errorResponse = (status: number, extraHeaders: Record<string, string> = {}): AppAssetResponse => ({
    status,
    headers: { ...appResponseHeaders('text/plain; charset=utf-8', csp), ...extraHeaders },
    body: new TextEncoder().encode(`${status} ${STATUS_TEXT[status] ?? 'Error'}\n`),
  });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return errorResponse(405, { Allow: 'GET, HEAD' });
  }
  const resolved = resolveAppAssetPath(request.url, rendererDir);
  if (!resolved.ok) return errorResponse(resolved.status);
  let realFile: string;
  try {
    const realRoot = await realpath(rendererDir);
    realFile = await realpath(resolved.filePath);
    if (!isInside(realRoot, realFile) || !(await stat(realFile)).isFile()) return errorResponse(404);
  } catch {
    return errorResponse(404);
  }
  const headers = appResponseHeaders(contentTypeFor(realFile), csp);
  if (request.method === 'HEAD') return { status: 200, headers, body: null };
  return { status: 200, headers, body: new Uint8Array(await readFile(realFile)) };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
};

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
