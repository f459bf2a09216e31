import { z } from 'zod';
import { timelineMessageSchema } from './chat';
import { randomIdSchema } from './identifiers';
import { fail, ok, type Result } from './result';
import { channelSchema, displayNameSchema } from './rest/endpoints';
import {
  callModeReasonSchema,
  callModeSchema,
  peerIdSchema,
  roomPeerSchema,
  voiceSelfStateSchema,
  voiceStateOrDefault,
} from './voiceRoomState';

export {
  callModeSchema,
  type CallMode,
  type CallModeReason,
  peerIdSchema,
  roomPeerSchema,
  voiceSelfStateSchema,
  type RoomPeer,
  type VoiceSelfState,
} from './voiceRoomState';

/**
 * The WSS signalling and workspace-events contract, both directions. Every message is one JSON text frame whose
 * `type` names its schema; every object is strict, so a field the other side does not know is an error, not a
 * silently ignored extra. The server and the client parse with the functions at the bottom of this file.
 */

/** Where the socket lives; the URL never carries anything else (no query string: it is refused). */
export const WS_PATH = '/v1/ws';

/** The subprotocol the server selects. A new incompatible wire format gets a new name, not a flag. */
export const WS_SUBPROTOCOL = 'whoot.v1';

/**
 * The one-time connect ticket rides in `Sec-WebSocket-Protocol` as a second offered protocol, `ticket.<ticket>`:
 * browsers let a page set that header but no other, and unlike a query string it does not end up in access logs.
 * The server never selects it, so it is not echoed back either.
 */
export const WS_TICKET_PROTOCOL_PREFIX = 'ticket.';

/** 32 random bytes, base64url without padding. */
export const wsTicketSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a connect ticket');

/** Largest frame either side sends or accepts; the server closes the connection (1009) on a larger one. */
export const WS_MAX_FRAME_BYTES = 64 * 1024;

/** Bounds that keep one signal well inside a frame even after JSON escaping of every line ending. */
export const WS_MAX_SDP_CHARS = 32 * 1024;
export const WS_MAX_CANDIDATE_CHARS = 1024;

/** More peers than this in a mesh voice room would not be usable anyway; the server's own limit may be lower. */
export const WS_MAX_ROOM_PEERS = 256;

/**
 * An SFU subscription carries one m-line per speaker, so its answer grows with the room (about 300 characters a
 * member); it still has to fit a frame. Offers the server sends down are not bounded by the frame limit.
 */
export const WS_MAX_SFU_ANSWER_CHARS = 60 * 1024;
export const WS_MAX_SFU_OFFER_CHARS = 1024 * 1024;

/** Close codes the server uses beyond the standard ones (1001 going away, 1008 policy, 1009 too big, 1011 error). */
export const WS_CLOSE_CODES = {
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  /** Sign-out, revocation or removal from the workspace: do not reconnect with the same session. */
  sessionEnded: 4001,
  /** No `hello` or `resume` arrived in time. */
  helloTimeout: 4002,
  /** The client did not read its messages fast enough and the server's buffer for it filled up. */
  slowConsumer: 4003,
  /**
   * An owner or admin removed the user from this workspace: do not reconnect to it. Apart from 4001 so the app can
   * say what happened instead of asking a user whose session is fine to sign in again.
   */
  removedFromWorkspace: 4004,
  /**
   * This node is shutting down (a deploy, a scale-in): reconnect now, after a short random wait so the node's
   * clients do not all arrive at once, and resume; the load balancer sends the new connection to another node.
   */
  serverDraining: 4005,
} as const;

/** The protocols a client offers: the version and its ticket. */
export function wsProtocolsFor(ticket: string): [string, string] {
  return [WS_SUBPROTOCOL, `${WS_TICKET_PROTOCOL_PREFIX}${ticket}`];
}

/** Per-workspace event sequence numbers start at 1; 0 means "nothing seen yet". */
export const seqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const presenceStateSchema = z.enum(['active', 'idle', 'dnd']);
export type PresenceState = z.output<typeof presenceStateSchema>;

export const sessionDescriptionSchema = z.strictObject({
  type: z.enum(['offer', 'answer', 'rollback']),
  sdp: z.string().max(WS_MAX_SDP_CHARS),
});
export type SessionDescription = z.output<typeof sessionDescriptionSchema>;

