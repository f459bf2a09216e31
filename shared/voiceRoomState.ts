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
