import { fromFlag, present, referencing, toFlag, type Flag, type StoreContext } from './context';
import { newId } from './ids';
import { prepareScoped } from './scopedSql';
import type { ChannelVoiceMode } from '../../../shared/voiceRoomState';
import type { Channel, ChannelKind, ScopedChannels } from './types';

export interface ChannelRow {
  id: string;
  workspace_id: string;
  name: string;
  kind: ChannelKind;
  relay_only: Flag;
  voice_mode: ChannelVoiceMode;
  created_at: number;
}

export const CHANNEL_COLUMNS = 'id, workspace_id, name, kind, relay_only, voice_mode, created_at';

/** Channel statements, prepared once per store; `scoped` binds them to one workspace. */
export function channelsQueries({ db, now }: StoreContext) {
  const insert = prepareScoped<{
    workspaceId: string;
    id: string;
    name: string;
    kind: ChannelKind;
    relayOnly: number;
    voiceMode: ChannelVoiceMode;
    now: number;
  }>(
    db,
    `INSERT INTO channels (id, workspace_id, name, kind, relay_only, voice_mode, created_at)
     VALUES (@id, @workspaceId, @name, @kind, @relayOnly, @voiceMode, @now)`,
  );
  const get = prepareScoped<{ workspaceId: string; id: string }, ChannelRow>(
    db,
    `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const list = prepareScoped<{ workspaceId: string }, ChannelRow>(
    db,
    `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE workspace_id = @workspaceId ORDER BY created_at, id`,
  );
  const rename = prepareScoped<{ workspaceId: string; id: string; name: string }>(
    db,
    'UPDATE channels SET name = @name WHERE workspace_id = @workspaceId AND id = @id',
  );
  const setRelayOnly = prepareScoped<{ workspaceId: string; id: string; relayOnly: number }>(
    db,
    'UPDATE channels SET relay_only = @relayOnly WHERE workspace_id = @workspaceId AND id = @id',
  );
  const setVoiceMode = prepareScoped<{ workspaceId: string; id: string; voiceMode: ChannelVoiceMode }>(
    db,
    'UPDATE channels SET voice_mode = @voiceMode WHERE workspace_id = @workspaceId AND id = @id',
  );
  const remove = prepareScoped<{ workspaceId: string; id: string }>(
    db,
    'DELETE FROM channels WHERE workspace_id = @workspaceId AND id = @id',
  );

  return {
    scoped(workspaceId: string): ScopedChannels {
      return {
        async create(input) {
          const id = newId();
          const kind = input.kind ?? 'voice';
          // Relay-only unless asked otherwise: a direct path would reveal members' IP addresses to each other.
          const relayOnly = toFlag(input.relayOnly ?? true);
          const voiceMode = input.voiceMode ?? 'auto';
          referencing('the channel', () =>
            insert.run({ workspaceId, id, name: input.name, kind, relayOnly, voiceMode, now: now() }),
          );
          return toChannel(present(get.get({ workspaceId, id }), 'channel'));
        },
        async get(channelId) {
          const row = get.get({ workspaceId, id: channelId });
          return row && toChannel(row);
        },
        async list() {
          return list.all({ workspaceId }).map(toChannel);
        },
        async rename(channelId, name) {
          return rename.run({ workspaceId, id: channelId, name }).changes === 1;
        },
        async setRelayOnly(channelId, relayOnly) {
          return setRelayOnly.run({ workspaceId, id: channelId, relayOnly: toFlag(relayOnly) }).changes === 1;
        },
        async setVoiceMode(channelId, voiceMode) {
          return setVoiceMode.run({ workspaceId, id: channelId, voiceMode }).changes === 1;
        },
        async delete(channelId) {
          return remove.run({ workspaceId, id: channelId }).changes === 1;
        },
      };
    },
  };
}

export function toChannel(row: ChannelRow): Channel {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    kind: row.kind,
    relayOnly: fromFlag(row.relay_only),
    voiceMode: row.voice_mode,
    createdAt: row.created_at,
  };
}