/** RTCIceCandidateInit as `toJSON()` gives it; an empty `candidate` is the end-of-candidates marker. */
export const iceCandidateSchema = z.strictObject({
  candidate: z.string().max(WS_MAX_CANDIDATE_CHARS),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type IceCandidate = z.output<typeof iceCandidateSchema>;

/** The two links of a member in an SFU room: its microphone up, everyone else's audio down. */
export const sfuLinkSchema = z.enum(['publish', 'subscribe']);
export type SfuLink = z.output<typeof sfuLinkSchema>;

/** Which member's audio an m-line of the receiving link carries. */
export const sfuStreamSchema = z.strictObject({ mid: z.string().min(1).max(64), peerId: peerIdSchema });
export type SfuStream = z.output<typeof sfuStreamSchema>;

const exactlyOneSignalBody = {
  message: 'must carry exactly one of description or candidate',
} as const;
const hasOneSignalBody = (m: { description?: unknown; candidate?: unknown }): boolean =>
  (m.description === undefined) !== (m.candidate === undefined);

// ---------------------------------------------------------------------------------------------------------------
// Client → server

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** A client with no event state: the server answers `welcome` with the current sequence, then live events. */
  z.strictObject({ type: z.literal('hello') }),
  /** A reconnecting client: `welcome`, then every event after `lastSeq` in order, or `resync`, then live events. */
  z.strictObject({ type: z.literal('resume'), workspaceId: randomIdSchema, lastSeq: seqSchema }),
  /** Joins muted or deafened from the first moment when the client says so; absent means neither. */
  z.strictObject({
    type: z.literal('room.join'),
    channelId: randomIdSchema,
    selfMuted: z.boolean().optional(),
    selfDeafened: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('room.leave'), channelId: randomIdSchema }),
  /** The sender's own mute and deafen, in the room it is in (`channelId` must be that room, else `not_found`). */
  z.strictObject({ type: z.literal('voice.state'), channelId: randomIdSchema, ...voiceSelfStateSchema.shape }),
  z
    .strictObject({
      type: z.literal('signal'),
      channelId: randomIdSchema,
      to: peerIdSchema,
      description: sessionDescriptionSchema.optional(),
      candidate: iceCandidateSchema.optional(),
    })
    .refine(hasOneSignalBody, exactlyOneSignalBody),
  z.strictObject({ type: z.literal('presence.set'), state: presenceStateSchema }),
  // SFU rooms (docs/voice.md): the client never speaks the media server's protocol, only these. It names no room,
  // feed or handle of the media server: the server knows which are the connection's own.
  /** The offer of the connection's one sending link (its microphone), first or to renegotiate (ICE restart). */
  z.strictObject({ type: z.literal('sfu.offer'), channelId: randomIdSchema, sdp: z.string().max(WS_MAX_SDP_CHARS) }),
  /** The answer to the server's latest offer on the receiving link. */
  z.strictObject({
    type: z.literal('sfu.answer'),
    channelId: randomIdSchema,
    sdp: z.string().max(WS_MAX_SFU_ANSWER_CHARS),
  }),
  z.strictObject({
    type: z.literal('sfu.candidate'),
    channelId: randomIdSchema,
    link: sfuLinkSchema,
    candidate: iceCandidateSchema,
  }),
  /** Asks for a new offer on the receiving link with an ICE restart (the sending link restarts with an offer). */
  z.strictObject({ type: z.literal('sfu.restart'), channelId: randomIdSchema }),
]);
export type ClientMessage = z.output<typeof clientMessageSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Workspace events: what `event` messages carry, one payload schema per event type

const userRef = { userId: randomIdSchema };
const roomMemberRef = { channelId: randomIdSchema, userId: randomIdSchema, peerId: peerIdSchema };

