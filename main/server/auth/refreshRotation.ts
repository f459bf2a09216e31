import { randomIdSchema } from '../../../shared/identifiers';
import { generateRefreshFamilyId, generateRefreshToken, parseRefreshToken, tokenMatchesHash } from './sessionTokens';

type Awaitable<T> = T | Promise<T>;

/** One rotation chain: a session's refresh tokens, of which only the newest (current) one is accepted. */
export interface RefreshFamily {
  readonly familyId: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly currentTokenId: string;
  /** SHA-256 hex of the current token; the token itself is never stored. */
  readonly currentTokenHash: string;
  /** Unix seconds: the family ends if it is not refreshed by then. Moves forward with each rotation. */
  readonly idleExpiresAt: number;
  /** Unix seconds: the family ends then however often it is refreshed. */
  readonly absoluteExpiresAt: number;
  readonly revoked: boolean;
}

export interface RotationStep {
  readonly tokenId: string;
  readonly tokenHash: string;
  readonly idleExpiresAt: number;
}

/**
 * The store behind rotation: in-process or SQLite now, shared (Redis, PostgreSQL) when several nodes serve one team,
 * so a token replayed to a second node is caught there too.
 */
export interface RefreshFamilyRepository {
  createFamily(family: RefreshFamily): Awaitable<void>;
  findFamily(familyId: string): Awaitable<RefreshFamily | null>;
  /** The hash of a token this family had before it was rotated away, or null if the family never issued that id. */
  findUsedTokenHash(familyId: string, tokenId: string): Awaitable<string | null>;
  /**
   * One atomic step (a transaction or compare-and-set), only if the family is not revoked and its current token is
   * still `expectedTokenId`: keep the current token's id and hash as used, make `next` current and take its idle
   * expiry. False, changing nothing, if either condition failed. One call rather than "mark used" plus "replace":
   * a crash between two calls would leave the old token neither current nor used (a silent sign-out) or the new
   * one stored beside a still-current old one (two live tokens).
   */
  rotate(familyId: string, expectedTokenId: string, next: RotationStep): Awaitable<boolean>;
  /** Marks the family revoked; idempotent. Used-token records stay until the family is deleted. */
  revokeFamily(familyId: string): Awaitable<void>;
}

export interface RefreshRotationOptions {
  readonly repository: RefreshFamilyRepository;
  /** Unix seconds. */
  readonly now?: () => number;
  readonly idleTtlSeconds?: number;
  readonly absoluteTtlSeconds?: number;
}

export const DEFAULT_REFRESH_IDLE_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_REFRESH_ABSOLUTE_TTL_SECONDS = 90 * 24 * 3600;

export interface IssuedRefreshFamily {
  /** For the client's keychain; shown once. */
  readonly refreshToken: string;
  readonly familyId: string;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
}

export type RefreshRefusal = 'malformed' | 'unknown_family' | 'revoked' | 'expired' | 'invalid_token';

export type RefreshResult =
  | {
      readonly ok: true;
      readonly refreshToken: string;
      readonly familyId: string;
      readonly sessionId: string;
      readonly userId: string;
      readonly idleExpiresAt: number;
      readonly absoluteExpiresAt: number;
    }
  | { readonly ok: false; readonly reason: RefreshRefusal }
  | {
      /**
       * A token that was already exchanged came back: either the client or a thief holds a stolen copy, and the
       * server cannot tell which. The family is revoked; the caller must also end `sessionId` (its signing secret
       * and relay allocations) and should tell the user.
       */
      readonly ok: false;
      readonly reason: 'reuse_detected';
      readonly familyId: string;
      readonly sessionId: string;
      readonly userId: string;
    };

const sessionIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

function positiveSeconds(value: number | undefined, fallback: number, name: string): number {
  const seconds = value ?? fallback;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new RangeError(`${name} must be a positive integer`);
  return seconds;
}

