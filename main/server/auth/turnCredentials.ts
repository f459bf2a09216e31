import { createHmac, timingSafeEqual } from 'node:crypto';
import { hostSchema, portSchema, randomIdSchema } from '../../../shared/identifiers';
import { fail, ok, type Result } from '../../../shared/result';
import { iceServerSchema, type IceServer } from '../../../shared/rest/endpoints';

/**
 * TURN REST API credentials, as coturn's `use-auth-secret` checks them, so a coturn fleet configured with the same
 * secret accepts what this server mints:
 *   username   = "{expiry unix seconds}:{userId}:{sessionId}"
 *   credential = base64(HMAC-SHA1(secret, username))
 * The secret is text because coturn reads `static-auth-secret` as a C string and keys the HMAC with its bytes; raw
 * random bytes could hold a NUL or a byte no config file can carry. relaySecretText() is the one conversion.
 */
export const DEFAULT_TURN_TTL_SECONDS = 600;
/** A relay credential outliving a day is a credential nobody revokes. */
export const MAX_TURN_TTL_SECONDS = 24 * 3600;

const secretPattern = /^[\x21-\x7e]{32,256}$/;
const sessionIdPattern = /^[A-Za-z0-9_-]{16,64}$/;
const expiryPattern = /^[1-9][0-9]{0,11}$/;
const credentialPattern = /^[A-Za-z0-9+/]{27}=$/;
/** 12 digits, a 36-character UUID, a 64-character session id and two colons. */
const MAX_USERNAME_LENGTH = 12 + 1 + 36 + 1 + 64;

/** The relay secret as coturn and this module use it: base64url of the stored random bytes. */
export function relaySecretText(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array) || bytes.length < 24)
    throw new TypeError('the relay secret needs 24+ random bytes');
  return Buffer.from(bytes).toString('base64url');
}

function checkSecret(secret: unknown): asserts secret is string {
  // A bad secret is a configuration mistake, never client input: failing loudly beats refusing every call quietly.
  if (typeof secret !== 'string' || !secretPattern.test(secret)) {
    throw new TypeError('the relay secret must be 32-256 printable ASCII characters without spaces');
  }
}

/** base64(HMAC-SHA1(secret, username)): the TURN password a client sends, and the relay's input to its RFC 5389 key. */
export function turnCredentialFor(secret: string, username: string): string {
  checkSecret(secret);
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}

export interface TurnCredentials {
  readonly username: string;
  readonly credential: string;
  /** Unix seconds; the credential is accepted up to and including this second (coturn's rule). */
  readonly expiresAt: number;
  readonly ttlSeconds: number;
}

export interface MintTurnCredentialsInput {
  readonly secret: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Default 600: long enough to start an allocation; refreshes keep a running allocation alive. */
  readonly ttlSeconds?: number;
  /** Unix seconds. */
  readonly now: number;
}

export function mintTurnCredentials(input: MintTurnCredentialsInput): Result<TurnCredentials> {
  checkSecret(input.secret);
  const ttlSeconds = input.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS;
  if (!randomIdSchema.safeParse(input.userId).success) return fail('invalid_input', 'userId must be a random UUID.');
  if (typeof input.sessionId !== 'string' || !sessionIdPattern.test(input.sessionId)) {
    return fail('invalid_input', 'sessionId must be a session id.');
  }
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TURN_TTL_SECONDS) {
    return fail('invalid_input', `ttlSeconds must be 1 to ${MAX_TURN_TTL_SECONDS}.`);
  }
  if (!Number.isFinite(input.now) || input.now < 0) return fail('invalid_input', 'now must be Unix seconds.');
  const expiresAt = Math.floor(input.now) + ttlSeconds;
  const username = `${expiresAt}:${input.userId}:${input.sessionId}`;
  return ok({ username, credential: turnCredentialFor(input.secret, username), expiresAt, ttlSeconds });
}

export interface TurnUsername {
  readonly expiresAt: number;
  readonly userId: string;
  readonly sessionId: string;
}

