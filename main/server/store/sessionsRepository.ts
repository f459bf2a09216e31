import { present, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS } from './encryptedColumns';
import { newId } from './ids';
import type {
  LiveSession,
  RefreshOutcome,
  SessionRevocation,
  SessionSuccessor,
  SessionSummary,
  SessionsRepository,
} from './types';

export interface SessionRow {
  id: string;
  user_id: string;
  family_id: string;
  secret: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  device_label: string | null;
  last_address: string | null;
}

export const SESSION_COLUMNS =
  'id, user_id, family_id, secret, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at, ' +
  'device_label, last_address';
// A session is live until revoked or until either expiry passes; every read of "live" uses this one condition.
const LIVE = 'revoked_at IS NULL AND idle_expires_at > @now AND absolute_expires_at > @now';

export function createSessionsRepository({ db, now, fields }: StoreContext): SessionsRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (id, user_id, family_id, secret, refresh_token_hash, created_at, last_seen_at,
       idle_expires_at, absolute_expires_at, device_label, last_address)
     VALUES (@id, @userId, @familyId, @secret, @refreshTokenHash, @now, @now,
       min(@idleExpiresAt, @absoluteExpiresAt), @absoluteExpiresAt, @deviceLabel, @lastAddress)`,
  );
  const byId = db.prepare<{ id: string }, SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = @id`);
  const liveById = db.prepare<{ id: string; now: number }, SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = @id AND ${LIVE}`,
  );
  // LIVE names bare columns, so the family check asks for the live successor in a subquery of its own.
  const liveFamilyOwner = db.prepare<{ id: string; now: number }, { user_id: string }>(
    `SELECT asked.user_id FROM sessions AS asked WHERE asked.id = @id
       AND EXISTS (SELECT 1 FROM sessions WHERE family_id = asked.family_id AND ${LIVE})`,
  );
  const byRefreshHash = db.prepare<{ hash: string }, SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE refresh_token_hash = @hash`,
  );
  const touch = db.prepare(
    `UPDATE sessions SET last_seen_at = @now, idle_expires_at = min(@idleExpiresAt, absolute_expires_at)
     WHERE id = @id AND ${LIVE}`,
  );
  // Revoking keeps the refresh hash, so presenting that token later answers `revoked`, not `unknown`; rotation
  // clears it instead because the hash moves to used_refresh_tokens, where presenting it again means reuse.
  const endOne = db.prepare(
    `UPDATE sessions SET revoked_at = @now, revoked_reason = @reason WHERE id = @id AND revoked_at IS NULL`,
  );
  const endRotated = db.prepare(
    `UPDATE sessions SET revoked_at = @now, revoked_reason = 'rotated', refresh_token_hash = NULL WHERE id = @id`,
  );
  const endFamily = db.prepare(
    'UPDATE sessions SET revoked_at = @now, revoked_reason = @reason WHERE family_id = @familyId AND revoked_at IS NULL',
  );
  const endForUser = db.prepare(
    `UPDATE sessions SET revoked_at = @now, revoked_reason = @reason
     WHERE user_id = @userId AND revoked_at IS NULL AND id IS NOT @exceptId`,
  );
  const listActive = db.prepare<{ userId: string; now: number }, SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE user_id = @userId AND ${LIVE} ORDER BY created_at`,
  );
  const rememberSpent = db.prepare(
    'INSERT OR IGNORE INTO used_refresh_tokens (token_hash, family_id, used_at) VALUES (@hash, @familyId, @now)',
  );
  const spentFamily = db.prepare<{ hash: string }, { family_id: string }>(
    'SELECT family_id FROM used_refresh_tokens WHERE token_hash = @hash',
  );
  const familyUser = db.prepare<{ familyId: string }, { user_id: string }>(
    'SELECT user_id FROM sessions WHERE family_id = @familyId LIMIT 1',
  );
  const deleteEnded = db.prepare(
    `DELETE FROM sessions
     WHERE coalesce(revoked_at, min(idle_expires_at, absolute_expires_at)) < @before`,
  );
  const deleteOrphanSpent = db.prepare(
    `DELETE FROM used_refresh_tokens
     WHERE family_id NOT IN (SELECT family_id FROM sessions WHERE ${LIVE})`,
  );

  // session_revocations is written by a trigger (migration 5), in the same statement as each revocation.
  const revocationsAfter = db.prepare<
    { after: number; limit: number },
    { seq: number; session_id: string; family_id: string; at: number }
  >('SELECT seq, session_id, family_id, at FROM session_revocations WHERE seq > @after ORDER BY seq LIMIT @limit');
  const familyIds = db.prepare<{ familyId: string }, { id: string }>(
    'SELECT id FROM sessions WHERE family_id = @familyId ORDER BY created_at',
  );
  const bounds = db.prepare<[], { oldest: number | null; latest: number | null }>(
    'SELECT min(seq) AS oldest, max(seq) AS latest FROM session_revocations',
  );
  const pruneFeed = db.prepare(
    'DELETE FROM session_revocations WHERE at < @before AND seq < (SELECT max(seq) FROM session_revocations)',
  );
  const readRevocations = db.transaction((after: number, limit: number): SessionRevocation[] =>
    revocationsAfter.all({ after, limit }).map((row) => {
      const ids = familyIds.all({ familyId: row.family_id }).map((r) => r.id);
      return {
        seq: row.seq,
        sessionId: row.session_id,
        familyId: row.family_id,
        at: row.at,
        familySessionIds: ids.includes(row.session_id) ? ids : [row.session_id, ...ids],
      };
    }),
  );

  const prune = db.transaction((before: number) => {
    const removed = deleteEnded.run({ before }).changes;
    deleteOrphanSpent.run({ now: now() });
    return removed;
  });

  const live = (row: SessionRow): LiveSession => ({
    ...summary(row),
    secret: fields.open(ENCRYPTED_COLUMNS.sessionSecret, row.id, row.secret),
  });

  const rotate = db.transaction((presented: string, successor: SessionSuccessor) => {
    const at = now();
    const current = byRefreshHash.get({ hash: presented });
    if (current === undefined) {
      const familyId = spentFamily.get({ hash: presented })?.family_id;
      const userId = familyId === undefined ? undefined : familyUser.get({ familyId })?.user_id;
      if (familyId === undefined || userId === undefined) return { ok: false, reason: 'unknown' } as const;
      // A spent token came back: its thief or its owner holds a copy and we cannot tell which, so the whole
      // family ends (refresh token rotation with reuse detection, RFC 9700 section 4.14.2).
      const revokedSessions = endFamily.run({ familyId, now: at, reason: 'refresh_reuse' }).changes;
      return { ok: false, reason: 'reused', userId, familyId, revokedSessions } as const;
    }
    if (current.revoked_at !== null) return { ok: false, reason: 'revoked' } as const;
    if (current.idle_expires_at <= at || current.absolute_expires_at <= at) {
      return { ok: false, reason: 'expired' } as const;
    }
    endRotated.run({ id: current.id, now: at });
    rememberSpent.run({ hash: presented, familyId: current.family_id, now: at });
    insert.run({
      id: successor.id,
      userId: current.user_id,
      familyId: current.family_id,
      secret: fields.seal(ENCRYPTED_COLUMNS.sessionSecret, successor.id, successor.secret),
      refreshTokenHash: successor.refreshTokenHash,
      now: at,
      idleExpiresAt: successor.idleExpiresAt,
      absoluteExpiresAt: current.absolute_expires_at,
      deviceLabel: current.device_label,
      lastAddress: successor.lastAddress ?? current.last_address,
    });
    return {
      ok: true,
      session: live(present(byId.get({ id: successor.id }), 'session')),
      previousSessionId: current.id,
    } as const;
  });

  return {
    async create(input) {
      insert.run({
        ...input,
        deviceLabel: input.deviceLabel ?? null,
        lastAddress: input.lastAddress ?? null,
        familyId: input.familyId ?? newId(),
        secret: fields.seal(ENCRYPTED_COLUMNS.sessionSecret, input.id, input.secret),
        now: now(),
      });
      return live(present(byId.get({ id: input.id }), 'session'));
    },
    async getLive(sessionId) {
      const row = liveById.get({ id: sessionId, now: now() });
      return row && live(row);
    },
    async liveFamilyOwner(sessionId) {
      return liveFamilyOwner.get({ id: sessionId, now: now() })?.user_id;
    },
    async touch(sessionId, idleExpiresAt) {
      return touch.run({ id: sessionId, idleExpiresAt, now: now() }).changes === 1;
    },
    async rotateRefresh(presentedRefreshTokenHash, successor): Promise<RefreshOutcome> {
      return rotate.immediate(presentedRefreshTokenHash, successor);
    },
    async revoke(sessionId, reason = 'revoked') {
      return endOne.run({ id: sessionId, now: now(), reason }).changes === 1;
    },
    async revokeFamily(familyId, reason = 'revoked') {
      return endFamily.run({ familyId, now: now(), reason }).changes;
    },
    async revokeAllForUser(userId, options = {}) {
      const exceptId = options.exceptSessionId ?? null;
      return endForUser.run({ userId, exceptId, now: now(), reason: options.reason ?? 'revoked' }).changes;
    },
    async listActive(userId) {
      return listActive.all({ userId, now: now() }).map(summary);
    },
    async pruneEnded(endedBefore) {
      return prune.immediate(endedBefore);
    },
    async revocationsSince(afterSeq, limit) {
      return readRevocations(afterSeq, limit);
    },
    async revocationBounds() {
      const row = bounds.get();
      return { oldestSeq: row?.oldest ?? 0, latestSeq: row?.latest ?? 0 };
    },
    async pruneRevocations(before) {
      return pruneFeed.run({ before }).changes;
    },
  };
}

export function summary(row: SessionRow): SessionSummary {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    deviceLabel: row.device_label,
    lastAddress: row.last_address,
  };
}
