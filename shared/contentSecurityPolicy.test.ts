import { describe, expect, it } from 'vitest';
import {
  connectSources,
  rendererCspDirectives,
  rendererCspHeader,
  rendererCspMeta,
  sameConnectPolicy,
  sessionServers,
} from './contentSecurityPolicy';
import type { SessionState } from './session';

const server = { host: 'voice.example.org', port: 8443 };
const signedIn = (host: string, port: number): SessionState => ({
  signedIn: true,
  server: { host, port },
  user: { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', email: 'ada@example.org', displayName: 'Ada' },
  workspaces: [],
});

/** The value of one directive in a formatted policy. */
const directive = (policy: string, name: string) =>
  policy
    .split('; ')
    .find((part) => part.startsWith(`${name} `))
    ?.slice(name.length + 1);

describe('renderer CSP', () => {
  it('allows no eval, no inline script and no remote script', () => {
    for (const policy of [rendererCspMeta, rendererCspHeader([]), rendererCspHeader([server])]) {
      expect(policy).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval|unsafe-hashes|\*/);
    }
    expect(rendererCspDirectives['script-src']).toEqual(["'self'"]);
    expect(rendererCspDirectives['default-src']).toEqual(["'none'"]);
    expect(rendererCspDirectives['object-src']).toEqual(["'none'"]);
  });

  it('builds the meta policy as the widest the page may ever need: WSS only, no https, no ws', () => {
    expect(directive(rendererCspMeta, 'connect-src')).toBe("'self' wss:");
  });

  it('narrows the header to the signed-in servers, and to nothing but the app when signed out', () => {
    expect(directive(rendererCspHeader([]), 'connect-src')).toBe("'self'");
    expect(directive(rendererCspHeader([server]), 'connect-src')).toBe("'self' wss://voice.example.org:8443");
    expect(connectSources([{ host: 'b.example', port: 1 }, server, { host: 'b.example', port: 1 }])).toEqual([
      "'self'",
      'wss://b.example:1',
      'wss://voice.example.org:8443',
    ]);
    expect(connectSources([{ host: '127.0.0.1', port: 9443 }])).toEqual(["'self'", 'wss://127.0.0.1:9443']);
    // Everything else in the header is the meta policy's.
    for (const name of Object.keys(rendererCspDirectives).filter((key) => key !== 'connect-src')) {
      expect(directive(rendererCspHeader([server]), name)).toBe(directive(rendererCspMeta, name));
    }
  });

  it('widens to any WSS host, never further, for an IPv6 literal CSP cannot name', () => {
    expect(connectSources([{ host: '::1', port: 8443 }, server])).toEqual(["'self'", 'wss:']);
  });

  it('cannot be made to carry another source or directive by a host name', () => {
    const hostile = { host: "evil.example 'unsafe-inline'; script-src *", port: 443 };
    expect(connectSources([hostile])).toEqual(["'self'", 'wss:']);
    expect(rendererCspHeader([hostile])).not.toMatch(/unsafe-inline|script-src \*/);
  });

  it('sends frame-ancestors only as a header (browsers ignore it in <meta>)', () => {
    expect(rendererCspHeader([])).toContain("frame-ancestors 'none'");
    expect(rendererCspMeta).not.toContain('frame-ancestors');
  });

  it('tells whether a session needs another document policy', () => {
    const out: SessionState = { signedIn: false };
    expect(sessionServers(out)).toEqual([]);
    expect(sessionServers(signedIn('a.example', 1))).toEqual([{ host: 'a.example', port: 1 }]);
    expect(sameConnectPolicy(out, out)).toBe(true);
    expect(sameConnectPolicy(out, signedIn('a.example', 1))).toBe(false);
    expect(sameConnectPolicy(signedIn('a.example', 1), signedIn('a.example', 1))).toBe(true);
    expect(sameConnectPolicy(signedIn('a.example', 1), signedIn('a.example', 2))).toBe(false);
    expect(sameConnectPolicy(signedIn('a.example', 1), signedIn('b.example', 1))).toBe(false);
  });
});
