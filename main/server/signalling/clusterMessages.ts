import { z } from 'zod';
import { randomIdSchema } from '../../../shared/identifiers';
import { channelVoiceModeSchema } from '../../../shared/voiceRoomState';
import type { PresenceConnection } from './presence';
import type { PubSub } from './pubsub';
import type { RoomMember } from './rooms';

/** Ids the server makes itself (UUIDs, session ids): bounded text, checked where a message arrives from another node. */
const idSchema = z.string().regex(/^[A-Za-z0-9_:-]{1,128}$/);

/**
 * What one node tells every other node, so an action taken through any node reaches every socket and relay
 * allocation wherever it is served: a sign-out or revocation, a member removed or an account closed, a channel
 * deleted, a server mute set or lifted, a channel's voice policy changed, a moderator's move. Each names its sender, which ignores its own.
 */
export const clusterMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sessionEnded'),
    from: idSchema,
    sessionId: idSchema,
    why: z.enum(['ended', 'refreshed']),
  }),
  z.strictObject({
    kind: z.literal('userClosed'),
    from: idSchema,
    userId: randomIdSchema,
    workspaceId: randomIdSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('roomClosed'),
    from: idSchema,
    workspaceId: randomIdSchema,
    channelId: randomIdSchema,
  }),
  z.strictObject({
    kind: z.literal('serverMute'),
    from: idSchema,
    workspaceId: randomIdSchema,
    userId: randomIdSchema,
    muted: z.boolean(),
  }),
  /** An owner or admin changed a channel's voice policy: each node decides its rooms' mode again. */
  z.strictObject({
    kind: z.literal('voiceMode'),
    from: idSchema,
    workspaceId: randomIdSchema,
    channelId: randomIdSchema,
    voiceMode: channelVoiceModeSchema,
  }),
  z.strictObject({
    kind: z.literal('move'),
    from: idSchema,
    requestId: idSchema,
    workspaceId: randomIdSchema,
    userId: randomIdSchema,
    channelId: randomIdSchema.nullable(),
  }),
  z.strictObject({
    kind: z.literal('moved'),
    from: idSchema,
    to: idSchema,
    requestId: idSchema,
    results: z
      .array(
        z.strictObject({
          fromChannelId: randomIdSchema,
          outcome: z.enum(['moved', 'unchanged', 'not_in_room', 'not_found', 'room_full', 'ended']),
        }),
      )
      .max(64),
  }),
]);
export type ClusterMessage = z.output<typeof clusterMessageSchema>;

/** The topic every node listens on. */
export const CLUSTER_TOPIC = 'cluster';

/** This node's link to the others: its id and the bus. Absent, a node is alone. */
export interface ClusterLink {
  readonly nodeId: string;
  readonly bus: PubSub<ClusterMessage>;
}

/**
 * What the shared state removed because a node stopped answering (its sockets are gone with it), or re-added for
 * this node after it had been taken for dead: the signalling server publishes the matching events.
 */
export interface MembershipChange {
  readonly offline: readonly PresenceConnection[];
  readonly online: readonly PresenceConnection[];
  readonly leftRooms: readonly { readonly key: string; readonly member: RoomMember }[];
  readonly joinedRooms: readonly { readonly key: string; readonly member: RoomMember }[];
}
