import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from '../../../shared/result';
import { base32Decode, base32Encode } from './base32';

/** RFC 6238 with the parameters every authenticator app supports: HMAC-SHA1, 6 digits, 30 s steps. */
export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits: the HMAC-SHA1 block-size recommendation of RFC 4226 section 4 (R6). */
export const TOTP_SECRET_BYTES = 20;
/** RFC 4226 section 4 (R6): a shared secret MUST be at least 128 bits. */
const MIN_SECRET_BYTES = 16;
/** Enough for any real clock drift; every extra step is another 2 codes an attacker may guess per attempt. */
export const MAX_TOTP_WINDOW = 2;

/** A new random secret in unpadded base32: what the store keeps (encrypted) and the enrolment QR code carries. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** The RFC 4226 HOTP value for one counter (step), as a zero-padded 6-digit string. */
export function totpCodeAt(secret: Uint8Array, step: number): string {
  const counter = Buffer.alloc(8);
  // Two 32-bit halves: step numbers after the year 2106 exceed 32 bits, and bit operators truncate to 32.
  counter.writeUInt32BE(Math.floor(step / 0x1_0000_0000), 0);
  counter.writeUInt32BE(step % 0x1_0000_0000, 4);
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac.readUInt8(mac.length - 1) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return String(binary % 10 ** TOTP_DIGITS).padStart(TOTP_DIGITS, '0');
}

export const totpStepAt = (nowSeconds: number): number => Math.floor(nowSeconds / TOTP_STEP_SECONDS);

export interface VerifyTotpOptions {
  /** Unix seconds. */
  readonly now: number;
  /** Steps accepted on either side of now for clock drift; default 1 (RFC 6238 section 6 recommends at most one). */
  readonly window?: number;
  /** The step of the last code this account used successfully, or null if none: that step and older are refused. */
  readonly lastUsedStep?: number | null;
}

export type VerifyTotpResult =
  | { readonly ok: true; readonly step: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'invalid' | 'reused' };

/**
 * Checks a code against the steps around now. On success the caller stores the returned step as lastUsedStep
 * (compare-and-set in the store), so the same code cannot be replayed while it is still inside the window, and a
 * code from an earlier step cannot be used after a later one (RFC 6238 section 5.2).
 */
export function verifyTotp(secret: string | Uint8Array, code: string, options: VerifyTotpOptions): VerifyTotpResult {
  const key = typeof secret === 'string' ? base32Decode(secret, 64) : secret;
  const window = options.window ?? 1;
  const last = options.lastUsedStep ?? null;
  if (key === null || !(key instanceof Uint8Array) || key.length < MIN_SECRET_BYTES) {
    return { ok: false, reason: 'malformed' };
  }
  if (!Number.isInteger(window) || window < 0 || window > MAX_TOTP_WINDOW) return { ok: false, reason: 'malformed' };
  if (!Number.isFinite(options.now) || options.now < 0) return { ok: false, reason: 'malformed' };
  if (last !== null && !Number.isSafeInteger(last)) return { ok: false, reason: 'malformed' };
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code)) return { ok: false, reason: 'malformed' };

  const given = Buffer.from(code, 'ascii');
  const current = totpStepAt(options.now);
  let fresh: number | null = null;
  let reused = false;
  // Every step in the window is computed and compared, matched or not, so the time taken says nothing.
  for (let step = current - window; step <= current + window; step += 1) {
    if (step < 0) continue;
    const matches = timingSafeEqual(Buffer.from(totpCodeAt(key, step), 'ascii'), given);
    if (!matches) continue;
    if (last !== null && step <= last) reused = true;
    else fresh ??= step;
  }
  if (fresh !== null) return { ok: true, step: fresh };
  return { ok: false, reason: reused ? 'reused' : 'invalid' };
}

export interface OtpauthUriInput {
  /** Shown by the authenticator app as the service name, e.g. the server's name. */
  readonly issuer: string;
  /** Which account on that service, e.g. the email address. */
  readonly account: string;
  /** Unpadded base32, as generateTotpSecret returns it. */
  readonly secret: string;
}

/** Printable, no colon (it separates issuer from account in the label), bounded so a QR code stays scannable. */
const labelPart = /^[^\p{Cc}\p{Cf}:]{1,128}$/u;

/**
 * The otpauth://totp URI for the enrolment QR code (Google Authenticator key URI format). Each label part is
 * percent-encoded on its own; the query comes from URLSearchParams. Spaces become %20, not "+": several
 * authenticator apps show a "+" literally, and URLSearchParams encodes a real "+" as %2B, so the swap is exact.
 */
export function otpauthUri(input: OtpauthUriInput): Result<string> {
  const { issuer, account, secret } = input;
  if (
    typeof issuer !== 'string' ||
    !labelPart.test(issuer) ||
    typeof account !== 'string' ||
    !labelPart.test(account)
  ) {
    return fail('invalid_input', 'Issuer and account must be 1-128 printable characters without a colon.');
  }
  const key = typeof secret === 'string' && /^[A-Z2-7]+$/.test(secret) ? base32Decode(secret, 64) : null;
  if (key === null || key.length < MIN_SECRET_BYTES) {
    return fail('invalid_input', 'The secret must be unpadded base32 of at least 16 bytes.');
  }
  const query = new URLSearchParams({
    secret,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return ok(`otpauth://totp/${label}?${query.toString().replaceAll('+', '%20')}`);
}
