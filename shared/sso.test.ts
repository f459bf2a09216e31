import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ssoChallengeOf, ssoIssuerSchema, ssoStartQuerySchema, ssoStartUrl } from './sso';

describe('single sign-on contract', () => {
  it('computes the S256 challenge exactly as PKCE does (RFC 7636 appendix B, and random verifiers)', async () => {
    expect(await ssoChallengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    for (let i = 0; i < 50; i++) {
      const verifier = randomBytes(32).toString('base64url');
      expect(await ssoChallengeOf(verifier)).toBe(createHash('sha256').update(verifier).digest('base64url'));
    }
  });

  it('accepts https issuers only, without query, fragment or credentials', () => {
    expect(ssoIssuerSchema.safeParse('https://id.example.com').success).toBe(true);
    expect(ssoIssuerSchema.safeParse('https://id.example.com/realms/acme').success).toBe(true);
    for (const bad of [
      'http://id.example.com',
      'https://id.example.com?x=1',
      'https://id.example.com#f',
      'https://user:pw@id.example.com',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(ssoIssuerSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('builds a start URL its own parser accepts, and refuses ports below 1024 or extra fields', () => {
    const url = new URL(
      ssoStartUrl({ host: '::1', port: 8443 }, { workspace: 'acme', challenge: 'c'.repeat(43), port: 50123 }),
    );
    expect(url.host).toBe('[::1]:8443');
    expect(ssoStartQuerySchema.parse(Object.fromEntries(url.searchParams))).toEqual({
      workspace: 'acme',
      challenge: 'c'.repeat(43),
      port: 50123,
    });
    const base = { workspace: 'acme', challenge: 'c'.repeat(43) };
    expect(ssoStartQuerySchema.safeParse({ ...base, port: '80' }).success).toBe(false);
    expect(ssoStartQuerySchema.safeParse({ ...base, port: '050123' }).success).toBe(false);
    expect(ssoStartQuerySchema.safeParse({ ...base, port: '50123', next: 'https://x' }).success).toBe(false);
  });
});
