import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import { fail, type Result } from '../../shared/result';
import type { Channel, Member } from '../../shared/rest/endpoints';
import type { RoomPeer, WorkspaceEvent } from '../../shared/ws';
import type { RealtimeHub } from '../realtime/realtimeHub';
import type { WorkspaceStore } from './workspaceStore';

export interface ChannelsState {
  readonly workspaceId: string | null;
  readonly channels: readonly Channel[];
  /** Members by user id: names for the channel list and the call, online state, roles. */
  readonly members: Readonly<Record<string, Member>>;
  /** Who is in each voice room, by channel id. */
  readonly rooms: Readonly<Record<string, readonly RoomPeer[]>>;
  /** Members a moderator server-muted (the relay drops their voice), by user id. */
  readonly serverMuted: Readonly<Record<string, true>>;
  readonly loading: boolean;
  readonly error: string | null;
  reload(): Promise<void>;
  /** Moderation (owners and admins): the server checks the role and enforces it; the result says why if refused. */
  setServerMute(userId: string, muted: boolean): Promise<Result<unknown>>;
  moveToChannel(userId: string, channelId: string | null): Promise<Result<unknown>>;
}

export type ChannelsStore = StoreApi<ChannelsState>;

const membersById = (members: readonly Member[]): Record<string, Member> =>
  Object.fromEntries(members.map((member) => [member.userId, member]));

/** Applies one workspace event to the lists; room events at or before the snapshot's sequence are already in it. */
export function applyWorkspaceEvent(
  state: Pick<ChannelsState, 'channels' | 'members' | 'rooms' | 'serverMuted'>,
  event: WorkspaceEvent,
  snapshotSeq: number,
): Partial<ChannelsState> | null {
  switch (event.type) {
    case 'channel.created':
    case 'channel.updated': {
      const { channel } = event.payload;
      const others = state.channels.filter((known) => known.id !== channel.id);
      return { channels: [...others, channel].sort((a, b) => a.name.localeCompare(b.name)) };
    }
    case 'channel.deleted': {
      const { [event.payload.channelId]: _gone, ...rooms } = state.rooms;
      return { channels: state.channels.filter((known) => known.id !== event.payload.channelId), rooms };
    }
    case 'room.memberJoined': {
      if (event.seq <= snapshotSeq) return null;
      const { channelId, userId, peerId, selfMuted, selfDeafened } = event.payload;
      // A connection is in one room at a time: drop it from wherever it was before adding it here.
      const rooms: Record<string, readonly RoomPeer[]> = {};
      for (const [id, peers] of Object.entries(state.rooms)) rooms[id] = peers.filter((peer) => peer.peerId !== peerId);
      rooms[channelId] = [...(rooms[channelId] ?? []), { peerId, userId, selfMuted, selfDeafened }];
      return { rooms };
    }
    case 'room.voiceState': {
      if (event.seq <= snapshotSeq) return null;
      const { channelId, peerId, selfMuted, selfDeafened } = event.payload;
      const peers = state.rooms[channelId];
      if (peers === undefined || !peers.some((peer) => peer.peerId === peerId)) return null;
      const updated = peers.map((peer) => (peer.peerId === peerId ? { ...peer, selfMuted, selfDeafened } : peer));
      return { rooms: { ...state.rooms, [channelId]: updated } };
    }
    case 'room.memberLeft': {
      if (event.seq <= snapshotSeq) return null;
      const { channelId, peerId } = event.payload;
      const remaining = (state.rooms[channelId] ?? []).filter((peer) => peer.peerId !== peerId);
      return { rooms: { ...state.rooms, [channelId]: remaining } };
    }
    case 'member.voiceModerated': {
      const { [event.payload.userId]: _was, ...others } = state.serverMuted;
      return { serverMuted: event.payload.serverMuted ? { ...others, [event.payload.userId]: true } : others };
    }
    case 'member.updated': {
      const member = state.members[event.payload.userId];
      if (member === undefined) return null;
      return { members: { ...state.members, [member.userId]: { ...member, displayName: event.payload.displayName } } };
    }
    case 'member.online':
    case 'member.offline': {
      const member = state.members[event.payload.userId];
      if (member === undefined) return null;
      const online = event.type === 'member.online';
      return { members: { ...state.members, [member.userId]: { ...member, online } } };
    }
    default:
      return null;
  }
}

