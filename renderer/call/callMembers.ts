import type { Member } from '../../shared/rest/endpoints';
import type { RoomPeer } from '../../shared/ws';
import type { PeerView } from '../voice/voiceState';

/** One tile of the call view, and one row under a voice channel in the sidebar. */
export interface CallMember {
  readonly userId: string;
  readonly name: string;
  readonly self: boolean;
  readonly selfMuted: boolean;
  readonly selfDeafened: boolean;
  readonly serverMuted: boolean;
  readonly speaking: boolean;
  /** The peer connection to them, for others in our own call; null for ourselves and for rooms we are not in. */
  readonly connection: RTCPeerConnectionState | null;
}

export interface CallMembersInput {
  /** Who the server says is in the room (the last known list while the connection is down). */
  readonly roomPeers: readonly RoomPeer[];
  readonly members: Readonly<Record<string, Member>>;
  readonly serverMuted: Readonly<Record<string, true>>;
  readonly selfId: string | null;
  /** Our own call, when it is this room: our live mute/deafen and the engine's view of each peer. */
  readonly ownCall: {
    readonly muted: boolean;
    readonly deafened: boolean;
    readonly localSpeaking: boolean;
    readonly peers: readonly Pick<PeerView, 'userId' | 'speaking' | 'connectionState'>[];
  } | null;
}

/**
 * The members of a voice room, one per user (a user on two devices is one tile), ourselves first. What we show of
 * ourselves comes from our own engine, so pressing Mute changes our tile at once; everyone else's state comes from
 * the room (what the server broadcast), so what we see is what every other member sees.
 */
export function callMembers(input: CallMembersInput): CallMember[] {
  const { roomPeers, members, serverMuted, selfId, ownCall } = input;
  const byUser = new Map<string, RoomPeer[]>();
  for (const peer of roomPeers) byUser.set(peer.userId, [...(byUser.get(peer.userId) ?? []), peer]);
  if (ownCall !== null && selfId !== null && !byUser.has(selfId)) byUser.set(selfId, []);
  const enginePeers = ownCall?.peers ?? [];

  const list = [...byUser.entries()].map(([userId, peers]): CallMember => {
    const self = userId === selfId;
    const live = enginePeers.filter((peer) => peer.userId === userId);
    return {
      userId,
      name: members[userId]?.displayName ?? 'Unknown member',
      self,
      selfMuted: self && ownCall !== null ? ownCall.muted : peers.some((peer) => peer.selfMuted),
      selfDeafened: self && ownCall !== null ? ownCall.deafened : peers.some((peer) => peer.selfDeafened),
      serverMuted: serverMuted[userId] === true,
      speaking: self ? (ownCall?.localSpeaking ?? false) : live.some((peer) => peer.speaking),
      connection: self || live.length === 0 ? null : (live[0]?.connectionState ?? null),
    };
  });
  return list.sort((a, b) => (a.self === b.self ? a.name.localeCompare(b.name) : a.self ? -1 : 1));
}

/**
 * What a screen reader hears for a voice member (the avatar, the icons and the ring say the same to the eye): the
 * name, "(you)" for yourself, then the voice state. It is an aria-label rather than hidden text, because a speaking
 * flip then changes an attribute nothing is styled by, where a text change lays the page out at every phrase.
 */
export function voiceMemberLabel(
  member: Pick<CallMember, 'name' | 'self' | 'selfMuted' | 'selfDeafened' | 'serverMuted' | 'speaking'>,
): string {
  const words = [
    member.speaking ? 'speaking' : null,
    member.serverMuted ? 'server-muted' : null,
    member.selfDeafened ? 'deafened' : member.selfMuted ? 'muted' : null,
  ].filter((word): word is string => word !== null);
  return `${member.name}${member.self ? ' (you)' : ''}${words.length > 0 ? `, ${words.join(', ')}` : ''}`;
}

/**
 * Whether two renders of a member show the same thing: callMembers builds fresh records on every change of the
 * room or the call, and a speaking flip changes one member, so a tile or row compares fields to skip the others.
 */
export function sameMember(a: CallMember, b: CallMember): boolean {
  return (
    a.userId === b.userId &&
    a.name === b.name &&
    a.self === b.self &&
    a.selfMuted === b.selfMuted &&
    a.selfDeafened === b.selfDeafened &&
    a.serverMuted === b.serverMuted &&
    a.speaking === b.speaking &&
    a.connection === b.connection
  );
}
