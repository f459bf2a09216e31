import { z } from 'zod';
import { randomIdSchema } from '../../../shared/identifiers';
import {
  callModeReasonSchema,
  callModeSchema,
  roomPeerSchema,
  type CallMode,
  type CallModeReason,
} from '../../../shared/voiceRoomState';
import {
  iceCandidateSchema,
  sessionDescriptionSchema,
  type IceCandidate,
  type RoomPeer,
  type SessionDescription,
  type VoiceSelfState,
} from '../../../shared/ws';
import type { PubSub } from './pubsub';

/** A connection in a voice room. `relayOnly` is the channel policy as it was when this member joined. */
export interface RoomMember extends VoiceSelfState {
  readonly peerId: string;
  readonly userId: string;
  readonly relayOnly: boolean;
}

export const roomMemberSchema = roomPeerSchema.extend({ relayOnly: z.boolean() });

/** How a member appears in snapshots and membership messages: who, and their voice state. */
export const asRoomPeer = ({ peerId, userId, selfMuted, selfDeafened }: RoomMember): RoomPeer => ({
  peerId,
  userId,
  selfMuted,
  selfDeafened,
});

/** Rooms are per workspace and channel: the workspace is part of the key, so no lookup can cross workspaces. */
export const roomKey = (workspaceId: string, channelId: string): string => `${workspaceId}/${channelId}`;

/** The workspace and channel of a room key (ids never contain '/'). */
export function roomKeyParts(key: string): { workspaceId: string; channelId: string } {
  const slash = key.indexOf('/');
  return { workspaceId: key.slice(0, slash), channelId: key.slice(slash + 1) };
}

export type RoomJoin =
  | { readonly joined: true; readonly others: readonly RoomMember[] }
  | { readonly joined: false; readonly reason: 'room_full' };

/**
 * Who is in which voice room, over every node: room size limits count members on all nodes, snapshots list them,
 * and a signal may go to a peer connected to another node. A connection is in at most one room at a time (joining
 * another leaves the first), as in Discord. Asynchronous because several nodes share it (Redis), except the relay's
 * question, which is answered from a copy each node keeps (`voiceWorkspacesOf`).
 */
export interface RoomDirectory {
  /** Adds the member (leaving its previous room) unless the room already holds `maxSize`; the others there. */
  join(key: string, member: RoomMember, maxSize: number): Promise<RoomJoin>;
  /** Takes the peer out of room `key` (and only that room: a late leave never undoes a newer join). */
  leave(key: string, peerId: string): Promise<void>;
  /** Records a member's own mute and deafen; whether anything changed (false when not in that room). */
  setVoiceState(key: string, peerId: string, state: VoiceSelfState): Promise<boolean>;
  members(key: string): Promise<RoomMember[]>;
  /** The member a signal may go to: `to` when both it and `from` are in room `key`, and they differ; else null. */
  recipient(key: string, from: string, to: string): Promise<RoomMember | null>;
  /** Every non-empty room of the workspace. */
  rooms(workspaceId: string): Promise<{ channelId: string; members: RoomMember[] }[]>;
  /** Synchronous: the workspaces in whose voice rooms the user has a connection anywhere; undefined for none. */
  voiceWorkspacesOf(userId: string): ReadonlySet<string> | undefined;
  /** Called with a user id whenever that user's voice rooms may have changed (any node). */
  watchVoice(listener: (userId: string) => void): () => void;
}

/** Who is in which voice room, in memory: the single-node directory, and the copy each Redis node keeps. */
export class RoomRegistry {
  private readonly rooms = new Map<string, Map<string, RoomMember>>();
  private readonly roomOfPeer = new Map<string, string>();
  /** userId -> peerId -> workspaceId, for the relay's question. */
  private readonly voiceOfUser = new Map<string, Map<string, string>>();

  /** Adds the member, leaving its previous room first; returns the other members already there. */
  join(key: string, member: RoomMember): RoomMember[] {
    this.leave(member.peerId);
    let room = this.rooms.get(key);
    if (room === undefined) this.rooms.set(key, (room = new Map()));
    const others = [...room.values()];
    room.set(member.peerId, member);
    this.roomOfPeer.set(member.peerId, key);
    let voice = this.voiceOfUser.get(member.userId);
    if (voice === undefined) this.voiceOfUser.set(member.userId, (voice = new Map()));
    voice.set(member.peerId, roomKeyParts(key).workspaceId);
    return others;
  }

