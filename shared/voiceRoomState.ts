import { z } from 'zod';
import { randomIdSchema } from './identifiers';

/**
 * What a member says about their own voice: they muted their microphone, or deafened themselves. It is part of the
 * room's voice state, so everyone who sees the room sees it: the server keeps it per connection, broadcasts changes
 * as `room.voiceState` events and includes it in every snapshot of the room. A moderator's server mute is separate
 * (`member.voiceModerated`), and enforced by the relay rather than announced.
 */
export const voiceSelfStateSchema = z.strictObject({ selfMuted: z.boolean(), selfDeafened: z.boolean() });
export type VoiceSelfState = z.output<typeof voiceSelfStateSchema>;

/** Events and snapshots made before voice state existed carry none: read as neither muted nor deafened. */
export const voiceStateOrDefault = {
  selfMuted: z.boolean().default(false),
  selfDeafened: z.boolean().default(false),
};

/** A connection's id in rooms and signals: random per connection, so it says nothing about the user or device. */
export const peerIdSchema = randomIdSchema;

/** A connection in a voice room with its voice state, as room snapshots (REST and `room.joined`) list it. */
export const roomPeerSchema = z.strictObject({ peerId: peerIdSchema, userId: randomIdSchema, ...voiceStateOrDefault });
export type RoomPeer = z.output<typeof roomPeerSchema>;

/**
 * How a voice room carries audio now: `mesh` (one connection per other member) or `sfu` (one connection up to the
 * server's media server and one down from it). The server decides per room (docs/voice.md) and says so in
 * `room.joined` and `room.mode`.
 */
export const callModeSchema = z.enum(['mesh', 'sfu']);
export type CallMode = z.output<typeof callModeSchema>;

/** A channel's voice policy: decided by the room's size (`auto`), or forced by an owner or admin. */
export const channelVoiceModeSchema = z.enum(['auto', 'mesh', 'sfu']);
export type ChannelVoiceMode = z.output<typeof channelVoiceModeSchema>;

/** Why a room's mode changed, so the call can say what happened. */
export const callModeReasonSchema = z.enum([
  /** The room crossed the size line (or was a mesh or SFU channel from the start). */
  'size',
  /** An owner or admin forced the channel to a mode, or let it decide again. */
  'policy',
  /** The media server stopped answering: the room falls back to a mesh until it is back. */
  'sfu_unavailable',
  /** The media server is back (after a restart): the room moves to it again. */
  'sfu_restored',
]);
export type CallModeReason = z.output<typeof callModeReasonSchema>;
