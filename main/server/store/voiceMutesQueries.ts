import { referencing, type StoreContext } from './context';
import { prepareScoped } from './scopedSql';
import type { ScopedVoiceMutes, VoiceMute, VoiceMutesIndex } from './types';

export interface VoiceMuteRow {
  workspace_id: string;
  user_id: string;
  muted_by: string;
  muted_at: number;
}

export const VOICE_MUTE_COLUMNS = 'workspace_id, user_id, muted_by, muted_at';

/** Server-mute statements, prepared once per store; `scoped` binds them to one workspace. */
export function voiceMutesQueries({ db, now }: StoreContext) {
  const insert = prepareScoped<{ workspaceId: string; userId: string; mutedBy: string; now: number }>(
    db,
    `INSERT INTO voice_mutes (workspace_id, user_id, muted_by, muted_at) VALUES (@workspaceId, @userId, @mutedBy, @now)
     ON CONFLICT (workspace_id, user_id) DO NOTHING`,
  );
  const remove = prepareScoped<{ workspaceId: string; userId: string }>(
    db,
    'DELETE FROM voice_mutes WHERE workspace_id = @workspaceId AND user_id = @userId',
  );
  const get = prepareScoped<{ workspaceId: string; userId: string }, VoiceMuteRow>(
    db,
    `SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes WHERE workspace_id = @workspaceId AND user_id = @userId`,
  );
  const list = prepareScoped<{ workspaceId: string }, VoiceMuteRow>(
    db,
    `SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes WHERE workspace_id = @workspaceId ORDER BY muted_at, user_id`,
  );
  const all = db.prepare<[], VoiceMuteRow>(
    `SELECT ${VOICE_MUTE_COLUMNS} FROM voice_mutes ORDER BY workspace_id, user_id`,
  );

  return {
    index: {
      async all() {
        return all.all().map(toVoiceMute);
      },
    } satisfies VoiceMutesIndex,
    scoped(workspaceId: string): ScopedVoiceMutes {
      return {
        async mute(userId, mutedBy) {
          const added = referencing('the server mute', () => insert.run({ workspaceId, userId, mutedBy, now: now() }));
          return added.changes === 1;
        },
        async unmute(userId) {
          return remove.run({ workspaceId, userId }).changes === 1;
        },
        async get(userId) {
          const row = get.get({ workspaceId, userId });
          return row && toVoiceMute(row);
        },
        async list() {
          return list.all({ workspaceId }).map(toVoiceMute);
        },
      };
    },
  };
}

export function toVoiceMute(row: VoiceMuteRow): VoiceMute {
  return { workspaceId: row.workspace_id, userId: row.user_id, mutedBy: row.muted_by, mutedAt: row.muted_at };
}
