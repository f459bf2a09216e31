import { hostAndPort, type ServerAddress } from './identifiers';
import type { SessionState } from './session';

/**
 * The renderer's Content-Security-Policy, defined once. No inline or remote script, no eval; media and images only
 * from the app itself and blobs it made; network only to the servers the app is signed in to.
 *
 * Two policies apply to the page, and a request must pass both:
 * - the build writes `rendererCspMeta` into index.html. It is fixed at build time, so its `connect-src` is the
 *   widest the page could ever need (any WSS server); a meta policy can only add restrictions, never lift one.
 * - main sends `rendererCspHeader(servers)` on every app:// response, built from the session at the moment it
 *   serves the document: `connect-src` lists exactly the WSS origins of the signed-in servers ('self' aside),
 *   so a compromised page can reach no other host, and a signed-out page no server at all.
 * A document keeps the policy it was loaded with; when the signed-in servers change, the page reloads to get the
 * new one (renderer/stores/sessionStore.ts), and only then connects.
 *
 * The page makes no https requests of its own (main makes every REST call), so only `wss:` is ever allowed.
 */
export const rendererCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'blob:'],
  'font-src': ["'self'"],
  'media-src': ["'self'", 'blob:', 'mediastream:'],
  'connect-src': ["'self'", 'wss:'],
  'worker-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-src': ["'none'"],
};

/** Directives a <meta> policy cannot carry (browsers ignore them there), sent only as a response header. */
export const headerOnlyCspDirectives: Readonly<Record<string, readonly string[]>> = {
  'frame-ancestors': ["'none'"],
};

export function formatCsp(directives: Readonly<Record<string, readonly string[]>>): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

export const rendererCspMeta = formatCsp(rendererCspDirectives);

/** Servers the page may connect to: those the app is signed in to. */
export type SignedInServers = readonly Pick<ServerAddress, 'host' | 'port'>[];

/** The servers a session may connect to: the signed-in one, or none. */
export function sessionServers(state: SessionState): SignedInServers {
  return state.signedIn ? [state.server] : [];
}

/** A DNS name or IPv4 address with a port: nothing that could end a source or start another directive. */
const HOST_SOURCE = /^[a-z0-9.-]+:[0-9]{1,5}$/;

/**
 * `connect-src` for these servers: 'self' and `wss://host:port` each. Chromium has no CSP syntax for an IPv6
 * literal (it drops `wss://[::1]:8443` as invalid), so a server at one widens the policy to any WSS host (`wss:`),
 * as wide as the meta policy and never wider; a name that resolves to IPv6 keeps the narrow form.
 */
export function connectSources(servers: SignedInServers): string[] {
  const wss = new Set<string>();
  for (const server of servers) {
    const authority = hostAndPort(server).toLowerCase();
    wss.add(HOST_SOURCE.test(authority) ? `wss://${authority}` : 'wss:');
  }
  return ["'self'", ...(wss.has('wss:') ? ['wss:'] : [...wss].sort())];
}

/** The header policy for a document served while the app is signed in to `servers`. */
export function rendererCspHeader(servers: SignedInServers): string {
  return formatCsp({
    ...rendererCspDirectives,
    'connect-src': connectSources(servers),
    ...headerOnlyCspDirectives,
  });
}

/** Whether a document served under session `a` may connect where session `b` needs to: same connect sources. */
export function sameConnectPolicy(a: SessionState, b: SessionState): boolean {
  return connectSources(sessionServers(a)).join(' ') === connectSources(sessionServers(b)).join(' ');
}
