import { z } from 'zod';
import {
  channelUnreadSchema,
  editMessageBodySchema,
  fileSummarySchema,
  historyPageSchema,
  postMessageBodySchema,
  timelineMessageSchema,
  uploadManifestSchema,
} from '../chat';
import { inviteCodeSchema } from '../deepLink';
import { randomIdSchema, voiceClusterIdSchema, workspaceSlugSchema } from '../identifiers';
import { plainTextSchema } from '../plainText';
import { passwordSchema, publicUserSchema, totpCodeSchema, workspaceSummarySchema } from '../session';
import { operationSchema } from '../signedRequest';
import { channelVoiceModeSchema, roomPeerSchema } from '../voiceRoomState';
import {
  ssoLoginCodeSchema,
  ssoLookupSchema,
  ssoProviderSchema,
  ssoSettingsInputSchema,
  ssoSettingsSchema,
  ssoVerifierSchema,
} from '../sso';
import {
  DEFAULT_SECRET_GRACE_SECONDS,
  MAX_SECRET_GRACE_SECONDS,
  webhookDeliverySchema,
  webhookDescriptionSchema,
  webhookEventSelectionSchema,
  webhookSchema,
  webhookSecretSchema,
  webhookUrlSchema,
} from '../webhookEvents';
import {
  AUDIT_PAGE,
  auditChainSchema,
  auditEntrySchema,
  auditPersonSchema,
  deviceLabelSchema,
  inviteSummarySchema,
  sessionSummarySchema,
} from '../admin';
import { newPasswordSchema } from '../passwordStrength';
import { apiTokenNameSchema, apiTokenSchema, apiTokenSecretSchema } from '../apiTokens';
import { updateFeedRequestSchema, updateFeedResponseSchema } from '../updates';
import {
  inputAcceptedSchema,
  inputNameSchema,
  inputPayloadSchema,
  inputRequestSchema,
  inputSchema,
} from '../inboundInputs';

/**
 * The REST contract: every endpoint once, with its method, path, how it is authenticated, the signed operation and
 * where its resource id comes from, and zod schemas for body and response. The server registers exactly these
 * routes and the client builds its calls from them, so the two sides cannot disagree on a path or a shape.
 */
export const roleSchema = z.enum(['owner', 'admin', 'member']);
export type Role = z.output<typeof roleSchema>;

export const displayNameSchema = plainTextSchema({ max: 64 });
/** Workspace and channel names: printed by the CLI and shown to every member, so the same rule as display names. */
export const workspaceNameSchema = plainTextSchema({ max: 80 });
export const channelNameSchema = plainTextSchema({ max: 64 });

/** Who may create an account on a server (docs/server.md, "Who may join"). */
export const registrationSchema = z.enum(['invite-only', 'open']);
/** Who may create workspaces through the API: server owners only, or any signed-in account. */
export const workspaceCreationSchema = z.enum(['operators', 'anyone']);

/** What a server allows, for the app to show before anyone signs in; nothing about versions or internals. */
export const serverInfoSchema = z.strictObject({
  registration: registrationSchema,
  workspaceCreation: workspaceCreationSchema,
});
export type ServerInfo = z.output<typeof serverInfoSchema>;

export const accountSchema = z.strictObject({
  user: publicUserSchema,
  totpEnabled: z.boolean(),
  /** The server's first account: it owns the server (creates workspaces under the `operators` policy). */
  serverOwner: z.boolean(),
  /** What the server's `workspaceCreation` policy means for this account. */
  mayCreateWorkspaces: z.boolean(),
});
export type Account = z.output<typeof accountSchema>;

export const recoveryCodeSchema = z.string().regex(/^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/, 'must be a recovery code');

export const sessionGrantSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes base64url'),
  refreshToken: z.string().regex(/^[A-Za-z0-9_.-]{32,200}$/),
  idleExpiresAt: z.number().int().positive(),
});

/** What a sign-in answers, by password or by single sign-on's login code: a session grant, the account, its workspaces. */
export const signedInSchema = z.strictObject({
  session: sessionGrantSchema,
  user: publicUserSchema,
  workspaces: z.array(workspaceSummarySchema).max(500),
});

export const channelSchema = z.strictObject({
  id: randomIdSchema,
  workspaceId: randomIdSchema,
  name: z.string().min(1).max(64),
  /** Voice channels carry a room and a timeline; text channels only the timeline. */
  kind: z.enum(['voice', 'text']),
  relayOnly: z.boolean(),
  /** A voice channel's mode: the room's size decides (`auto`), or an owner or admin forced a mesh or the SFU. */
  voiceMode: channelVoiceModeSchema.default('auto'),
});
export type Channel = z.output<typeof channelSchema>;

export const memberSchema = z.strictObject({
  userId: randomIdSchema,
  displayName: displayNameSchema,
  role: roleSchema,
  online: z.boolean(),
});
export type Member = z.output<typeof memberSchema>;