export const workspaceEventPayloadSchemas = {
  /** The user's first connection to the workspace said hello. */
  'member.online': z.strictObject(userRef),
  /** The user's last connection to the workspace closed. */
  'member.offline': z.strictObject(userRef),
  'presence.changed': z.strictObject({ ...userRef, state: presenceStateSchema }),
  'room.memberJoined': z.strictObject({ ...roomMemberRef, ...voiceStateOrDefault }),
  'room.memberLeft': z.strictObject(roomMemberRef),
  /** A member in a voice room muted or deafened themselves, or stopped. */
  'room.voiceState': z.strictObject({ ...roomMemberRef, ...voiceSelfStateSchema.shape }),
  'channel.created': z.strictObject({ channel: channelSchema }),
  'channel.updated': z.strictObject({ channel: channelSchema }),
  'channel.deleted': z.strictObject({ channelId: randomIdSchema }),
  /**
   * A moderator server-muted the member, or lifted it. While it holds, the relay drops the member's voice whatever
   * their client does; every client shows it, and the muted client shows its own state from it.
   */
  'member.voiceModerated': z.strictObject({ ...userRef, serverMuted: z.boolean() }),
  /** The member changed their display name (it is the account's, so every workspace they are in hears it). */
  'member.updated': z.strictObject({ ...userRef, displayName: displayNameSchema }),
  /** A message joined a channel's timeline (docs/chat.md); an edit or a removed attachment sends it again. */
  'message.posted': z.strictObject({ message: timelineMessageSchema }),
  'message.edited': z.strictObject({ message: timelineMessageSchema }),
  'message.deleted': z.strictObject({ channelId: randomIdSchema, messageId: randomIdSchema }),
  /** Private to `userId`: only that user's connections receive it (see eventAudience). */
  'readMarker.updated': z.strictObject({
    userId: randomIdSchema,
    channelId: randomIdSchema,
    lastReadMessageId: randomIdSchema,
  }),
} as const;

type PayloadSchemas = typeof workspaceEventPayloadSchemas;
export type WorkspaceEventType = keyof PayloadSchemas;
export type WorkspaceEventPayload<T extends WorkspaceEventType> = z.output<PayloadSchemas[T]>;

const eventOf = <T extends WorkspaceEventType>(type: T) =>
  z.strictObject({
    /** Random, so receivers (and webhooks later) can deduplicate without trusting the sequence. */
    id: randomIdSchema,
    seq: seqSchema.min(1),
    workspaceId: randomIdSchema,
    type: z.literal(type),
    /** Unix milliseconds, from the server that stored the event. */
    at: z.number().int().min(0),
    payload: workspaceEventPayloadSchemas[type],
  });

export const workspaceEventSchema = z.discriminatedUnion('type', [
  eventOf('member.online'),
  eventOf('member.offline'),
  eventOf('presence.changed'),
  eventOf('room.memberJoined'),
  eventOf('room.memberLeft'),
  eventOf('room.voiceState'),
  eventOf('channel.created'),
  eventOf('channel.updated'),
  eventOf('channel.deleted'),
  eventOf('member.voiceModerated'),
  eventOf('member.updated'),
  eventOf('message.posted'),
  eventOf('message.edited'),
  eventOf('message.deleted'),
  eventOf('readMarker.updated'),
]);
export type WorkspaceEvent = z.output<typeof workspaceEventSchema>;
export type WorkspaceEventOf<T extends WorkspaceEventType> = Extract<WorkspaceEvent, { type: T }>;

/**
 * Who may receive an event: 'workspace' (every member's connections) or one user. A private event still takes a
 * sequence number in the workspace's log, so other members' streams skip that number: `seq` increases but may
 * jump, and a client must treat a jump as normal, not as a loss.
 */
export function eventAudience(event: Pick<WorkspaceEvent, 'type' | 'payload'>): 'workspace' | { userId: string } {
  if (event.type === 'readMarker.updated') return { userId: (event.payload as { userId: string }).userId };
  return 'workspace';
}

/** Whether a connection of `userId` may receive the event. */
export function eventVisibleTo(event: Pick<WorkspaceEvent, 'type' | 'payload'>, userId: string): boolean {
  const audience = eventAudience(event);
  return audience === 'workspace' || audience.userId === userId;
}

// ---------------------------------------------------------------------------------------------------------------
// Server → client

export const resyncReasonSchema = z.enum([
  /** The events after the client's sequence are no longer kept (older than the retention window). */
  'expired',
  /** The server never issued that sequence (its store was reset, or the cursor belongs elsewhere). */
  'unknown_seq',
  /** More events were missed than a replay sends; reloading is cheaper. */
  'too_many',
]);
export type ResyncReason = z.output<typeof resyncReasonSchema>;