/**
 * Refresh-token rotation with reuse detection (OAuth 2.0 Security BCP, section 4.14.2): each refresh exchanges the
 * current token for a new one; presenting a token that was already exchanged revokes the whole family, so a stolen
 * token is useful at most until its owner next refreshes, and using it then also logs the thief out.
 */
export function createRefreshRotation(options: RefreshRotationOptions) {
  const { repository } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const idleTtl = positiveSeconds(options.idleTtlSeconds, DEFAULT_REFRESH_IDLE_TTL_SECONDS, 'idleTtlSeconds');
  const absoluteTtl = positiveSeconds(options.absoluteTtlSeconds, DEFAULT_REFRESH_ABSOLUTE_TTL_SECONDS, 'absoluteTtl');

  async function issue(owner: { readonly sessionId: string; readonly userId: string }): Promise<IssuedRefreshFamily> {
    if (!sessionIdPattern.test(owner.sessionId) || !randomIdSchema.safeParse(owner.userId).success) {
      throw new TypeError('a refresh family needs a session id and a user id');
    }
    const issuedAt = now();
    const familyId = generateRefreshFamilyId();
    const token = generateRefreshToken(familyId);
    const absoluteExpiresAt = issuedAt + absoluteTtl;
    const idleExpiresAt = Math.min(issuedAt + idleTtl, absoluteExpiresAt);
    await repository.createFamily({
      familyId,
      sessionId: owner.sessionId,
      userId: owner.userId,
      currentTokenId: token.tokenId,
      currentTokenHash: token.hash,
      idleExpiresAt,
      absoluteExpiresAt,
      revoked: false,
    });
    return { refreshToken: token.token, familyId, idleExpiresAt, absoluteExpiresAt };
  }

  async function reuseDetected(family: RefreshFamily): Promise<RefreshResult> {
    await repository.revokeFamily(family.familyId);
    return {
      ok: false,
      reason: 'reuse_detected',
      familyId: family.familyId,
      sessionId: family.sessionId,
      userId: family.userId,
    };
  }

  async function refresh(presented: unknown): Promise<RefreshResult> {
    const parts = parseRefreshToken(presented);
    if (parts === null) return refuse('malformed');
    const token = presented as string;
    const family = await repository.findFamily(parts.familyId);
    if (family === null) return refuse('unknown_family');
    if (family.revoked) return refuse('revoked');
    const at = now();
    if (at >= family.idleExpiresAt || at >= family.absoluteExpiresAt) return refuse('expired');

    if (parts.tokenId !== family.currentTokenId) {
      // Only a token this family really issued counts as reuse; a guessed one must not let anyone who learned a
      // family id end other people's sessions.
      const usedHash = await repository.findUsedTokenHash(parts.familyId, parts.tokenId);
      if (usedHash !== null && tokenMatchesHash(token, usedHash)) return reuseDetected(family);
      return refuse('invalid_token');
    }
    if (!tokenMatchesHash(token, family.currentTokenHash)) return refuse('invalid_token');

    const next = generateRefreshToken(family.familyId);
    const idleExpiresAt = Math.min(at + idleTtl, family.absoluteExpiresAt);
    const rotated = await repository.rotate(family.familyId, family.currentTokenId, {
      tokenId: next.tokenId,
      tokenHash: next.hash,
      idleExpiresAt,
    });
    if (!rotated) {
      // Someone exchanged this same token between our read and our write: two holders of one token is reuse.
      const latest = await repository.findFamily(family.familyId);
      if (latest === null) return refuse('unknown_family');
      if (latest.revoked) return refuse('revoked');
      return reuseDetected(latest);
    }
    return {
      ok: true,
      refreshToken: next.token,
      familyId: family.familyId,
      sessionId: family.sessionId,
      userId: family.userId,
      idleExpiresAt,
      absoluteExpiresAt: family.absoluteExpiresAt,
    };
  }

  return { issue, refresh };
}

const refuse = (reason: RefreshRefusal): RefreshResult => ({ ok: false, reason });
