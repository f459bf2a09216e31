import { parseTurnUsername, turnCredentialFor, verifyTurnCredential } from '../auth/turnCredentials';
import type { RefusalReason } from './relayCounters';
import { Attr, ErrorCode, MAX_TEXT_BYTES, MAX_USERNAME_BYTES } from './stun/constants';
import { readText } from './stun/attributes';
import { checkIntegrity, integrityKindOf, longTermKey } from './stun/integrity';
import { getAttribute, type StunMessage } from './stun/message';
import type { NonceIssuer } from './nonces';

/**
 * The long-term credential mechanism (RFC 8489 section 9.2.4) with TURN REST usernames. The relay never receives
 * the password: it derives it as turnCredentialFor(secret, username), the same HMAC coturn's use-auth-secret
 * computes, builds the MD5 key from it, and lets the client's MESSAGE-INTEGRITY prove it knew the same password.
 * The username's own parts (expiry, user, session) are then read by verifyTurnCredential, so a forged username
 * fails at the HMAC and an expired one at the clock.
 */
export interface AuthenticatedRequest {
  readonly username: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly key: Buffer;
  readonly integrity: 'sha1' | 'sha256';
}

export type AuthOutcome =
  | { readonly ok: true; readonly value: AuthenticatedRequest }
  | {
      readonly ok: false;
      readonly code: number;
      /** Null for the first challenge every client gets: that is the protocol, not a refusal. */
      readonly reason: RefusalReason | null;
      /** 401 and 438 carry REALM and a fresh NONCE so the client can (re)try. */
      readonly challenge: boolean;
    };

export interface LongTermAuthOptions {
  readonly realm: string;
  readonly secrets: () => readonly string[];
  readonly nonces: NonceIssuer;
  /** Milliseconds. */
  readonly now: () => number;
}

const refuse = (code: number, reason: RefusalReason | null, challenge: boolean): AuthOutcome => ({
  ok: false,
  code,
  reason,
  challenge,
});

/**
 * `requireUnexpired`: Allocate needs a credential that is still valid; requests on an existing allocation only need
 * the same (integrity-proven) credential, so a call outlives its 10-minute start window as refreshes keep it alive.
 */
export function authenticate(
  message: StunMessage,
  clientKey: string,
  options: LongTermAuthOptions,
  requireUnexpired: boolean,
): AuthOutcome {
  const kind = integrityKindOf(message);
  if (kind === null) return refuse(ErrorCode.unauthorized, null, true);
  const usernameValue = getAttribute(message, Attr.USERNAME);
  const realmValue = getAttribute(message, Attr.REALM);
  const nonceValue = getAttribute(message, Attr.NONCE);
  if (usernameValue === undefined || realmValue === undefined || nonceValue === undefined) {
    return refuse(ErrorCode.badRequest, 'bad_request', false);
  }
  const username = readText(usernameValue, MAX_USERNAME_BYTES);
  const realm = readText(realmValue, MAX_TEXT_BYTES);
  const nonce = readText(nonceValue, MAX_TEXT_BYTES);
  if (username === null || realm === null || nonce === null) return refuse(ErrorCode.badRequest, 'bad_request', false);
  if (options.nonces.check(nonce, clientKey) !== 'valid') return refuse(ErrorCode.staleNonce, 'stale_nonce', true);
  if (realm !== options.realm) return refuse(ErrorCode.unauthorized, 'wrong_realm', true);
  if (parseTurnUsername(username) === null) return refuse(ErrorCode.unauthorized, 'bad_credentials', true);

  const secrets = options.secrets();
  for (const secret of secrets) {
    const password = turnCredentialFor(secret, username);
    const key = longTermKey(username, realm, password);
    if (checkIntegrity(message, key) !== 'ok') continue;
    const verified = verifyTurnCredential({
      secret: secrets,
      username,
      credential: password,
      now: Math.floor(options.now() / 1000),
    });
    if (verified.ok || (verified.reason === 'expired' && !requireUnexpired)) {
      const parsed = parseTurnUsername(username);
      if (parsed === null) break;
      return {
        ok: true,
        value: { username, userId: parsed.userId, sessionId: parsed.sessionId, key, integrity: kind },
      };
    }
    return refuse(
      ErrorCode.unauthorized,
      verified.reason === 'expired' ? 'expired_credentials' : 'bad_credentials',
      true,
    );
  }
  return refuse(ErrorCode.unauthorized, 'bad_credentials', true);
}