  /** Returns the member that left, if the peer was in a room (in `key`, when given). */
  leave(peerId: string, key?: string): RoomMember | undefined {
    const current = this.roomOfPeer.get(peerId);
    if (current === undefined || (key !== undefined && key !== current)) return undefined;
    this.roomOfPeer.delete(peerId);
    const room = this.rooms.get(current);
    const member = room?.get(peerId);
    room?.delete(peerId);
    if (room?.size === 0) this.rooms.delete(current);
    if (member !== undefined) {
      const voice = this.voiceOfUser.get(member.userId);
      voice?.delete(peerId);
      if (voice?.size === 0) this.voiceOfUser.delete(member.userId);
    }
    return member;
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

  voiceWorkspacesOf(userId: string): ReadonlySet<string> | undefined {
    const voice = this.voiceOfUser.get(userId);
    return voice === undefined ? undefined : new Set(voice.values());
  }

  /** Forgets everything (a copy about to be reloaded). */
  clear(): void {
    this.rooms.clear();
    this.roomOfPeer.clear();
    this.voiceOfUser.clear();
  }
}

/** Listeners of `watchVoice`, called in turn; one that throws does not stop the others. */
export function voiceWatchers() {
  const listeners = new Set<(userId: string) => void>();
  return {
    watch(listener: (userId: string) => void): () => void {
      const entry = (userId: string) => listener(userId);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    notify(userId: string): void {
      for (const listener of [...listeners]) {
        try {
          listener(userId);
        } catch {
          // A listener's failure is its own; the directory's state is already consistent.
        }
      }
    },
  };
}

/** The single-node directory. */
export function createMemoryRoomDirectory(): RoomDirectory {
  const registry = new RoomRegistry();
  const watchers = voiceWatchers();
  return {
    async join(key, member, maxSize) {
      const already = registry.roomOf(member.peerId) === key;
      if (!already && registry.size(key) >= maxSize) return { joined: false, reason: 'room_full' };
      const others = registry.join(key, member);
      watchers.notify(member.userId);
      return { joined: true, others };
    },
    async leave(key, peerId) {
      const left = registry.leave(peerId, key);
      if (left !== undefined) watchers.notify(left.userId);
    },
    async setVoiceState(key, peerId, state) {
      return registry.roomOf(peerId) === key && registry.setVoiceState(peerId, state);
    },
    async members(key) {
      return registry.members(key);
    },
    async recipient(key, from, to) {
      return registry.recipient(key, from, to);
    },
    async rooms(workspaceId) {
      const prefix = roomKey(workspaceId, '');
      return registry
        .roomsWithPrefix(prefix)
        .map(({ key, members }) => ({ channelId: key.slice(prefix.length), members }));
    },
    voiceWorkspacesOf: (userId) => registry.voiceWorkspacesOf(userId),
    watchVoice: (listener) => watchers.watch(listener),
  };
}

/** What travels between connections of a room: membership changes on the room's topic, signals on the peer's. */
export type RoomBusMessage =
  | { readonly kind: 'peerJoined'; readonly channelId: string; readonly peer: RoomPeer }
  | { readonly kind: 'peerLeft'; readonly channelId: string; readonly peerId: string }
  /** The room moved to a mesh or to the SFU (callModes.ts): every member switches. */
  | { readonly kind: 'mode'; readonly channelId: string; readonly mode: CallMode; readonly reason: CallModeReason }
  | {
      readonly kind: 'signal';
      readonly channelId: string;
      readonly from: string;
      readonly to: string;
      readonly description?: SessionDescription;
      readonly candidate?: IceCandidate;
    };

/** The room bus's messages, checked where they arrive from another node. */
export const roomBusMessageSchema: z.ZodType<RoomBusMessage> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('peerJoined'), channelId: randomIdSchema, peer: roomPeerSchema }),
  z.strictObject({ kind: z.literal('peerLeft'), channelId: randomIdSchema, peerId: randomIdSchema }),
  z.strictObject({
    kind: z.literal('mode'),
    channelId: randomIdSchema,
    mode: callModeSchema,
    reason: callModeReasonSchema,
  }),
  z.strictObject({
    kind: z.literal('signal'),
    channelId: randomIdSchema,
    from: randomIdSchema,
    to: randomIdSchema,
    description: sessionDescriptionSchema.optional(),
    candidate: iceCandidateSchema.optional(),
  }),
]);

export type RoomBus = PubSub<RoomBusMessage>;

export const roomTopic = (key: string): string => `room:${key}`;
export const peerTopic = (peerId: string): string => `peer:${peerId}`;
