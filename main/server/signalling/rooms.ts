import type { IceCandidate, RoomPeer, SessionDescription, VoiceSelfState } from '../../../shared/ws';
import type { PubSub } from './pubsub';

/** A connection in a voice room. `relayOnly` is the channel policy as it was when this member joined. */
export interface RoomMember extends VoiceSelfState {
  readonly peerId: string;
  readonly userId: string;
  readonly relayOnly: boolean;
}

/** How a member appears in snapshots and membership messages: who, and their voice state. */
export const asRoomPeer = ({ peerId, userId, selfMuted, selfDeafened }: RoomMember): RoomPeer => ({
  peerId,
  userId,
  selfMuted,
  selfDeafened,
});

/** Rooms are per workspace and channel: the workspace is part of the key, so no lookup can cross workspaces. */
export const roomKey = (workspaceId: string, channelId: string): string => `${workspaceId}/${channelId}`;

/**
 * Who is in which voice room on this node. A connection is in at most one room at a time (joining another leaves
 * the first), as in Discord: one voice session per connection keeps media and signalling state simple.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Map<string, RoomMember>>();
  private readonly roomOfPeer = new Map<string, string>();

  /** Adds the member, leaving its previous room first; returns the other members already there. */
  join(key: string, member: RoomMember): RoomMember[] {
    this.leave(member.peerId);
    let room = this.rooms.get(key);
    if (room === undefined) this.rooms.set(key, (room = new Map()));
    const others = [...room.values()];
    room.set(member.peerId, member);
    this.roomOfPeer.set(member.peerId, key);
    return others;
  }

  /** Returns the key of the room left, if the peer was in one. */
  leave(peerId: string): string | undefined {
    const key = this.roomOfPeer.get(peerId);
    if (key === undefined) return undefined;
    this.roomOfPeer.delete(peerId);
    const room = this.rooms.get(key);
    room?.delete(peerId);
    if (room?.size === 0) this.rooms.delete(key);
    return key;
  }

  /** Records a member's own mute and deafen; answers whether anything changed (false when not in a room). */
  setVoiceState(peerId: string, state: VoiceSelfState): boolean {
    const key = this.roomOfPeer.get(peerId);
    const member = key === undefined ? undefined : this.rooms.get(key)?.get(peerId);
    if (key === undefined || member === undefined) return false;
    if (member.selfMuted === state.selfMuted && member.selfDeafened === state.selfDeafened) return false;
    this.rooms.get(key)?.set(peerId, { ...member, ...state });
    return true;
  }

  roomOf(peerId: string): string | undefined {
    return this.roomOfPeer.get(peerId);
  }

  size(key: string): number {
    return this.rooms.get(key)?.size ?? 0;
  }

  members(key: string): RoomMember[] {
    return [...(this.rooms.get(key)?.values() ?? [])];
  }

  /** Every non-empty room whose key starts with `prefix` (a workspace's rooms: `roomKey(workspaceId, '')`). */
  roomsWithPrefix(prefix: string): { key: string; members: RoomMember[] }[] {
    const found: { key: string; members: RoomMember[] }[] = [];
    for (const [key, room] of this.rooms) if (key.startsWith(prefix)) found.push({ key, members: [...room.values()] });
    return found;
  }

  /** The member a signal may go to: `to` when both it and `from` are in room `key`, and they differ; else null. */
  recipient(key: string, from: string, to: string): RoomMember | null {
    if (from === to || this.roomOfPeer.get(from) !== key) return null;
    return this.rooms.get(key)?.get(to) ?? null;
  }
}

/** What travels between connections of a room: membership changes on the room's topic, signals on the peer's. */
export type RoomBusMessage =
  | { readonly kind: 'peerJoined'; readonly channelId: string; readonly peer: RoomPeer }
  | { readonly kind: 'peerLeft'; readonly channelId: string; readonly peerId: string }
  | {
      readonly kind: 'signal';
      readonly channelId: string;
      readonly from: string;
      readonly to: string;
      readonly description?: SessionDescription;
      readonly candidate?: IceCandidate;
    };

export type RoomBus = PubSub<RoomBusMessage>;

export const roomTopic = (key: string): string => `room:${key}`;
export const peerTopic = (peerId: string): string => `peer:${peerId}`;
