import { fail, ok } from '../../../../shared/result';
import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { newId } from '../ids';
import type { NewUser, UsersRepository } from '../types';
import {
  emailKey,
  pendingEnrolment,
  toUser,
  USER_COLUMNS,
  type PendingTotpRow,
  type UserRow,
} from '../usersRepository';
import type { PgStoreContext } from './pgContext';
import { LOCK_SPACE, LOCKS } from './pgMigrations';
import type { Sql } from './pgSql';

/**
 * Inserts an account inside the caller's transaction; its id, or undefined when the email is taken. "Is this the
 * first account?" and the insert must not interleave with another sign-up's: under READ COMMITTED both would see
 * an empty table and both become the server's owner, hence the advisory lock.
 */
export async function insertUser(sql: Sql, input: NewUser, at: number): Promise<string | undefined> {
  const id = newId();
  await sql.run('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, LOCKS.firstUser]);
  const inserted = await sql.run(
    `INSERT INTO users (id, email, email_key, display_name, password_hash, server_owner, created_at)
     VALUES ($1, $2, $3, $4, $5, NOT EXISTS (SELECT 1 FROM users), $6)
     ON CONFLICT (email_key) DO NOTHING`,
    [id, input.email, emailKey(input.email), input.displayName, input.passwordHash, at],
  );
  return inserted === 0 ? undefined : id;
}

/** Accounts: server-wide, so the application role reaches them without a workspace. */
export function pgUsersRepository({ db, now, fields }: PgStoreContext): UsersRepository {
  const byId = (userId: string) =>
    db.app((sql) => sql.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId]));
  return {
    async create(input) {
      const id = await db.app((sql) => insertUser(sql, input, now()));
      if (id === undefined) return fail('email_taken', 'An account with this email already exists.');
      return ok(toUser(present(await byId(id), 'user')));
    },
    async byId(userId) {
      const row = await byId(userId);
      return row && toUser(row);
    },
    async byEmail(email) {
      const row = await db.app((sql) =>
        sql.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email_key = $1`, [emailKey(email)]),
      );
      return row && toUser(row);
    },
    async count() {
      return (await db.app((sql) => sql.row<{ n: number }>('SELECT count(*) AS n FROM users')))?.n ?? 0;
    },
    async setPasswordHash(userId, passwordHash) {
      const changed = await db.app((sql) =>
        sql.run('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId]),
      );
      return changed === 1;
    },
    async setDisplayName(userId, displayName) {
      const changed = await db.app((sql) =>
        sql.run('UPDATE users SET display_name = $1 WHERE id = $2', [displayName, userId]),
      );
      return changed === 1;
    },
    async setTotpSeed(userId, seed) {
      const sealed = fields.seal(ENCRYPTED_COLUMNS.totpSeed, userId, seed);
      const changed = await db.app((sql) =>
        sql.run(
          'UPDATE users SET totp_seed = $1, totp_pending_seed = NULL, totp_pending_expires_at = NULL WHERE id = $2',
          [sealed, userId],
        ),
      );
      return changed === 1;
    },
    async beginTotpEnrolment(userId, seed, expiresAt) {
      const sealed = fields.seal(ENCRYPTED_COLUMNS.totpPendingSeed, userId, seed);
      const changed = await db.app((sql) =>
        sql.run('UPDATE users SET totp_pending_seed = $1, totp_pending_expires_at = $2 WHERE id = $3', [
          sealed,
          expiresAt,
          userId,
        ]),
      );
      return changed === 1;
    },
    async pendingTotpEnrolment(userId) {
      const row = await db.app((sql) =>
        sql.row<PendingTotpRow>('SELECT totp_pending_seed, totp_pending_expires_at FROM users WHERE id = $1', [userId]),
      );
      return pendingEnrolment(fields, userId, row);
    },
    async clearTotpSeed(userId) {
      return (await db.app((sql) => sql.run('UPDATE users SET totp_seed = NULL WHERE id = $1', [userId]))) === 1;
    },
    async totpSeed(userId) {
      const row = await db.app((sql) =>
        sql.row<{ totp_seed: string | null }>('SELECT totp_seed FROM users WHERE id = $1', [userId]),
      );
      const sealed = row?.totp_seed;
      return sealed == null ? undefined : fields.open(ENCRYPTED_COLUMNS.totpSeed, userId, sealed);
    },
    async replaceRecoveryCodes(userId, codeHashes) {
      await db.app(async (sql) => {
        await sql.run('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
        await sql.run(
          `INSERT INTO recovery_codes (user_id, code_hash, created_at)
           SELECT $1, hash, $3 FROM unnest($2::text[]) AS hash ON CONFLICT DO NOTHING`,
          [userId, codeHashes, now()],
        );
      });
    },
    async unusedRecoveryCodeHashes(userId) {
      const rows = await db.app((sql) =>
        sql.rows<{ code_hash: string }>(
          'SELECT code_hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL ORDER BY code_hash',
          [userId],
        ),
      );
      return rows.map((row) => row.code_hash);
    },
    async lastTotpStep(userId) {
      const row = await db.app((sql) =>
        sql.row<{ totp_last_step: number | null }>('SELECT totp_last_step FROM users WHERE id = $1', [userId]),
      );
      return row?.totp_last_step ?? null;
    },
    async advanceTotpStep(userId, step) {
      // One conditional UPDATE: the row lock it takes makes a second concurrent call re-check and find it moved.
      const changed = await db.app((sql) =>
        sql.run(
          'UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)',
          [step, userId],
        ),
      );
      return changed === 1;
    },
    async consumeRecoveryCode(userId, codeHash) {
      const changed = await db.app((sql) =>
        sql.run('UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL', [
          now(),
          userId,
          codeHash,
        ]),
      );
      return changed === 1;
    },
  };
}
