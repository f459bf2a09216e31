import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The random values a session is made of. Ids and secrets are base64url of CSPRNG bytes: 24 bytes for the session
 * id (32 characters, inside the signed-request header's 16-64), 32 bytes for the HMAC secret (43 characters, as
 * shared/rest/endpoints.ts sessionGrantSchema requires), and refresh tokens of the form
 * `{familyId}.{tokenId}.{secret}` (22 + 22 + 43 characters and two dots: 89, inside the contract's 32-200).
 */
export const SESSION_ID_BYTES = 24;
export const SESSION_SECRET_BYTES = 32;
export const REFRESH_ID_BYTES = 16;
export const REFRESH_SECRET_BYTES = 32;

const encodedLength = (bytes: number) => Math.ceil((bytes * 8) / 6);
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

export function generateSessionId(): string {
  return random(SESSION_ID_BYTES);
}

/** The session's HMAC key for signed requests, base64url: sent to the client once, at sign-in. */
export function generateSessionSecret(): string {
  return random(SESSION_SECRET_BYTES);
}

/**
 * Exactly `bytes` bytes of canonical base64url, or null. Node's decoder skips characters it does not know, so
 * strings are checked against the alphabet and re-encoded: one value has one spelling, and junk never decodes.
 */
function decodeExact(encoded: unknown, bytes: number): Buffer | null {
  if (typeof encoded !== 'string' || encoded.length !== encodedLength(bytes)) return null;
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64url');
  return decoded.length === bytes && decoded.toString('base64url') === encoded ? decoded : null;
}

/** The session secret as the key bytes the request verifier needs, or null if it is not 32 canonical bytes. */
export function decodeSessionSecret(encoded: string): Uint8Array | null {
  return decodeExact(encoded, SESSION_SECRET_BYTES);
}

export function isSessionId(value: unknown): value is string {
  return decodeExact(value, SESSION_ID_BYTES) !== null;
}

export interface RefreshTokenParts {
  /** Names the rotation chain, one per session: every refresh token the session ever had shares it. */
  readonly familyId: string;
  /** Names this one token within the family, so a stale token can be recognised as stale. */
  readonly tokenId: string;
  readonly secret: string;
}

export interface IssuedRefreshToken extends RefreshTokenParts {
  /** Given to the client once; never stored. */
  readonly token: string;
  /** What the store keeps. */
  readonly hash: string;
}

export function generateRefreshFamilyId(): string {
  return random(REFRESH_ID_BYTES);
}

/** A fresh token in an existing (or just generated) family. */
export function generateRefreshToken(familyId: string): IssuedRefreshToken {
  if (decodeExact(familyId, REFRESH_ID_BYTES) === null) throw new TypeError('familyId is not a refresh family id');
  const parts = { familyId, tokenId: random(REFRESH_ID_BYTES), secret: random(REFRESH_SECRET_BYTES) };
  const token = `${parts.familyId}.${parts.tokenId}.${parts.secret}`;
  return { ...parts, token, hash: hashToken(token) };
}

const REFRESH_TOKEN_LENGTH = 2 * encodedLength(REFRESH_ID_BYTES) + encodedLength(REFRESH_SECRET_BYTES) + 2;

/** Strict parse: three canonical base64url parts of the exact sizes this module issues, or null. */
export function parseRefreshToken(token: unknown): RefreshTokenParts | null {
  if (typeof token !== 'string' || token.length !== REFRESH_TOKEN_LENGTH) return null;
  const [familyId, tokenId, secret, ...rest] = token.split('.');
  if (rest.length > 0 || familyId === undefined || tokenId === undefined || secret === undefined) return null;
  if (decodeExact(familyId, REFRESH_ID_BYTES) === null || decodeExact(tokenId, REFRESH_ID_BYTES) === null) return null;
  if (decodeExact(secret, REFRESH_SECRET_BYTES) === null) return null;
  return { familyId, tokenId, secret };
}

/**
 * Lowercase hex SHA-256 of the whole token. A plain, unsalted hash is enough here: the token carries 256 random
 * bits, so there is nothing to guess offline and no dictionary to precompute; slow hashing would add only cost.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Does this token hash to the stored value? Constant time in the token's content. */
export function tokenMatchesHash(token: string, storedHashHex: string): boolean {
  if (typeof token !== 'string' || typeof storedHashHex !== 'string' || !/^[0-9a-f]{64}$/.test(storedHashHex)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(hashToken(token), 'hex'), Buffer.from(storedHashHex, 'hex'));
}

/**
 * Constant-time string equality for secrets of any length: both sides are hashed first, so neither the content nor
 * the length of the expected value shows in the time taken.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b)) && a === b;
}
