import { present } from '../context';
import { CHANNEL_COLUMNS, toChannel, type ChannelRow } from '../channelsQueries';
import { newId } from '../ids';
import type { ScopedChannels } from '../types';
import type { PgStoreContext } from './pgContext';
import { referencingPg } from './pgSql';

/** Channels of one workspace. In every scoped statement $1 is the scope's workspace id. */
export function pgChannels({ db, now }: PgStoreContext, workspaceId: string): ScopedChannels {
  const get = (channelId: string) =>
    db.scoped(workspaceId, (sql) =>
      sql.row<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        channelId,
      ]),
    );
  const change = async (text: string, params: readonly unknown[]) =>
    (await db.scoped(workspaceId, (sql) => sql.run(text, [workspaceId, ...params]))) === 1;
  return {
    async create(input) {
      const id = newId();
      // Relay-only unless asked otherwise: a direct path would reveal members' IP addresses to each other.
      const params = [
        workspaceId,
        id,
        input.name,
        input.kind ?? 'voice',
        input.relayOnly ?? true,
        input.voiceMode ?? 'auto',
        now(),
      ];
      await referencingPg(
        'the channel',
        db.scoped(workspaceId, (sql) =>
          sql.run(
            `INSERT INTO channels (workspace_id, id, name, kind, relay_only, voice_mode, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            params,
          ),
        ),
      );
      return toChannel(present(await get(id), 'channel'));
    },
    async get(channelId) {
      const row = await get(channelId);
      return row && toChannel(row);
    },
    async list() {
      const rows = await db.scoped(workspaceId, (sql) =>
        sql.rows<ChannelRow>(
          `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE workspace_id = $1 ORDER BY created_at, id`,
          [workspaceId],
        ),
      );
      return rows.map(toChannel);
    },
    rename: (channelId, name) =>
      change('UPDATE channels SET name = $3 WHERE workspace_id = $1 AND id = $2', [channelId, name]),
    setRelayOnly: (channelId, relayOnly) =>
      change('UPDATE channels SET relay_only = $3 WHERE workspace_id = $1 AND id = $2', [channelId, relayOnly]),
    setVoiceMode: (channelId, voiceMode) =>
      change('UPDATE channels SET voice_mode = $3 WHERE workspace_id = $1 AND id = $2', [channelId, voiceMode]),
    delete: (channelId) => change('DELETE FROM channels WHERE workspace_id = $1 AND id = $2', [channelId]),
  };
}
