import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { newId } from '../ids';
import { SESSION_COLUMNS, summary, type SessionRow } from '../sessionsRepository';
import type { LiveSession, RefreshOutcome, SessionRevocation, SessionsRepository } from '../types';
import type { PgStoreContext } from './pgContext';
import type { Sql } from './pgSql';

// Live: not revoked and neither expiry passed. $1 is always "now" in the statements that use it.
const LIVE = 'revoked_at IS NULL AND idle_expires_at > $1 AND absolute_expires_at > $1';

const INSERT = `INSERT INTO sessions (id, user_id, family_id, secret, refresh_token_hash, created_at, last_seen_at,
    idle_expires_at, absolute_expires_at, device_label, last_address)
  VALUES ($1, $2, $3, $4, $5, $6, $6, least($7::bigint, $8::bigint), $8, $9, $10)`;

/** Sessions and the revocation feed: server-wide, through the application role. */
export function pgSessionsRepository({ db, now, fields }: PgStoreContext): SessionsRepository {
  const live = (row: SessionRow): LiveSession => ({
    ...summary(row),
    secret: fields.open(ENCRYPTED_COLUMNS.sessionSecret, row.id, row.secret),
  });
  const byId = (sql: Sql, id: string) =>
    sql.row<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);

  return {
    async create(input) {
      const row = await db.app(async (sql) => {
        await sql.run(INSERT, [
          input.id,
          input.userId,
          input.familyId ?? newId(),
          fields.seal(ENCRYPTED_COLUMNS.sessionSecret, input.id, input.secret),
          input.refreshTokenHash,
          now(),
          input.idleExpiresAt,
          input.absoluteExpiresAt,
          input.deviceLabel ?? null,
          input.lastAddress ?? null,
        ]);
        return byId(sql, input.id);
      });
      return live(present(row, 'session'));
    },
    async getLive(sessionId) {
      const row = await db.app((sql) =>
        sql.row<SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $2 AND ${LIVE}`, [now(), sessionId]),
      );
      return row && live(row);
    },
    async liveFamilyOwner(sessionId) {
      const row = await db.app((sql) =>
        sql.row<{ user_id: string }>(
          `SELECT asked.user_id FROM sessions AS asked WHERE asked.id = $2
             AND EXISTS (SELECT 1 FROM sessions WHERE family_id = asked.family_id AND ${LIVE})`,
          [now(), sessionId],
        ),
      );
      return row?.user_id;
    },
    async touch(sessionId, idleExpiresAt) {
      const changed = await db.app((sql) =>
        sql.run(
          `UPDATE sessions SET last_seen_at = $1, idle_expires_at = least($3::bigint, absolute_expires_at)
           WHERE id = $2 AND ${LIVE}`,
          [now(), sessionId, idleExpiresAt],
        ),
      );
      return changed === 1;
    },
    async rotateRefresh(presented, successor): Promise<RefreshOutcome> {
      return db.app(async (sql): Promise<RefreshOutcome> => {
        const at = now();
        // FOR UPDATE: a second rotation of the same token waits here, then finds the hash gone (moved to the spent
        // list by the first) and so takes the reuse path below, exactly as SQLite's serialised writes do.
        const current = await sql.row<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM sessions WHERE refresh_token_hash = $1 FOR UPDATE`,
          [presented],
        );
        if (current === undefined) {
          const spent = await sql.row<{ family_id: string; user_id: string | null }>(
            `SELECT t.family_id, (SELECT user_id FROM sessions s WHERE s.family_id = t.family_id LIMIT 1) AS user_id
             FROM used_refresh_tokens t WHERE t.token_hash = $1`,
            [presented],
          );
          if (spent === undefined || spent.user_id === null) return { ok: false, reason: 'unknown' };
          // A spent token came back: the whole family ends (RFC 9700 section 4.14.2).
          const revokedSessions = await sql.run(
            `UPDATE sessions SET revoked_at = $1, revoked_reason = 'refresh_reuse'
             WHERE family_id = $2 AND revoked_at IS NULL`,
            [at, spent.family_id],
          );
          return { ok: false, reason: 'reused', userId: spent.user_id, familyId: spent.family_id, revokedSessions };
        }
        if (current.revoked_at !== null) return { ok: false, reason: 'revoked' };
        if (current.idle_expires_at <= at || current.absolute_expires_at <= at) return { ok: false, reason: 'expired' };
        await sql.run(
          `UPDATE sessions SET revoked_at = $1, revoked_reason = 'rotated', refresh_token_hash = NULL WHERE id = $2`,
          [at, current.id],
        );
        await sql.run(
          `INSERT INTO used_refresh_tokens (token_hash, family_id, used_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [presented, current.family_id, at],
        );
        await sql.run(INSERT, [
          successor.id,
          current.user_id,
          current.family_id,
          fields.seal(ENCRYPTED_COLUMNS.sessionSecret, successor.id, successor.secret),
          successor.refreshTokenHash,
          at,
          successor.idleExpiresAt,
          current.absolute_expires_at,
          current.device_label,
          successor.lastAddress ?? current.last_address,
        ]);
        return {
          ok: true,
          session: live(present(await byId(sql, successor.id), 'session')),
          previousSessionId: current.id,
        };
      });
    },
    async revoke(sessionId, reason = 'revoked') {
      const changed = await db.app((sql) =>
        sql.run('UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL', [
          now(),
          reason,
          sessionId,
        ]),
      );
      return changed === 1;
    },
    async revokeFamily(familyId, reason = 'revoked') {
      return db.app((sql) =>
        sql.run(
          'UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE family_id = $3 AND revoked_at IS NULL',
          [now(), reason, familyId],
        ),
      );
    },
    async revokeAllForUser(userId, options = {}) {
      return db.app((sql) =>
        sql.run(
          `UPDATE sessions SET revoked_at = $1, revoked_reason = $2
           WHERE user_id = $3 AND revoked_at IS NULL AND id IS DISTINCT FROM $4`,
          [now(), options.reason ?? 'revoked', userId, options.exceptSessionId ?? null],
        ),
      );
    },
    async listActive(userId) {
      const rows = await db.app((sql) =>
        sql.rows<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = $2 AND ${LIVE} ORDER BY created_at`,
          [now(), userId],
        ),
      );
      return rows.map(summary);
    },
    async pruneEnded(endedBefore) {
      return db.app(async (sql) => {
        const removed = await sql.run(
          'DELETE FROM sessions WHERE coalesce(revoked_at, least(idle_expires_at, absolute_expires_at)) < $1',
          [endedBefore],
        );
        await sql.run(
          `DELETE FROM used_refresh_tokens WHERE family_id NOT IN (SELECT family_id FROM sessions WHERE ${LIVE})`,
          [now()],
        );
        return removed;
      });
    },
    async revocationsSince(afterSeq, limit) {
      return db.app(async (sql) => {
        const rows = await sql.rows<{ seq: number; session_id: string; family_id: string; at: number }>(
          'SELECT seq, session_id, family_id, at FROM session_revocations WHERE seq > $1 ORDER BY seq LIMIT $2',
          [afterSeq, Math.max(0, Math.trunc(limit))],
        );
        const revocations: SessionRevocation[] = [];
        for (const row of rows) {
          const ids = (
            await sql.rows<{ id: string }>('SELECT id FROM sessions WHERE family_id = $1 ORDER BY created_at', [
              row.family_id,
            ])
          ).map((r) => r.id);
          revocations.push({
            seq: row.seq,
            sessionId: row.session_id,
            familyId: row.family_id,
            at: row.at,
            familySessionIds: ids.includes(row.session_id) ? ids : [row.session_id, ...ids],
          });
        }
        return revocations;
      });
    },
    async revocationBounds() {
      const row = await db.app((sql) =>
        sql.row<{ oldest: number | null; latest: number | null }>(
          'SELECT min(seq) AS oldest, max(seq) AS latest FROM session_revocations',
        ),
      );
      return { oldestSeq: row?.oldest ?? 0, latestSeq: row?.latest ?? 0 };
    },
    async pruneRevocations(before) {
      return db.app((sql) =>
        sql.run('DELETE FROM session_revocations WHERE at < $1 AND seq < (SELECT max(seq) FROM session_revocations)', [
          before,
        ]),
      );
    },
  };
}
