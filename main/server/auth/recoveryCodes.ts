import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomIdSchema } from '../../../shared/identifiers';

/**
 * Single-use recovery codes for accounts with TOTP: ten codes of ten base32 characters shown as `xxxxx-xxxxx`,
 * the shape shared/rest/endpoints.ts recoveryCodeSchema accepts.
 *
 * Ten characters are 50 random bits: far beyond online guessing (the sign-in throttle allows a few hundred
 * attempts a day) but not beyond offline search: a GPU runs about 10^10 SHA-256 a second, so a plain SHA-256 of
 * one of a user's ten codes falls in hours to anyone holding a copy of the database. The stored value is therefore
 * HMAC-SHA256 under a server key that lives outside the database (with the field-encryption key), over the user id
 * and the code: a database copy alone cannot be searched, and a code hash copied into another user's row does not
 * match there. Argon2 would also resist offline search, but a salted slow hash cannot be looked up, so every
 * attempt would cost ten argon2 runs: a denial-of-service lever on the sign-in path.
 */
export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_LENGTH = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const MIN_KEY_BYTES = 32;

export interface RecoveryCodeContext {
  /** Server-held HMAC key (32+ bytes), never stored beside the hashes. */
  readonly key: Uint8Array;
  /** The account the codes belong to: binds each hash to its row's owner. */
  readonly userId: string;
}

export interface GeneratedRecoveryCodes {
  /** Shown to the user once, at enrolment, then forgotten by the server. */
  readonly codes: readonly string[];
  /** What the store keeps, in the same order. */
  readonly hashes: readonly string[];
}

function checkContext(context: RecoveryCodeContext): boolean {
  return (
    context.key instanceof Uint8Array &&
    context.key.length >= MIN_KEY_BYTES &&
    randomIdSchema.safeParse(context.userId).success
  );
}

/** One code: 32 divides 256, so a random byte modulo 32 is uniform over the alphabet (no modulo bias). */
function randomCode(): string {
  const chars = Array.from(randomBytes(RECOVERY_CODE_LENGTH), (byte) => ALPHABET.charAt(byte % 32)).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

function mac(context: RecoveryCodeContext, normalised: string): Buffer {
  return createHmac('sha256', context.key).update(`whoot.recovery.v1\n${context.userId}\n${normalised}`).digest();
}

export function generateRecoveryCodes(
  context: RecoveryCodeContext,
  count = RECOVERY_CODE_COUNT,
): GeneratedRecoveryCodes {
  if (!checkContext(context)) throw new TypeError('recovery codes need a 32-byte key and a user id');
  if (!Number.isInteger(count) || count < 1 || count > 20) throw new RangeError('count must be 1 to 20');
  const codes = new Set<string>();
  while (codes.size < count) codes.add(randomCode());
  const list = [...codes];
  return { codes: list, hashes: list.map((code) => mac(context, code.replace('-', '')).toString('hex')) };
}

/**
 * What the user typed, reduced to the ten code characters: any case, dashes and white space anywhere (copied from
 * a password manager, read aloud, typed in groups). Null when it cannot be a code.
 */
export function normaliseRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const compact = input.replace(/[\s-]/g, '').toLowerCase();
  return /^[a-z2-7]{10}$/.test(compact) ? compact : null;
}

export function hashRecoveryCode(context: RecoveryCodeContext, input: string): string | null {
  const normalised = normaliseRecoveryCode(input);
  if (normalised === null || !checkContext(context)) return null;
  return mac(context, normalised).toString('hex');
}

/**
 * The index of the stored hash that the input matches, or -1. Every stored hash is compared, in constant time,
 * whether or not an earlier one matched. The caller then deletes that hash with a conditional delete (rows
 * affected = 1) so two concurrent sign-ins cannot both spend the same code.
 */
export function findRecoveryCode(context: RecoveryCodeContext, input: string, storedHashes: readonly string[]): number {
  const normalised = normaliseRecoveryCode(input);
  if (normalised === null || !checkContext(context) || !Array.isArray(storedHashes)) return -1;
  const given = mac(context, normalised);
  let found = -1;
  storedHashes.slice(0, 100).forEach((stored, index) => {
    if (typeof stored !== 'string' || !/^[0-9a-f]{64}$/.test(stored)) return;
    if (timingSafeEqual(Buffer.from(stored, 'hex'), given) && found === -1) found = index;
  });
  return found;
}