export const wsErrorCodeSchema = z.enum([
  'invalid_message',
  /** A message the connection's state does not allow yet (anything before hello) or any more (a second hello). */
  'invalid_state',
  /** Unknown channel, a channel the user may not join, or a peer not in the sender's room: one answer for all. */
  'not_found',
  'room_full',
  'rate_limited',
  'internal',
]);
export type WsErrorCode = z.output<typeof wsErrorCodeSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('welcome'),
    userId: randomIdSchema,
    connectionId: peerIdSchema,
    workspaceId: randomIdSchema,
    /** Events after this sequence follow on this connection (replayed first, after a `resume`). */
    seq: seqSchema,
  }),
  z.strictObject({ type: z.literal('event'), event: workspaceEventSchema }),
  z.strictObject({
    type: z.literal('resync'),
    workspaceId: randomIdSchema,
    reason: resyncReasonSchema,
    /** Reload the workspace's state; events after this sequence follow. */
    seq: seqSchema,
  }),
  z.strictObject({
    type: z.literal('room.joined'),
    channelId: randomIdSchema,
    /** The channel's policy: the server already drops non-relay candidates, the client should not gather them. */
    relayOnly: z.boolean(),
    peers: z.array(roomPeerSchema).max(WS_MAX_ROOM_PEERS),
    /** How the room carries audio now; `room.mode` says when it changes. */
    mode: callModeSchema.default('mesh'),
  }),
  /** The room moved to a mesh or to the SFU: every member switches without rejoining. */
  z.strictObject({
    type: z.literal('room.mode'),
    channelId: randomIdSchema,
    mode: callModeSchema,
    reason: callModeReasonSchema,
  }),
  /** The answer to the member's `sfu.offer`. */
  z.strictObject({ type: z.literal('sfu.answer'), channelId: randomIdSchema, sdp: z.string().max(WS_MAX_SDP_CHARS) }),
  /** An offer on the receiving link: the first, a change of speakers, or an ICE restart. */
  z.strictObject({
    type: z.literal('sfu.offer'),
    channelId: randomIdSchema,
    sdp: z.string().max(WS_MAX_SFU_OFFER_CHARS),
    streams: z.array(sfuStreamSchema).max(WS_MAX_ROOM_PEERS),
  }),
  z.strictObject({
    type: z.literal('sfu.candidate'),
    channelId: randomIdSchema,
    link: sfuLinkSchema,
    candidate: iceCandidateSchema,
  }),
  /**
   * The media server dropped this link (its ICE or DTLS failed there): the client makes it anew, a new connection
   * with a new offer (sending link) or one for the server's next offer (receiving link).
   */
  z.strictObject({ type: z.literal('sfu.reset'), channelId: randomIdSchema, link: sfuLinkSchema }),
  /** The connection is no longer in the room: it left, or joined another one. */
  z.strictObject({ type: z.literal('room.left'), channelId: randomIdSchema }),
  z.strictObject({ type: z.literal('room.peerJoined'), channelId: randomIdSchema, peer: roomPeerSchema }),
  z.strictObject({ type: z.literal('room.peerLeft'), channelId: randomIdSchema, peerId: peerIdSchema }),
  z
    .strictObject({
      type: z.literal('signal'),
      channelId: randomIdSchema,
      from: peerIdSchema,
      description: sessionDescriptionSchema.optional(),
      candidate: iceCandidateSchema.optional(),
    })
    .refine(hasOneSignalBody, exactlyOneSignalBody),
  z.strictObject({ type: z.literal('error'), code: wsErrorCodeSchema, message: z.string().max(500) }),
]);
export type ServerMessage = z.output<typeof serverMessageSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Parsing: never throws on hostile text

export const parseClientMessage = (text: string): Result<ClientMessage> => parseFrame(clientMessageSchema, text);
export const parseServerMessage = (text: string): Result<ServerMessage> => parseFrame(serverMessageSchema, text);

function parseFrame<S extends z.ZodType>(schema: S, text: string): Result<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('invalid_message', 'The message is not JSON.');
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  const details = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  return fail('invalid_message', `Invalid message: ${details}`.slice(0, 500));
}