/**
 * The selected workspace's channels, members and voice rooms: loaded over REST (through main) when the workspace
 * or the connection changes, then kept current by WSS events. A resync or a reconnection reloads, so what the
 * list shows never depends on having seen every event.
 */
export function createChannelsStore(
  api: WhootApi,
  workspace: WorkspaceStore,
  hub: RealtimeHub,
): { store: ChannelsStore; dispose: () => void } {
  let snapshotSeq = 0;
  let loadGeneration = 0;
  const store = createStore<ChannelsState>()((set, get) => ({
    workspaceId: null,
    channels: [],
    members: {},
    rooms: {},
    serverMuted: {},
    loading: false,
    error: null,
    async setServerMute(userId, muted) {
      const workspaceId = get().workspaceId;
      if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
      return api.moderation.setVoiceMute({ workspaceId, userId, muted });
    },
    async moveToChannel(userId, channelId) {
      const workspaceId = get().workspaceId;
      if (workspaceId === null) return fail('no_workspace', 'Pick a workspace first.');
      return api.moderation.moveVoice({ workspaceId, userId, channelId });
    },
    async reload() {
      const workspaceId = get().workspaceId;
      if (workspaceId === null) return;
      const generation = ++loadGeneration;
      set({ loading: true });
      const [channels, members, rooms, mutes] = await Promise.all([
        api.workspace.channels({ workspaceId }),
        api.workspace.members({ workspaceId }),
        api.workspace.voiceRooms({ workspaceId }),
        api.moderation.voiceMutes({ workspaceId }),
      ]);
      if (generation !== loadGeneration || get().workspaceId !== workspaceId) return;
      const failed = [channels, members, rooms].find((result) => !result.ok);
      if (failed !== undefined && !failed.ok) {
        set({ loading: false, error: failed.error.message });
        return;
      }
      if (!channels.ok || !members.ok || !rooms.ok) return;
      snapshotSeq = rooms.value.seq;
      set({
        loading: false,
        error: null,
        channels: [...channels.value.channels].sort((a, b) => a.name.localeCompare(b.name)),
        members: membersById(members.value.members),
        rooms: Object.fromEntries(rooms.value.rooms.map((room) => [room.channelId, room.peers])),
        // A member may read who is muted; if the list is refused, events still keep it current from here on.
        serverMuted: mutes.ok ? Object.fromEntries(mutes.value.userIds.map((userId) => [userId, true as const])) : {},
      });
    },
  }));

  let membersGeneration = 0;
  async function reloadMembers(): Promise<void> {
    const workspaceId = store.getState().workspaceId;
    if (workspaceId === null) return;
    const generation = ++membersGeneration;
    const members = await api.workspace.members({ workspaceId });
    if (!members.ok || generation !== membersGeneration || store.getState().workspaceId !== workspaceId) return;
    store.setState({ members: membersById(members.value.members) });
  }

  function follow(workspaceId: string | null): void {
    if (workspaceId === store.getState().workspaceId) return;
    loadGeneration += 1;
    snapshotSeq = 0;
    store.setState({
      workspaceId,
      channels: [],
      members: {},
      rooms: {},
      serverMuted: {},
      error: null,
      loading: workspaceId !== null,
    });
    hub.connect(workspaceId);
    if (workspaceId !== null) void store.getState().reload();
  }

  const unsubscribers = [
    workspace.subscribe((state) => follow(state.selectedId)),
    hub.onEvent((event) => {
      if (event.workspaceId !== store.getState().workspaceId) return;
      const next = applyWorkspaceEvent(store.getState(), event, snapshotSeq);
      if (next !== null) store.setState(next);
      // Someone who joined the workspace after the list was loaded: fetch the members again for their name.
      const userId = 'userId' in event.payload ? event.payload.userId : null;
      if (userId !== null && store.getState().members[userId] === undefined) void reloadMembers();
    }),
    hub.onResync(() => void store.getState().reload()),
    hub.onStateChange((state) => {
      // Back after a drop: rooms changed while we were away, and our own old connection left its room.
      if (state === 'open' && hub.store.getState().reconnects > 0) void store.getState().reload();
    }),
  ];
  follow(workspace.getState().selectedId);

  return {
    store,
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      hub.connect(null);
    },
  };
}