export const iceServerSchema = z.strictObject({
  urls: z
    .array(z.string().regex(/^turns?:[^\s?#]+(?:\?transport=(?:udp|tcp))?$/))
    .min(1)
    .max(4),
  username: z.string().max(200),
  credential: z.string().max(100),
});
export type IceServer = z.output<typeof iceServerSchema>;

const empty = z.strictObject({});

/** Revocation feed entries per response; a relay that gets a full page asks again at once. */
export const RELAY_FEED_PAGE = 200;

/** Sessions a relay run apart asks about in one relay.sessions call (it batches the Allocates that wait). */
export const RELAY_SESSION_BATCH = 100;

/** Headers of the server's signature over a relay endpoint's response (see relayResponseMessage). */
export const RELAY_FEED_HEADERS = { timestamp: 'x-whoot-feed-timestamp', signature: 'x-whoot-feed-signature' } as const;

/**
 * `v1\n{operation}.response\n{request nonce}\n{timestamp}\n{sha256(body) hex}`, HMAC-SHA256 under the relay secret:
 * bound to the request's nonce, so a recorded response cannot answer a later call, and to the operation, so the
 * answer to one relay endpoint cannot pass for another's.
 */
export function relayResponseMessage(parts: {
  readonly operation: string;
  readonly requestNonce: string;
  readonly timestamp: number;
  readonly bodySha256Hex: string;
}): string {
  return ['v1', `${parts.operation}.response`, parts.requestNonce, String(parts.timestamp), parts.bodySha256Hex].join(
    '\n',
  );
}

const relaySessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** The endpoints a relay run apart calls, authenticated by the relay secret (`auth: 'relay'`). */
export type RelayEndpoint = 'relayRevocations' | 'relaySessions';

/** Where the signed resource id comes from: nothing, a path parameter, a body field, or the caller's own session. */
export type ResourceSource =
  | { readonly from: 'none' }
  | { readonly from: 'param' | 'body'; readonly name: string }
  /** Several path parameters joined with ':', so the signature covers every id the path names. */
  | { readonly from: 'params'; readonly names: readonly string[] }
  | { readonly from: 'session' };

export interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  /**
   * 'none' for the account entry points; 'signed' for everything a session does (see docs/signed-requests.md);
   * 'relay' for a relay run apart: the same signed-request format keyed by the TURN REST secret (docs/server.md).
   */
  readonly auth: 'none' | 'signed' | 'relay';
  readonly operation?: string;
  readonly resource?: ResourceSource;
  readonly body: z.ZodType;
  readonly response: z.ZodType | null;
  readonly status: 200 | 201 | 204;
  /**
   * Rate-limit class: 'auth' is the stricter bucket for credential guessing surfaces; 'none' is for the health
   * probes alone, which no client's traffic may starve (docs/server.md, "Health checks").
   */
  readonly rateClass: 'auth' | 'default' | 'none';
  /**
   * A binary body or response that streams instead of JSON: 'upload' takes `application/octet-stream` whose
   * manifest (the `body` schema) rides in a header and is what the request signs; 'download' answers with bytes.
   */
  readonly stream?: 'upload' | 'download';
}

const endpoint = <E extends Endpoint>(e: E): E => {
  if (e.auth !== 'none') operationSchema.parse(e.operation);
  return e;
};

export const endpoints = {
  /** Liveness: the process answers HTTPS. For load balancers and service managers; says nothing else. */
  health: endpoint({
    method: 'GET',
    path: '/v1/health',
    auth: 'none',
    body: empty,
    response: z.strictObject({ status: z.literal('ok') }),
    status: 200,
    rateClass: 'none',
  }),
  /** Readiness: the store answers and the embedded relay (if any) is listening; 503 `not_ready` otherwise. */
  ready: endpoint({
    method: 'GET',
    path: '/v1/ready',
    auth: 'none',
    body: empty,
    response: z.strictObject({ status: z.literal('ready') }),
    status: 200,
    rateClass: 'none',
  }),
  serverInfo: endpoint({
    method: 'GET',
    path: '/v1/server-info',
    auth: 'none',
    body: empty,
    response: serverInfoSchema,
    status: 200,
    rateClass: 'default',
  }),
  /**
   * The session revocation feed a relay run apart polls, so it can end allocations when their sessions end. The
   * server signs the response too (RELAY_FEED_HEADERS): the relay acts only on revocations the server vouches for.
   */
  relayRevocations: endpoint({
    method: 'POST',
    path: '/v1/relay/revocations',
    auth: 'relay',
    operation: 'relay.revocations',
    resource: { from: 'none' },
    body: z.strictObject({ afterSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
    response: z.strictObject({
      entries: z
        .array(
          z.strictObject({
            seq: z.number().int().positive(),
            sessionIds: z.array(relaySessionIdSchema).min(1).max(10_000),
          }),
        )
        .max(RELAY_FEED_PAGE),
      latestSeq: z.number().int().min(0),
      /** The poller's cursor predates what the server keeps (or is ahead of it): entries restart at the oldest kept. */
      resync: z.boolean(),
    }),
    status: 200,
    rateClass: 'default',
  }),
  /**
   * Whether sessions a relay run apart meets in TURN usernames are live and belong to the user the username names:
   * the relay asks before the first allocation of a session it has not verified, so a credential minted with the
   * secret alone (for a session the server never issued, or another user's) starts nothing. Signed like the feed.
   */
  relaySessions: endpoint({
    method: 'POST',
    path: '/v1/relay/sessions',
    auth: 'relay',
    operation: 'relay.sessions',
    resource: { from: 'none' },
    body: z.strictObject({
      sessions: z
        .array(z.strictObject({ sessionId: relaySessionIdSchema, userId: randomIdSchema }))
        .min(1)
        .max(RELAY_SESSION_BATCH),
    }),
    /** One answer per asked session, in the same order. */
    response: z.strictObject({ live: z.array(z.boolean()).max(RELAY_SESSION_BATCH) }),
    status: 200,
    rateClass: 'default',
  }),
  signUp: endpoint({
    method: 'POST',
    path: '/v1/auth/sign-up',
    auth: 'none',
    body: z.strictObject({
      email: z.email().max(254),
      password: newPasswordSchema,
      displayName: displayNameSchema,
      inviteCode: inviteCodeSchema.optional(),
    }),
    response: z.strictObject({ user: publicUserSchema, serverOwner: z.boolean() }),
    status: 201,
    rateClass: 'auth',
  }),
  signIn: endpoint({
    method: 'POST',
    path: '/v1/auth/sign-in',
    auth: 'none',
    body: z.strictObject({
      email: z.email().max(254),
      password: passwordSchema,
      totp: totpCodeSchema.optional(),
      recoveryCode: recoveryCodeSchema.optional(),
      inviteCode: inviteCodeSchema.optional(),
      /** The client's label for this session, shown in its owner's session list. */
      device: deviceLabelSchema.optional(),
    }),
    response: signedInSchema,
    status: 200,
    rateClass: 'auth',
  }),
  refresh: endpoint({
    method: 'POST',
    path: '/v1/auth/refresh',
    auth: 'none',
    body: z.strictObject({ refreshToken: z.string().max(200) }),
    response: z.strictObject({ session: sessionGrantSchema }),
    status: 200,
    rateClass: 'auth',
  }),
  signOut: endpoint({
    method: 'POST',
    path: '/v1/auth/sign-out',
    auth: 'signed',
    operation: 'session.signOut',
    resource: { from: 'session' },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  signOutEverywhere: endpoint({
    method: 'POST',
    path: '/v1/auth/sign-out-everywhere',
    auth: 'signed',
    operation: 'session.signOutEverywhere',
    resource: { from: 'session' },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  totpEnroll: endpoint({
    method: 'POST',
    path: '/v1/auth/mfa/totp',
    auth: 'signed',
    operation: 'mfa.totpEnroll',
    resource: { from: 'session' },
    body: empty,
    response: z.strictObject({ secret: z.string().regex(/^[A-Z2-7]{32}$/), otpauthUri: z.string().max(500) }),
    status: 200,
    rateClass: 'auth',
  }),
  totpConfirm: endpoint({
    method: 'POST',
    path: '/v1/auth/mfa/totp/confirm',
    auth: 'signed',
    operation: 'mfa.totpConfirm',
    resource: { from: 'session' },
    body: z.strictObject({ code: totpCodeSchema }),
    response: z.strictObject({ recoveryCodes: z.array(recoveryCodeSchema).length(10) }),
    status: 200,
    rateClass: 'auth',
  }),
  totpDisable: endpoint({
    method: 'POST',
    path: '/v1/auth/mfa/totp/disable',
    auth: 'signed',
    operation: 'mfa.totpDisable',
    resource: { from: 'session' },
    body: z.strictObject({ code: totpCodeSchema }),
    response: null,
    status: 204,
    rateClass: 'auth',
  }),
  // ---- the signed-in account: what it may do, its password, its name --------------------------------------------
  /** The caller's account: whether two-step sign-in is on and whether this server lets it create workspaces. */
  getAccount: endpoint({
    method: 'GET',
    path: '/v1/account',
    auth: 'signed',
    operation: 'account.get',
    resource: { from: 'session' },
    body: empty,
    response: accountSchema,
    status: 200,
    rateClass: 'default',
  }),
  /**
   * A new password, given the current one. Every other session of the account ends (`password_changed`): whoever
   * knew the old password is signed out everywhere but here. Wrong current passwords count as failed sign-ins.
   */
  changePassword: endpoint({
    method: 'POST',
    path: '/v1/account/password',
    auth: 'signed',
    operation: 'account.changePassword',
    resource: { from: 'session' },
    body: z.strictObject({ currentPassword: passwordSchema, newPassword: newPasswordSchema }),
    response: z.strictObject({ signedOutSessions: z.number().int().min(0) }),
    status: 200,
    rateClass: 'auth',
  }),
  /** The caller's display name; every workspace they are in hears `member.updated`. */
  updateProfile: endpoint({
    method: 'PUT',
    path: '/v1/account/profile',
    auth: 'signed',
    operation: 'account.updateProfile',
    resource: { from: 'session' },
    body: z.strictObject({ displayName: displayNameSchema }),
    response: z.strictObject({ user: publicUserSchema }),
    status: 200,
    rateClass: 'default',
  }),
  listWorkspaces: endpoint({
    method: 'GET',
    path: '/v1/workspaces',
    auth: 'signed',
    operation: 'workspace.list',
    resource: { from: 'none' },
    body: empty,
    response: z.strictObject({ workspaces: z.array(workspaceSummarySchema).max(500) }),
    status: 200,
    rateClass: 'default',
  }),
  createWorkspace: endpoint({
    method: 'POST',
    path: '/v1/workspaces',
    auth: 'signed',
    operation: 'workspace.create',
    resource: { from: 'body', name: 'slug' },
    body: z.strictObject({ slug: workspaceSlugSchema, name: workspaceNameSchema }),
    response: z.strictObject({ workspace: workspaceSummarySchema }),
    status: 201,
    rateClass: 'default',
  }),
  listMembers: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/members',
    auth: 'signed',
    operation: 'member.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ members: z.array(memberSchema).max(10_000) }),
    status: 200,
    rateClass: 'default',
  }),
  setMemberRole: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/members/:userId/role',
    auth: 'signed',
    operation: 'member.setRole',
    resource: { from: 'params', names: ['workspaceId', 'userId'] },
    body: z.strictObject({ role: roleSchema }),
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  createInvite: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/invites',
    auth: 'signed',
    operation: 'invite.create',
    resource: { from: 'param', name: 'workspaceId' },
    body: z.strictObject({
      role: z.enum(['admin', 'member']).default('member'),
      maxUses: z.number().int().min(1).max(1000).default(1),
      ttlSeconds: z
        .number()
        .int()
        .min(60)
        .max(30 * 24 * 3600)
        .default(7 * 24 * 3600),
    }),
    response: z.strictObject({ code: inviteCodeSchema, link: z.string().max(2048), expiresAt: z.number().int() }),
    status: 201,
    rateClass: 'default',
  }),
  acceptInvite: endpoint({
    method: 'POST',
    path: '/v1/invites/accept',
    auth: 'signed',
    operation: 'invite.accept',
    resource: { from: 'none' },
    body: z.strictObject({ code: inviteCodeSchema }),
    response: z.strictObject({ workspace: workspaceSummarySchema }),
    status: 200,
    rateClass: 'auth',
  }),
  listChannels: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/channels',
    auth: 'signed',
    operation: 'channel.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ channels: z.array(channelSchema).max(1000) }),
    status: 200,
    rateClass: 'default',
  }),
  createChannel: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/channels',
    auth: 'signed',
    operation: 'channel.create',
    resource: { from: 'param', name: 'workspaceId' },
    body: z.strictObject({
      name: channelNameSchema,
      relayOnly: z.boolean().default(true),
      kind: z.enum(['voice', 'text']).default('voice'),
      voiceMode: channelVoiceModeSchema.default('auto'),
    }),
    response: z.strictObject({ channel: channelSchema }),
    status: 201,
    rateClass: 'default',
  }),
  /**
   * Forces a voice channel to a mesh or to the SFU, or gives the choice back to the room's size (`auto`). Members
   * in the room switch at once (docs/voice.md).
   */
  setChannelVoiceMode: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/voice-mode',
    auth: 'signed',
    operation: 'channel.setVoiceMode',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: z.strictObject({ voiceMode: channelVoiceModeSchema }),
    response: z.strictObject({ channel: channelSchema }),
    status: 200,
    rateClass: 'default',
  }),
  deleteChannel: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/channels/:channelId',
    auth: 'signed',
    operation: 'channel.delete',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  voiceCredentials: endpoint({
    method: 'POST',
    path: '/v1/voice/credentials',
    auth: 'signed',
    operation: 'voice.credentials',
    resource: { from: 'body', name: 'channelId' },
    body: z.strictObject({ channelId: randomIdSchema }),
    response: z.strictObject({
      iceServers: z.array(iceServerSchema).min(1).max(4),
      iceTransportPolicy: z.enum(['relay', 'all']),
      clusterId: voiceClusterIdSchema,
      expiresAt: z.number().int(),
    }),
    status: 200,
    rateClass: 'default',
  }),
  /** Who is in which voice room of the workspace now, and the event sequence this picture is current at. */
  voiceRooms: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/voice-rooms',
    auth: 'signed',
    operation: 'voice.rooms',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({
      /** Membership events up to this sequence are already in `rooms`; apply only later ones. */
      seq: z.number().int().min(0),
      rooms: z
        .array(
          z.strictObject({
            channelId: randomIdSchema,
            peers: z.array(roomPeerSchema).max(256),
          }),
        )
        .max(1000),
    }),
    status: 200,
    rateClass: 'default',
  }),
  wsTicket: endpoint({
    method: 'POST',
    path: '/v1/ws/ticket',
    auth: 'signed',
    operation: 'ws.ticket',
    resource: { from: 'body', name: 'workspaceId' },
    body: z.strictObject({ workspaceId: randomIdSchema }),
    response: z.strictObject({ ticket: z.string().max(200), expiresAt: z.number().int(), path: z.string().max(64) }),
    status: 200,
    rateClass: 'default',
  }),
  // ---- voice moderation (main/server/signalling/README.md, "Moderation") ----------------------------------------
  /** Who is server-muted in the workspace now; `member.voiceModerated` events carry the changes after that. */
  listVoiceMutes: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/voice-mutes',
    auth: 'signed',
    operation: 'voice.listMutes',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ userIds: z.array(randomIdSchema).max(10_000) }),
    status: 200,
    rateClass: 'default',
  }),
  /** Server mute, until lifted: the relay drops the member's voice in this workspace's rooms. Idempotent. */
  voiceMuteMember: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/members/:userId/voice-mute',
    auth: 'signed',
    operation: 'member.voiceMute',
    resource: { from: 'params', names: ['workspaceId', 'userId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  voiceUnmuteMember: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/members/:userId/voice-mute',
    auth: 'signed',
    operation: 'member.voiceUnmute',
    resource: { from: 'params', names: ['workspaceId', 'userId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /** Moves the member's voice connections to another voice channel of the workspace, or out of voice (null). */
  voiceMoveMember: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/members/:userId/voice-move',
    auth: 'signed',
    operation: 'member.voiceMove',
    resource: { from: 'params', names: ['workspaceId', 'userId'] },
    body: z.strictObject({ channelId: randomIdSchema.nullable() }),
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  // ---- channel timeline and files (docs/chat.md) --------------------------------------------------------------
  listMessages: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/messages',
    auth: 'signed',
    operation: 'message.list',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: empty,
    response: historyPageSchema,
    status: 200,
    rateClass: 'default',
  }),
  /** The page of older messages before a cursor (a message id of this channel): the query-free form of `?before=`. */
  listMessagesBefore: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/messages/:messageId/before',
    auth: 'signed',
    operation: 'message.listBefore',
    resource: { from: 'params', names: ['workspaceId', 'channelId', 'messageId'] },
    body: empty,
    response: historyPageSchema,
    status: 200,
    rateClass: 'default',
  }),
  postMessage: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/messages',
    auth: 'signed',
    operation: 'message.post',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: postMessageBodySchema,
    response: z.strictObject({ message: timelineMessageSchema }),
    status: 201,
    rateClass: 'default',
  }),
  getMessage: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/messages/:messageId',
    auth: 'signed',
    operation: 'message.get',
    resource: { from: 'params', names: ['workspaceId', 'messageId'] },
    body: empty,
    response: z.strictObject({ message: timelineMessageSchema }),
    status: 200,
    rateClass: 'default',
  }),
  editMessage: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/messages/:messageId',
    auth: 'signed',
    operation: 'message.edit',
    resource: { from: 'params', names: ['workspaceId', 'messageId'] },
    body: editMessageBodySchema,
    response: z.strictObject({ message: timelineMessageSchema }),
    status: 200,
    rateClass: 'default',
  }),
  deleteMessage: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/messages/:messageId',
    auth: 'signed',
    operation: 'message.delete',
    resource: { from: 'params', names: ['workspaceId', 'messageId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  setReadMarker: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/read-marker',
    auth: 'signed',
    operation: 'marker.set',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: z.strictObject({ messageId: z.string().max(64) }),
    response: z.strictObject({ unread: channelUnreadSchema }),
    status: 200,
    rateClass: 'default',
  }),
  listUnread: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/unread',
    auth: 'signed',
    operation: 'marker.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ channels: z.array(channelUnreadSchema).max(1000) }),
    status: 200,
    rateClass: 'default',
  }),
  /** Streams the file in (application/octet-stream); the manifest header is the signed "body" (docs/chat.md). */
  uploadFile: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/channels/:channelId/files',
    auth: 'signed',
    operation: 'file.upload',
    resource: { from: 'params', names: ['workspaceId', 'channelId'] },
    body: uploadManifestSchema,
    response: z.strictObject({ file: fileSummarySchema }),
    status: 201,
    rateClass: 'default',
    stream: 'upload',
  }),
  getFile: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/files/:fileId',
    auth: 'signed',
    operation: 'file.get',
    resource: { from: 'params', names: ['workspaceId', 'fileId'] },
    body: empty,
    response: z.strictObject({ file: fileSummarySchema }),
    status: 200,
    rateClass: 'default',
  }),
  /** The decrypted bytes, streamed, as an attachment that no browser renders in place. */
  downloadFile: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/files/:fileId/content',
    auth: 'signed',
    operation: 'file.download',
    resource: { from: 'params', names: ['workspaceId', 'fileId'] },
    body: empty,
    response: null,
    status: 200,
    rateClass: 'default',
    stream: 'download',
  }),
  deleteFile: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/files/:fileId',
    auth: 'signed',
    operation: 'file.delete',
    resource: { from: 'params', names: ['workspaceId', 'fileId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  adminStats: endpoint({
    method: 'GET',
    path: '/v1/admin/stats',
    auth: 'signed',
    operation: 'admin.stats',
    resource: { from: 'none' },
    body: empty,
    response: z.strictObject({
      /** The embedded relay's counters (allocations, packets and bytes relayed, refusals by reason), or null. */
      relay: z.record(z.string(), z.unknown()).nullable(),
      signalling: z.strictObject({ connections: z.number().int().min(0) }),
    }),
    status: 200,
    rateClass: 'default',
  }),
  // ---- outbound webhooks (workspace owners and admins; docs/admin.md) --------------------------------------------
  listWebhooks: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/webhooks',
    auth: 'signed',
    operation: 'webhook.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ webhooks: z.array(webhookSchema).max(100) }),
    status: 200,
    rateClass: 'default',
  }),
  /** The signing secret is in this answer and never again. */
  createWebhook: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/webhooks',
    auth: 'signed',
    operation: 'webhook.create',
    resource: { from: 'param', name: 'workspaceId' },
    body: z.strictObject({
      url: webhookUrlSchema,
      description: webhookDescriptionSchema.default(''),
      events: webhookEventSelectionSchema,
      enabled: z.boolean().default(true),
    }),
    response: z.strictObject({ webhook: webhookSchema, secret: webhookSecretSchema }),
    status: 201,
    rateClass: 'default',
  }),
  updateWebhook: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/webhooks/:webhookId',
    auth: 'signed',
    operation: 'webhook.update',
    resource: { from: 'params', names: ['workspaceId', 'webhookId'] },
    body: z.strictObject({
      url: webhookUrlSchema.optional(),
      description: webhookDescriptionSchema.optional(),
      events: webhookEventSelectionSchema.optional(),
      enabled: z.boolean().optional(),
    }),
    response: z.strictObject({ webhook: webhookSchema }),
    status: 200,
    rateClass: 'default',
  }),
  deleteWebhook: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/webhooks/:webhookId',
    auth: 'signed',
    operation: 'webhook.delete',
    resource: { from: 'params', names: ['workspaceId', 'webhookId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /** A new secret signs from now on; the old one keeps signing beside it for `graceSeconds` (0: stops at once). */
  rotateWebhookSecret: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/webhooks/:webhookId/secret',
    auth: 'signed',
    operation: 'webhook.rotateSecret',
    resource: { from: 'params', names: ['workspaceId', 'webhookId'] },
    body: z.strictObject({
      graceSeconds: z.number().int().min(0).max(MAX_SECRET_GRACE_SECONDS).default(DEFAULT_SECRET_GRACE_SECONDS),
    }),
    response: z.strictObject({ webhook: webhookSchema, secret: webhookSecretSchema }),
    status: 200,
    rateClass: 'default',
  }),
  /** The newest 100 deliveries with their attempt history (status codes only: response bodies are not kept). */
  listWebhookDeliveries: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/webhooks/:webhookId/deliveries',
    auth: 'signed',
    operation: 'webhook.deliveries',
    resource: { from: 'params', names: ['workspaceId', 'webhookId'] },
    body: empty,
    response: z.strictObject({ deliveries: z.array(webhookDeliverySchema).max(100) }),
    status: 200,
    rateClass: 'default',
  }),
  redeliverWebhook: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/webhooks/:webhookId/deliveries/:eventId/redeliver',
    auth: 'signed',
    operation: 'webhook.redeliver',
    resource: { from: 'params', names: ['workspaceId', 'webhookId', 'eventId'] },
    body: empty,
    response: z.strictObject({ delivery: webhookDeliverySchema }),
    status: 200,
    rateClass: 'default',
  }),
  // ---- inbound webhook inputs and API tokens (owners and admins; the input URL itself takes no session) ---------
  /**
   * What external systems POST to. No session: the random input id is the capability, plus an API token when the
   * input requires one. Every request gets the same answer, whether the input exists, is disabled or refused it.
   */
  postInput: endpoint({
    method: 'POST',
    path: '/v1/inputs/:inputId',
    auth: 'none',
    body: inputPayloadSchema,
    response: inputAcceptedSchema,
    status: 200,
    rateClass: 'default',
  }),
  listInputs: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/inputs',
    auth: 'signed',
    operation: 'input.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ inputs: z.array(inputSchema).max(100) }),
    status: 200,
    rateClass: 'default',
  }),
  createInput: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/inputs',
    auth: 'signed',
    operation: 'input.create',
    resource: { from: 'param', name: 'workspaceId' },
    body: z.strictObject({
      name: inputNameSchema,
      channelId: randomIdSchema,
      ephemeral: z.boolean().default(false),
      requireToken: z.boolean().default(false),
    }),
    response: z.strictObject({ input: inputSchema }),
    status: 201,
    rateClass: 'default',
  }),
  updateInput: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/inputs/:inputId',
    auth: 'signed',
    operation: 'input.update',
    resource: { from: 'params', names: ['workspaceId', 'inputId'] },
    body: z.strictObject({
      name: inputNameSchema.optional(),
      channelId: randomIdSchema.optional(),
      enabled: z.boolean().optional(),
      ephemeral: z.boolean().optional(),
      requireToken: z.boolean().optional(),
    }),
    response: z.strictObject({ input: inputSchema }),
    status: 200,
    rateClass: 'default',
  }),
  deleteInput: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/inputs/:inputId',
    auth: 'signed',
    operation: 'input.delete',
    resource: { from: 'params', names: ['workspaceId', 'inputId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /** The newest 50 requests: status and time, and what arrived unless the input is ephemeral. */
  listInputRequests: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/inputs/:inputId/requests',
    auth: 'signed',
    operation: 'input.requests',
    resource: { from: 'params', names: ['workspaceId', 'inputId'] },
    body: empty,
    response: z.strictObject({ requests: z.array(inputRequestSchema).max(50) }),
    status: 200,
    rateClass: 'default',
  }),
  listApiTokens: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/api-tokens',
    auth: 'signed',
    operation: 'apitoken.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ tokens: z.array(apiTokenSchema).max(100) }),
    status: 200,
    rateClass: 'default',
  }),
  /** The token (key id and secret) is in this answer and never again. */
  createApiToken: endpoint({
    method: 'POST',
    path: '/v1/workspaces/:workspaceId/api-tokens',
    auth: 'signed',
    operation: 'apitoken.create',
    resource: { from: 'param', name: 'workspaceId' },
    body: z.strictObject({ name: apiTokenNameSchema }),
    response: z.strictObject({ apiToken: apiTokenSchema, token: apiTokenSecretSchema }),
    status: 201,
    rateClass: 'default',
  }),
  revokeApiToken: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/api-tokens/:tokenId',
    auth: 'signed',
    operation: 'apitoken.revoke',
    resource: { from: 'params', names: ['workspaceId', 'tokenId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /**
   * Short-lived TURN credentials for the network doctor ("Test my connection"): the same TURN REST credentials as
   * voice, bound to the caller's session, valid for two minutes, for members of at least one workspace.
   */
  doctorCredentials: endpoint({
    method: 'POST',
    path: '/v1/doctor/credentials',
    auth: 'signed',
    operation: 'doctor.credentials',
    resource: { from: 'session' },
    body: empty,
    response: z.strictObject({ iceServers: z.array(iceServerSchema).min(1).max(4), expiresAt: z.number().int() }),
    status: 200,
    rateClass: 'auth',
  }),
  // ---- the admin console: members, invites, the caller's sessions, the audit log --------------------------------
  /** Owners remove anyone but the last owner; admins remove members. The removed user's sockets close at once. */
  removeMember: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/members/:userId',
    auth: 'signed',
    operation: 'member.remove',
    resource: { from: 'params', names: ['workspaceId', 'userId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  listInvites: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/invites',
    auth: 'signed',
    operation: 'invite.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ invites: z.array(inviteSummarySchema).max(1000) }),
    status: 200,
    rateClass: 'default',
  }),
  revokeInvite: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/invites/:inviteId',
    auth: 'signed',
    operation: 'invite.revoke',
    resource: { from: 'params', names: ['workspaceId', 'inviteId'] },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /** The caller's own live sessions (one per signed-in device). */
  listSessions: endpoint({
    method: 'GET',
    path: '/v1/sessions',
    auth: 'signed',
    operation: 'session.list',
    resource: { from: 'none' },
    body: empty,
    response: z.strictObject({ sessions: z.array(sessionSummarySchema).max(1000) }),
    status: 200,
    rateClass: 'default',
  }),
  /** Ends another of the caller's sessions (and whatever a refresh would make of it); sockets and relay too. */
  revokeSession: endpoint({
    method: 'DELETE',
    path: '/v1/sessions/:sessionId',
    auth: 'signed',
    operation: 'session.revoke',
    resource: { from: 'param', name: 'sessionId' },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /** The workspace's newest audit entries, the people they mention by name, and whether the whole chain verifies. */
  auditLog: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/audit',
    auth: 'signed',
    operation: 'audit.list',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({
      entries: z.array(auditEntrySchema).max(AUDIT_PAGE),
      people: z.array(auditPersonSchema).max(AUDIT_PAGE * 2),
      chain: auditChainSchema,
    }),
    status: 200,
    rateClass: 'default',
  }),
  /**
   * Single sign-on (docs/admin.md, "Single sign-on"). Whether a workspace, named by its address or by an invite's
   * code, signs in through an identity provider; a workspace without one answers like one that does not exist.
   */
  ssoLookup: endpoint({
    method: 'POST',
    path: '/v1/sso/lookup',
    auth: 'none',
    body: ssoLookupSchema,
    response: z.strictObject({ sso: ssoProviderSchema.nullable() }),
    status: 200,
    rateClass: 'default',
  }),
  /** The one-time login code from the browser's trip, with the verifier only the app holds, becomes a session. */
  ssoExchange: endpoint({
    method: 'POST',
    path: '/v1/sso/exchange',
    auth: 'none',
    body: z.strictObject({
      code: ssoLoginCodeSchema,
      verifier: ssoVerifierSchema,
      device: deviceLabelSchema.optional(),
    }),
    response: signedInSchema,
    status: 200,
    rateClass: 'auth',
  }),
  /** Owners only. The client secret is write-only: no answer carries it. */
  getSsoSettings: endpoint({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId/sso',
    auth: 'signed',
    operation: 'sso.get',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: z.strictObject({ settings: ssoSettingsSchema.nullable(), callbackUrl: z.string().max(600) }),
    status: 200,
    rateClass: 'default',
  }),
  putSsoSettings: endpoint({
    method: 'PUT',
    path: '/v1/workspaces/:workspaceId/sso',
    auth: 'signed',
    operation: 'sso.put',
    resource: { from: 'param', name: 'workspaceId' },
    body: ssoSettingsInputSchema,
    response: z.strictObject({ settings: ssoSettingsSchema }),
    status: 200,
    rateClass: 'default',
  }),
  deleteSsoSettings: endpoint({
    method: 'DELETE',
    path: '/v1/workspaces/:workspaceId/sso',
    auth: 'signed',
    operation: 'sso.delete',
    resource: { from: 'param', name: 'workspaceId' },
    body: empty,
    response: null,
    status: 204,
    rateClass: 'default',
  }),
  /**
   * The newest release of a channel and platform that is not paused and whose staged rollout includes this
   * installation, as the organization's release key signed it (docs/admin.md, "Signed updates"). Signed-in users
   * only: the rollout is decided per installation, and what an organization runs is not for everyone to read.
   */
  updateFeed: endpoint({
    method: 'POST',
    path: '/v1/updates/feed',
    auth: 'signed',
    operation: 'update.feed',
    resource: { from: 'none' },
    body: updateFeedRequestSchema,
    response: updateFeedResponseSchema,
    status: 200,
    rateClass: 'default',
  }),
  /**
   * An installer, by the SHA-512 its signed feed lists and its name: the digest is the capability (only a feed gives
   * it), so electron-updater downloads it without whoot's request signing, and the app checks the bytes against the
   * signed feed before installing.
   */
  updateFile: endpoint({
    method: 'GET',
    path: '/v1/updates/files/:digest/:name',
    auth: 'none',
    body: empty,
    response: null,
    status: 200,
    rateClass: 'default',
    stream: 'download',
  }),
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;
export type BodyOf<N extends EndpointName> = z.input<(typeof endpoints)[N]['body']>;
export type ResponseOf<N extends EndpointName> = (typeof endpoints)[N]['response'] extends z.ZodType
  ? z.output<(typeof endpoints)[N]['response']>
  : null;

/**
 * The resource id a signed call covers, computed the same way by the client that signs and the server that
 * verifies: from the route's own path parameters or body, never from a value the client states separately.
 */
export function resourceIdFor(
  endpoint: Endpoint,
  request: { readonly params?: Readonly<Record<string, string>>; readonly body?: unknown; readonly sessionId: string },
): string {
  const resource = endpoint.resource ?? { from: 'none' };
  switch (resource.from) {
    case 'param':
      return request.params?.[resource.name] ?? '';
    case 'params':
      return resource.names.map((name) => request.params?.[name] ?? '').join(':');
    case 'body': {
      const body = request.body;
      const value =
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[resource.name] : undefined;
      return typeof value === 'string' ? value : '';
    }
    case 'session':
      return request.sessionId;
    case 'none':
      return '';
  }
}
