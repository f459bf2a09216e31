import { fail, ok, type Result } from '../../../shared/result';
import { fromFlag, present, type Flag, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import { newId } from './ids';
import type { NewUser, User, UsersRepository } from './types';

export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  password_hash: string;
  server_owner: Flag;
  has_totp: Flag;
  created_at: number;
}

export const USER_COLUMNS =
  'id, email, display_name, password_hash, server_owner, totp_seed IS NOT NULL AS has_totp, created_at';

/**
 * Emails compare case-insensitively through a normalised key with a UNIQUE index; SQLite's NOCASE folds ASCII
 * only, and the same key works unchanged as a PostgreSQL unique index.
 */
export const emailKey = (email: string): string => email.trim().normalize('NFC').toLowerCase();

/**
 * The one statement that creates accounts, synchronous so a transaction that also takes an invite can use it.
 * Whether this is the server's first account (and so its owner) is decided by the insert itself.
 */
export function userInserter({ db, now }: Pick<StoreContext, 'db' | 'now'>): (input: NewUser) => Result<User> {
  const insert = db.prepare(
    `INSERT INTO users (id, email, email_key, display_name, password_hash, server_owner, created_at)
     VALUES (@id, @email, @emailKey, @displayName, @passwordHash, NOT EXISTS (SELECT 1 FROM users), @createdAt)
     ON CONFLICT (email_key) DO NOTHING`,
  );
  const byId = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  return (input) => {
    const id = newId();
    const params = { id, ...input, emailKey: emailKey(input.email), createdAt: now() };
    if (insert.run(params).changes === 0) return fail('email_taken', 'An account with this email already exists.');
    return ok(toUser(present(byId.get(id), 'user')));
  };
}

export function createUsersRepository({ db, now, fields }: StoreContext): UsersRepository {
  const insertUser = userInserter({ db, now });
  const byId = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  const byEmailKey = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email_key = ?`);
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  const setPassword = db.prepare('UPDATE users SET password_hash = ? WHERE id = ?');
  const setName = db.prepare('UPDATE users SET display_name = ? WHERE id = ?');
  const setSeed = db.prepare(
    'UPDATE users SET totp_seed = ?, totp_pending_seed = NULL, totp_pending_expires_at = NULL WHERE id = ?',
  );
  const setPending = db.prepare('UPDATE users SET totp_pending_seed = ?, totp_pending_expires_at = ? WHERE id = ?');
  const getPending = db.prepare<[string], PendingTotpRow>(
    'SELECT totp_pending_seed, totp_pending_expires_at FROM users WHERE id = ?',
  );
  const getSeed = db.prepare<[string], { totp_seed: string | null }>('SELECT totp_seed FROM users WHERE id = ?');
  const deleteCodes = db.prepare('DELETE FROM recovery_codes WHERE user_id = ?');
  const insertCode = db.prepare(
    'INSERT OR IGNORE INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)',
  );
  const unusedCodes = db.prepare<[string], { code_hash: string }>(
    'SELECT code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY code_hash',
  );
  const useCode = db.prepare(
    'UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL',
  );
  const getTotpStep = db.prepare<[string], { totp_last_step: number | null }>(
    'SELECT totp_last_step FROM users WHERE id = ?',
  );
  const advanceStep = db.prepare(
    'UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
  );
  const replaceCodes = db.transaction((userId: string, hashes: readonly string[]) => {
    deleteCodes.run(userId);
    const at = now();
    for (const hash of hashes) insertCode.run(userId, hash, at);
  });

  return {
    async create(input) {
      return insertUser(input);
    },
    async byId(userId) {
      const row = byId.get(userId);
      return row && toUser(row);
    },
    async byEmail(email) {
      const row = byEmailKey.get(emailKey(email));
      return row && toUser(row);
    },
    async count() {
      return count.get()?.n ?? 0;
    },
    async setPasswordHash(userId, passwordHash) {
      return setPassword.run(passwordHash, userId).changes === 1;
    },
    async setDisplayName(userId, displayName) {
      return setName.run(displayName, userId).changes === 1;
    },
    async setTotpSeed(userId, seed) {
      return setSeed.run(fields.seal(ENCRYPTED_COLUMNS.totpSeed, userId, seed), userId).changes === 1;
    },
    async clearTotpSeed(userId) {
      return setSeed.run(null, userId).changes === 1;
    },
    async totpSeed(userId) {
      const sealed = getSeed.get(userId)?.totp_seed;
      return sealed == null ? undefined : fields.open(ENCRYPTED_COLUMNS.totpSeed, userId, sealed);
    },
    async beginTotpEnrolment(userId, seed, expiresAt) {
      const sealed = fields.seal(ENCRYPTED_COLUMNS.totpPendingSeed, userId, seed);
      return setPending.run(sealed, expiresAt, userId).changes === 1;
    },
    async pendingTotpEnrolment(userId) {
      return pendingEnrolment(fields, userId, getPending.get(userId));
    },
    async replaceRecoveryCodes(userId, codeHashes) {
      replaceCodes.immediate(userId, codeHashes);
    },
    async unusedRecoveryCodeHashes(userId) {
      return unusedCodes.all(userId).map((row) => row.code_hash);
    },
    async lastTotpStep(userId) {
      return getTotpStep.get(userId)?.totp_last_step ?? null;
    },
    async advanceTotpStep(userId, step) {
      return advanceStep.run(step, userId, step).changes === 1;
    },
    async consumeRecoveryCode(userId, codeHash) {
      // One statement: of two concurrent uses of the same code, exactly one sees `used_at IS NULL`.
      return useCode.run(now(), userId, codeHash).changes === 1;
    },
  };
}

export interface PendingTotpRow {
  totp_pending_seed: string | null;
  totp_pending_expires_at: number | null;
}

/** A pending enrolment's row as the store hands it out, in either backend. */
export function pendingEnrolment(
  fields: FieldCodec,
  userId: string,
  row: PendingTotpRow | undefined,
): { seed: Uint8Array; expiresAt: number } | undefined {
  if (row?.totp_pending_seed == null || row.totp_pending_expires_at === null) return undefined;
  return {
    seed: fields.open(ENCRYPTED_COLUMNS.totpPendingSeed, userId, row.totp_pending_seed),
    expiresAt: row.totp_pending_expires_at,
  };
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    serverOwner: fromFlag(row.server_owner),
    totpEnabled: fromFlag(row.has_totp),
    createdAt: row.created_at,
  };
}
