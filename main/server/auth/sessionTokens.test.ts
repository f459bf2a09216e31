import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sessionGrantSchema } from '../../../shared/rest/endpoints';
import { SIGNED_HEADERS, signedHeadersSchema } from '../../../shared/signedRequest';
import {
  constantTimeEqual,
  decodeSessionSecret,
  generateRefreshFamilyId,
  generateRefreshToken,
  generateSessionId,
  generateSessionSecret,
  hashToken,
  isSessionId,
  parseRefreshToken,
  tokenMatchesHash,
} from './sessionTokens';

const sessionHeaderSchema = signedHeadersSchema.shape[SIGNED_HEADERS.session];

describe('session ids and secrets', () => {
  it('fit the signed-request header and the sign-in grant contract', () => {
    for (let i = 0; i < 200; i += 1) {
      const id = generateSessionId();
      const secret = generateSessionSecret();
      const refresh = generateRefreshToken(generateRefreshFamilyId()).token;
      expect(sessionHeaderSchema.safeParse(id).success).toBe(true);
      expect(
        sessionGrantSchema.safeParse({ id, secret, refreshToken: refresh, idleExpiresAt: 1_767_225_600 }).success,
      ).toBe(true);
      expect(isSessionId(id)).toBe(true);
    }
  });

  it('are unique and of the promised sizes', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateSessionId));
    expect(ids.size).toBe(1000);
    const secret = generateSessionSecret();
    expect(secret).toHaveLength(43);
    expect(decodeSessionSecret(secret)).toHaveLength(32);
  });

  it.each([
    '',
    'A'.repeat(42),
    'A'.repeat(44),
    `${'A'.repeat(42)}B`, // the last character carries bits past the 32nd byte
    `${'A'.repeat(42)}=`,
    `${'A'.repeat(41)}+/`,
    `${'A'.repeat(41)} A`,
  ])('refuses session secret %j', (encoded) => {
    expect(decodeSessionSecret(encoded)).toBeNull();
  });

  it('refuses non-canonical or foreign session ids', () => {
    expect(isSessionId('sess_0123456789abcdef')).toBe(false);
    expect(isSessionId('A'.repeat(33))).toBe(false);
    expect(isSessionId(42)).toBe(false);
  });
});

describe('refresh tokens', () => {
  it('are family.token.secret and parse back to their parts', () => {
    const familyId = generateRefreshFamilyId();
    const issued = generateRefreshToken(familyId);
    expect(issued.token).toBe(`${familyId}.${issued.tokenId}.${issued.secret}`);
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(parseRefreshToken(issued.token)).toEqual({ familyId, tokenId: issued.tokenId, secret: issued.secret });
    expect(issued.hash).toBe(createHash('sha256').update(issued.token).digest('hex'));
    expect(generateRefreshToken(familyId).tokenId).not.toBe(issued.tokenId);
  });

  it('refuses a family id it did not make', () => {
    expect(() => generateRefreshToken('not-a-family')).toThrow(TypeError);
  });

  it('parses strictly', () => {
    const { token, familyId, tokenId, secret } = generateRefreshToken(generateRefreshFamilyId());
    const bad = [
      '',
      `${token}.`,
      `.${token}`,
      `${familyId}.${tokenId}`,
      `${familyId}.${tokenId}.${secret}.x`,
      `${familyId}..${secret}${'A'.repeat(22)}`,
      `${familyId}.${secret}.${tokenId}`,
      token.replace('.', '_'),
      `${familyId}.${tokenId}.${secret.slice(0, -1)}=`,
      `${familyId}.${tokenId}.${secret.slice(0, -1)}+`,
      `${familyId}.${tokenId}.${secret.slice(0, -1)}B`, // non-canonical last character (unused bits set)
      `${familyId.slice(0, -1)}B.${tokenId}.${secret}`,
      `${token.slice(0, -1)}\u0430`, // Cyrillic a
      `${token} `,
      token.repeat(2),
    ];
    for (const candidate of bad) expect(parseRefreshToken(candidate)).toBeNull();
    for (const notString of [null, undefined, 42, {}, [token]]) expect(parseRefreshToken(notString)).toBeNull();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (input) => {
        const parsed = parseRefreshToken(input);
        if (parsed !== null) expect(`${parsed.familyId}.${parsed.tokenId}.${parsed.secret}`).toBe(input);
      }),
    );
  });
});

describe('hashes and comparisons', () => {
  it('matches a token to its stored hash only', () => {
    const issued = generateRefreshToken(generateRefreshFamilyId());
    expect(tokenMatchesHash(issued.token, issued.hash)).toBe(true);
    expect(tokenMatchesHash(issued.token, hashToken(`${issued.token}x`))).toBe(false);
    expect(tokenMatchesHash(`${issued.token}x`, issued.hash)).toBe(false);
    expect(tokenMatchesHash(issued.token, issued.hash.toUpperCase())).toBe(false);
    expect(tokenMatchesHash(issued.token, issued.hash.slice(2))).toBe(false);
    expect(tokenMatchesHash(issued.token, '')).toBe(false);
    expect(tokenMatchesHash(null as unknown as string, issued.hash)).toBe(false);
  });

  it('compares strings of any length without throwing', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
    expect(constantTimeEqual(undefined as unknown as string, undefined as unknown as string)).toBe(false);
  });
});
