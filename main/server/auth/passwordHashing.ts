import { randomBytes } from 'node:crypto';
import { hash, verify, argon2id } from 'argon2';
import { fail, ok, type Result } from '../../../shared/result';

/**
 * Argon2id at m=64 MiB, t=3, p=1: above OWASP's floor (19 MiB, t=2) and about 150 ms per hash on a laptop core.
 * p=1 because the bundled server shares a desktop CPU with a live call; memory, not lanes, is what costs an attacker.
 * argon2 runs on libuv's thread pool (4 threads by default), so at most 4 hashes, 256 MiB, are in flight at once.
 */
export const PASSWORD_HASH_PARAMETERS = {
  memoryCost: 65536,
  timeCost: 3,
  parallelism: 1,
  hashLength: 32,
} as const;

/** The same ceiling as shared/session.ts passwordSchema, enforced again here so no caller can skip it. */
export const MAX_PASSWORD_LENGTH = 1024;

const ARGON2_VERSION = 19;

/**
 * Bounds for hashes read back from storage: a corrupted or planted row must not make one sign-in allocate gigabytes
 * or spin for minutes. Generous enough for any parameters this module has produced or is likely to produce.
 */
const STORED_LIMITS = { maxMemoryCost: 1 << 20, maxTimeCost: 16, maxParallelism: 8 } as const;

const PHC_PATTERN = /^\$argon2id\$v=([0-9]{1,3})\$([a-z0-9=,]{1,64})\$([A-Za-z0-9+/]{11,88})\$([A-Za-z0-9+/]{22,88})$/;

interface StoredHash {
  readonly version: number;
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
  readonly hashLength: number;
}

/** Strict PHC parse (argon2id only): anything else is treated as "no usable hash", never handed to the binding. */
function parseStoredHash(stored: unknown): StoredHash | null {
  if (typeof stored !== 'string' || stored.length > 256) return null;
  const match = PHC_PATTERN.exec(stored);
  if (match === null) return null;
  const [, version, paramList, salt, digest] = match as unknown as [string, string, string, string, string];
  const params = new Map<string, number>();
  for (const pair of paramList.split(',')) {
    const [name, value, extra] = pair.split('=');
    if (extra !== undefined || name === undefined || !/^[mtp]$/.test(name) || params.has(name)) return null;
    if (value === undefined || !/^[1-9][0-9]{0,7}$/.test(value)) return null;
    params.set(name, Number(value));
  }
  const memoryCost = params.get('m');
  const timeCost = params.get('t');
  const parallelism = params.get('p');
  if (params.size !== 3 || memoryCost === undefined || timeCost === undefined || parallelism === undefined) return null;
  if (Number(version) !== ARGON2_VERSION) return null;
  if (memoryCost > STORED_LIMITS.maxMemoryCost || timeCost > STORED_LIMITS.maxTimeCost) return null;
  if (parallelism > STORED_LIMITS.maxParallelism || memoryCost < 8 * parallelism) return null;
  if (salt.length % 4 === 1 || digest.length % 4 === 1) return null;
  return { version: ARGON2_VERSION, memoryCost, timeCost, parallelism, hashLength: (digest.length * 3) >> 2 };
}

/**
 * NFKC so the same password typed on macOS (decomposed) and Windows (composed) is the same bytes (NIST SP 800-63B
 * 5.1.1.2). Lone surrogates are refused: UTF-8 would turn each into U+FFFD, so different passwords would collide.
 */
function passwordBytes(password: unknown): Buffer | null {
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) return null;
  if (/\p{Cs}/u.test(password)) return null;
  return Buffer.from(password.normalize('NFKC'), 'utf8');
}

export async function hashPassword(password: string): Promise<Result<string>> {
  const bytes = passwordBytes(password);
  if (bytes === null) {
    return fail('invalid_password', `Passwords are 1 to ${MAX_PASSWORD_LENGTH} characters of well-formed text.`);
  }
  return ok(await hash(bytes, { type: argon2id, ...PASSWORD_HASH_PARAMETERS }));
}

/** True only for a well-formed argon2id hash of this password; false for anything else, never an exception. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  const bytes = passwordBytes(password);
  // Refusing over-long input before any work is the point of the cap; it says nothing about the account.
  if (bytes === null) return false;
  // A corrupt row costs the same time as a real check, so it does not stand out from a wrong password.
  if (parseStoredHash(storedHash) === null) return verifyAgainstDummy(password);
  try {
    return await verify(storedHash, bytes);
  } catch {
    return false;
  }
}

/** True when the stored hash is not argon2id with today's parameters: rehash it after the next successful sign-in. */
export function needsRehash(storedHash: string): boolean {
  const parsed = parseStoredHash(storedHash);
  if (parsed === null) return true;
  return (
    parsed.memoryCost !== PASSWORD_HASH_PARAMETERS.memoryCost ||
    parsed.timeCost !== PASSWORD_HASH_PARAMETERS.timeCost ||
    parsed.parallelism !== PASSWORD_HASH_PARAMETERS.parallelism ||
    parsed.hashLength !== PASSWORD_HASH_PARAMETERS.hashLength
  );
}

let dummyHash: Promise<string> | undefined;

/**
 * Runs a full verification against a hash of a random password made once with today's parameters, and returns
 * false. Sign-in calls it when no account has the email, so an unknown email costs the same time as a wrong password
 * and response times cannot tell which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash(randomBytes(32), { type: argon2id, ...PASSWORD_HASH_PARAMETERS });
  const bytes = passwordBytes(password) ?? Buffer.from('whoot-dummy-password');
  try {
    await verify(await dummyHash, bytes);
  } catch {
    // The dummy exists only to spend time and its answer is always "no"; a failed setup is retried next time
    // rather than cached, or every later unknown-email sign-in would return instantly.
    dummyHash = undefined;
  }
  return false;
}
