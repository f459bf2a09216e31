import type { ScopedVoiceMutes, VoiceMutesIndex } from '../types';
import { toVoiceMute, VOICE_MUTE_COLUMNS, type VoiceMuteRow } from '../voiceMutesQueries';
import type { PgStoreContext } from './pgContext';
import { referencingPg } from './pgSql';

export function pgVoiceMutes({ db, now }: PgStoreContext) {
  const index: VoiceMutesIndex = {
    async all() {
      // Named cross-workspace operation: the relay's enforcement index answers per user, whatever room they are in.
      const rows = await db.maintenance((sql) =>
        sql.rows<VoiceMuteRow>(`SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes ORDER BY workspace_id, user_id`),
      );
      return rows.map(toVoiceMute);
    },
  };
  function scoped(workspaceId: string): ScopedVoiceMutes {
    return {
      async mute(userId, mutedBy) {
        const added = await referencingPg(
          'the server mute',
          db.scoped(workspaceId, (sql) =>
            sql.run(
              `INSERT INTO voice_mutes (workspace_id, user_id, muted_by, muted_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (workspace_id, user_id) DO NOTHING`,
              [workspaceId, userId, mutedBy, now()],
            ),
          ),
        );
        return added === 1;
      },
      async unmute(userId) {
        const removed = await db.scoped(workspaceId, (sql) =>
          sql.run('DELETE FROM voice_mutes WHERE workspace_id = $1 AND user_id = $2', [workspaceId, userId]),
        );
        return removed === 1;
      },
      async get(userId) {
        const row = await db.scoped(workspaceId, (sql) =>
          sql.row<VoiceMuteRow>(
            `SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes WHERE workspace_id = $1 AND user_id = $2`,
            [workspaceId, userId],
          ),
        );
        return row && toVoiceMute(row);
      },
      async list() {
        const rows = await db.scoped(workspaceId, (sql) =>
          sql.rows<VoiceMuteRow>(
            `SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes WHERE workspace_id = $1 ORDER BY muted_at, user_id`,
            [workspaceId],
          ),
        );
        return rows.map(toVoiceMute);
      },
    };
  }
  return { index, scoped };
}
