import { describe, expect, it } from 'vitest';
import { rendererCspDirectives, rendererCspHeader, rendererCspMeta } from './contentSecurityPolicy';

describe('renderer CSP', () => {
  it('allows no eval, no inline script and no remote script', () => {
    for (const policy of [rendererCspMeta, rendererCspHeader]) {
      expect(policy).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval|unsafe-hashes|\*/);
    }
    expect(rendererCspDirectives['script-src']).toEqual(["'self'"]);
    expect(rendererCspDirectives['default-src']).toEqual(["'none'"]);
    expect(rendererCspDirectives['object-src']).toEqual(["'none'"]);
  });

  it('lets the page connect only over TLS', () => {
    expect(rendererCspDirectives['connect-src']).toEqual(["'self'", 'https:', 'wss:']);
  });

  it('sends frame-ancestors only as a header (browsers ignore it in <meta>)', () => {
    expect(rendererCspHeader).toContain("frame-ancestors 'none'");
    expect(rendererCspMeta).not.toContain('frame-ancestors');
  });
});