/** The parts of a username this server mints, or null for anything else: no extra colons, no padding, no oversize. */
export function parseTurnUsername(username: unknown): TurnUsername | null {
  if (typeof username !== 'string' || username.length > MAX_USERNAME_LENGTH) return null;
  const parts = username.split(':');
  if (parts.length !== 3) return null;
  const [expiry, userId, sessionId] = parts as [string, string, string];
  if (!expiryPattern.test(expiry) || !randomIdSchema.safeParse(userId).success) return null;
  if (!sessionIdPattern.test(sessionId)) return null;
  return { expiresAt: Number(expiry), userId, sessionId };
}

export type TurnVerification =
  | { readonly ok: true; readonly userId: string; readonly sessionId: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: 'expired' | 'malformed' | 'bad_credential' };

export interface VerifyTurnCredentialInput {
  /** The current secret, or several while a rotation is under way (newest first), as coturn allows. */
  readonly secret: string | readonly string[];
  readonly username: string;
  readonly credential: string;
  /** Unix seconds. */
  readonly now: number;
}

/**
 * Checks a username and credential pair. The signature is checked before the expiry, so `expired` is only ever said
 * of a credential this server really minted: a clock problem worth telling apart from a forgery in the logs.
 */
export function verifyTurnCredential(input: VerifyTurnCredentialInput): TurnVerification {
  const secrets: readonly string[] = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (!Array.isArray(secrets) || secrets.length === 0 || secrets.length > 4) {
    throw new TypeError('verifyTurnCredential needs one to four relay secrets');
  }
  for (const secret of secrets) checkSecret(secret);
  const parsed = parseTurnUsername(input.username);
  if (parsed === null || typeof input.credential !== 'string' || !credentialPattern.test(input.credential)) {
    return { ok: false, reason: 'malformed' };
  }
  if (!Number.isFinite(input.now)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(input.credential, 'base64');
  // coturn compares the password text, so a second spelling of the same bytes must fail here too.
  if (given.toString('base64') !== input.credential) return { ok: false, reason: 'malformed' };
  let matched = false;
  // Every secret is tried, matched or not, so the time taken does not say which one (if any) signed it.
  for (const secret of secrets) {
    const expected = createHmac('sha1', secret).update(input.username, 'utf8').digest();
    if (timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) return { ok: false, reason: 'bad_credential' };
  if (input.now > parsed.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, ...parsed };
}

export interface IceServersInput {
  /** A DNS name or IP literal (IPv6 without brackets): validated here, bracketed here. */
  readonly host: string;
  /** The relay's listening ports; leave one out to not offer that transport. */
  readonly ports: { readonly udp?: number; readonly tcp?: number; readonly tls?: number };
  readonly credentials: Pick<TurnCredentials, 'username' | 'credential'>;
}

/**
 * The RTCIceServer entry for the renderer: `turn:` over UDP and TCP and `turns:` over TLS (RFC 7065 URIs), each
 * assembled from a validated host and validated ports only, and checked against the REST contract before use.
 */
export function iceServersFor(input: IceServersInput): Result<IceServer> {
  const host = hostSchema.safeParse(input.host);
  if (!host.success) return fail('invalid_input', 'host must be a host name or an IP address.');
  const authority = host.data.includes(':') ? `[${host.data}]` : host.data;
  const port = (value: number | undefined) => (value === undefined ? null : portSchema.safeParse(value));
  const udp = port(input.ports.udp);
  const tcp = port(input.ports.tcp);
  const tls = port(input.ports.tls);
  if ([udp, tcp, tls].some((p) => p !== null && !p.success)) return fail('invalid_input', 'ports must be 1-65535.');
  const urls = [
    udp?.success ? `turn:${authority}:${udp.data}?transport=udp` : null,
    tcp?.success ? `turn:${authority}:${tcp.data}?transport=tcp` : null,
    tls?.success ? `turns:${authority}:${tls.data}?transport=tcp` : null,
  ].filter((url): url is string => url !== null);
  if (urls.length === 0) return fail('invalid_input', 'at least one relay port is needed.');
  const { username, credential } = input.credentials;
  if (parseTurnUsername(username) === null || typeof credential !== 'string' || !credentialPattern.test(credential)) {
    return fail('invalid_input', 'credentials must be minted by mintTurnCredentials.');
  }
  const server = iceServerSchema.safeParse({ urls, username, credential });
  return server.success ? ok(server.data) : fail('invalid_input', 'the ICE server entry does not fit the contract.');
}
