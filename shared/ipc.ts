import { z } from 'zod';
import { accountIpcChannels, hostStatusSchema } from './accountIpc';
import { adminIpcChannels } from './adminIpc';
import { editMessageBodySchema, fileContentTypeSchema, historyPageSchema, postMessageBodySchema } from './chat';
import { inviteSchema } from './deepLink';
import { linkOpenRequestSchema, linkOpenResponseSchema } from './links';
import { outboxEntriesSchema } from './outbox';
import {
  pushToTalkMechanismSchema,
  pushToTalkStatusSchema,
  pushToTalkUpdateSchema,
  voiceReportedStateSchema,
} from './pushToTalk';
import type { Result } from './result';
import { randomIdSchema, serverAddressSchema } from './identifiers';
import { endpoints } from './rest/endpoints';
import { serverReviewSchema } from './serverTrust';
import { ssoIpcChannels } from './ssoIpc';
import { policyViewSchema } from './managedPolicy';
import { updateStatusSchema } from './updates';
import { dropCredentialsReasonSchema, sessionStateSchema, signInRequestSchema } from './session';
import { voicePreferencesSchema, voicePreferencesUpdateSchema } from './voicePreferences';
import { wsTicketSchema } from './ws';

/**
 * The IPC contract: every channel between renderer and main, declared once. The preload factory exposes exactly
 * these as `window.whoot.<namespace>.<method>`, main registers exactly these, and test/ipcContract.test.ts proves
 * the three lists are equal. Names are `namespace.method`; on the wire they are prefixed with IPC_PREFIX.
 */
const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });

const noRequest = z.strictObject({});

/** Bytes one file chunk carries over IPC, and the largest transfer main takes on (the server's limit is lower). */
export const FILE_CHUNK_BYTES = 256 * 1024;
export const MAX_TRANSFER_BYTES = 4 * 1024 * 1024 * 1024;
/** A chunk as base64 (padded), so every transport (Electron IPC, the e2e harness) carries it the same way. */
export const fileChunkSchema = z
  .string()
  .max(Math.ceil(FILE_CHUNK_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const appInfoSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  platform: z.enum(['linux', 'darwin', 'win32', 'other']),
});

export const ipcInvokeChannels = {
  'app.info': channel(noRequest, appInfoSchema),
  /** The organization's managed policy as main applied it (docs/admin.md, "Managed policy"); the page shows it. */
  'policy.get': channel(noRequest, policyViewSchema),
  /** Version, update channel and the last update check with its result (the About page). */
  'updates.status': channel(noRequest, updateStatusSchema),
  /** Checks the organization's server for a signed update now; answers the status after the check. */
  'updates.check': channel(noRequest, updateStatusSchema),
  'session.status': channel(noRequest, sessionStateSchema),
  'session.signIn': channel(signInRequestSchema, sessionStateSchema),
  /** `sessionEnded`: the server already ended the session (the page saw its socket closed for that). */
  'session.signOut': channel(z.strictObject({ sessionEnded: z.literal(true).optional() }), sessionStateSchema),
  /** Whether this app has joined the server before; sign-in and whoot:// links ask the user about any other. */
  'servers.review': channel(serverAddressSchema, serverReviewSchema),
  /** The user confirmed the server in the app's question: from now on main lets sign-in reach it. */
  'servers.confirm': channel(serverAddressSchema, z.strictObject({})),
  'pushToTalk.get': channel(noRequest, pushToTalkStatusSchema),
  'pushToTalk.set': channel(pushToTalkUpdateSchema, pushToTalkStatusSchema),
  /** Sensitivity, processing, devices and members' volumes, kept by main in the preferences file. */
  'voicePreferences.get': channel(noRequest, voicePreferencesSchema),
  /** Changes only what the request names; answers with the preferences as saved. */
  'voicePreferences.set': channel(voicePreferencesUpdateSchema, voicePreferencesSchema),
  /** The renderer owns the call; main only mirrors it in the tray. */
  'voice.reportState': channel(voiceReportedStateSchema, z.strictObject({})),
  'workspace.channels': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listChannels.response),
  'workspace.members': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listMembers.response),
  'workspace.voiceRooms': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.voiceRooms.response),
  /** Voice moderation (owners and admins; the server decides): who is server-muted, mute or unmute, move. */
  'moderation.voiceMutes': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listVoiceMutes.response),
  'moderation.setVoiceMute': channel(
    z.strictObject({ workspaceId: randomIdSchema, userId: randomIdSchema, muted: z.boolean() }),
    z.strictObject({}),
  ),
  'moderation.moveVoice': channel(
    z.strictObject({ workspaceId: randomIdSchema, userId: randomIdSchema, channelId: randomIdSchema.nullable() }),
    z.strictObject({}),
  ),
  /** Short-lived TURN credentials for one channel; the renderer holds them only while it is in a call. */
  'voice.credentials': channel(
    z.strictObject({ channelId: randomIdSchema }),
    endpoints.voiceCredentials.response.omit({ clusterId: true }),
  ),
  /** A one-time WSS connect ticket and the URL to use it on, minted by main with a signed request. */
  'realtime.ticket': channel(
    z.strictObject({ workspaceId: randomIdSchema }),
    z.strictObject({ url: z.string().regex(/^wss:\/\/[^\s/?#]+\/v1\/ws$/), ticket: wsTicketSchema }),
  ),
  // ---- channel timelines and files (docs/chat.md): main makes every call, the page holds no token ----
  'chat.history': channel(
    z.strictObject({ workspaceId: randomIdSchema, channelId: randomIdSchema, before: randomIdSchema.nullable() }),
    historyPageSchema,
  ),
  'chat.post': channel(
    z.strictObject({ workspaceId: randomIdSchema, channelId: randomIdSchema, message: postMessageBodySchema }),
    endpoints.postMessage.response,
  ),
  'chat.edit': channel(
    z.strictObject({ workspaceId: randomIdSchema, messageId: randomIdSchema, body: editMessageBodySchema.shape.body }),
    endpoints.editMessage.response,
  ),
  'chat.delete': channel(
    z.strictObject({ workspaceId: randomIdSchema, messageId: randomIdSchema }),
    z.strictObject({}),
  ),
  'chat.markRead': channel(
    z.strictObject({ workspaceId: randomIdSchema, channelId: randomIdSchema, messageId: randomIdSchema }),
    endpoints.setReadMarker.response,
  ),
  'chat.unread': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listUnread.response),
  /**
   * The chat outbox of the signed-in account (shared/outbox.ts): messages not yet confirmed by the server, kept by
   * main across restarts of the app and forgotten at sign-out. The page runs the queue and saves it whole.
   */
  'outbox.load': channel(noRequest, z.strictObject({ entries: outboxEntriesSchema })),
  'outbox.save': channel(z.strictObject({ entries: outboxEntriesSchema }), z.strictObject({})),
  /** A desktop notification for a mention, shown by main only while the window is not focused. */
  'chat.notify': channel(
    z.strictObject({ title: z.string().min(1).max(100), body: z.string().max(300) }),
    z.strictObject({ shown: z.boolean() }),
  ),
  /** Uploads: begin, chunks of at most FILE_CHUNK_BYTES (base64), finish; main streams the file to the server. */
  'files.uploadBegin': channel(
    z.strictObject({
      workspaceId: randomIdSchema,
      channelId: randomIdSchema,
      name: z.string().min(1).max(1024),
      size: z.number().int().min(1).max(MAX_TRANSFER_BYTES),
    }),
    z.strictObject({ uploadId: randomIdSchema, chunkBytes: z.number().int().positive() }),
  ),
  'files.uploadChunk': channel(
    z.strictObject({ uploadId: randomIdSchema, data: fileChunkSchema }),
    z.strictObject({ received: z.number().int().min(0) }),
  ),
  'files.uploadFinish': channel(z.strictObject({ uploadId: randomIdSchema }), endpoints.uploadFile.response),
  'files.uploadCancel': channel(z.strictObject({ uploadId: randomIdSchema }), z.strictObject({})),
  /** Downloads for previews and hashing: the page pulls chunks, so main never reads ahead of it. */
  'files.downloadBegin': channel(
    z.strictObject({ workspaceId: randomIdSchema, fileId: randomIdSchema }),
    z.strictObject({
      downloadId: randomIdSchema,
      size: z.number().int().min(0),
      contentType: fileContentTypeSchema,
    }),
  ),
  'files.downloadChunk': channel(
    z.strictObject({ downloadId: randomIdSchema }),
    z.strictObject({ data: fileChunkSchema, done: z.boolean() }),
  ),
  'files.downloadCancel': channel(z.strictObject({ downloadId: randomIdSchema }), z.strictObject({})),
  /** Removes a file for good (its uploader or a moderator; the server decides). */
  'files.remove': channel(z.strictObject({ workspaceId: randomIdSchema, fileId: randomIdSchema }), z.strictObject({})),
  /** Saves a file where the user chooses (a dialog in main); the bytes go from the server to disk, not the page. */
  'files.save': channel(
    z.strictObject({ workspaceId: randomIdSchema, fileId: randomIdSchema, name: z.string().min(1).max(400) }),
    z.strictObject({ saved: z.boolean() }),
  ),
  /** A link from message content and its visible text: main opens it, asks the page to confirm first, or refuses. */
  'links.open': channel(linkOpenRequestSchema, linkOpenResponseSchema),
  // ---- the admin console and "Test my connection" (shared/adminIpc.ts; docs/admin.md) ----
  ...adminIpcChannels,
  // ---- onboarding, the account's own settings, joining and creating workspaces (shared/accountIpc.ts) ----
  ...accountIpcChannels,
  // ---- single sign-on (shared/ssoIpc.ts; docs/admin.md) ----
  ...ssoIpcChannels,
} as const;

/** Events main pushes to the renderer. They carry no secrets; `voice.dropCredentials` tells it to forget TURN ones. */
export const ipcEventChannels = {
  'session.changed': sessionStateSchema,
  'voice.dropCredentials': z.strictObject({ reason: dropCredentialsReasonSchema }),
  'invite.received': inviteSchema,
  /** The push-to-talk shortcut opened (true) or closed (false) the microphone. */
  'pushToTalk.changed': z.strictObject({ active: z.boolean() }),
  /** The way the shortcut is heard changed (a hook that died falls back to toggle), so the settings show it. */
  'pushToTalk.mechanismChanged': pushToTalkMechanismSchema,
  /** The tray's Mute and Deafen items: the renderer toggles its own state and reports back with voice.reportState. */
  'voice.toggleMuteRequested': z.strictObject({}),
  'voice.toggleDeafenRequested': z.strictObject({}),
  /** The server this app hosts started, failed, or got its first account. */
  'host.changed': hostStatusSchema,
  /** An update check finished (or a download was verified or refused): the About page shows the new status. */
  'updates.changed': updateStatusSchema,
} as const;

export const IPC_PREFIX = 'whoot:';

export type InvokeChannel = keyof typeof ipcInvokeChannels;
export type EventChannel = keyof typeof ipcEventChannels;
export type RequestOf<C extends InvokeChannel> = z.input<(typeof ipcInvokeChannels)[C]['request']>;
export type ParsedRequestOf<C extends InvokeChannel> = z.output<(typeof ipcInvokeChannels)[C]['request']>;
export type ResponseOf<C extends InvokeChannel> = z.output<(typeof ipcInvokeChannels)[C]['response']>;
export type EventPayloadOf<E extends EventChannel> = z.output<(typeof ipcEventChannels)[E]>;

export const invokeChannelNames = Object.keys(ipcInvokeChannels) as InvokeChannel[];
export const eventChannelNames = Object.keys(ipcEventChannels) as EventChannel[];

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(ipcInvokeChannels, name);
}

export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(ipcEventChannels, name);
}

type NamespaceOf<N> = N extends `${infer Namespace}.${string}` ? Namespace : never;
type MethodOf<N, Namespace extends string> = N extends `${Namespace}.${infer Method}` ? Method : never;
type Call<C extends InvokeChannel> =
  Record<string, never> extends RequestOf<C>
    ? (request?: RequestOf<C>) => Promise<Result<ResponseOf<C>>>
    : (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;

/** `window.whoot`: one method per invoke channel, grouped by namespace, plus `on` for the event channels. */
export type WhootApi = {
  readonly [Namespace in NamespaceOf<InvokeChannel>]: {
    readonly [Method in MethodOf<InvokeChannel, Namespace>]: Call<Extract<`${Namespace}.${Method}`, InvokeChannel>>;
  };
} & {
  readonly on: <E extends EventChannel>(event: E, listener: (payload: EventPayloadOf<E>) => void) => () => void;
};

/** How a bridge reaches main: ipcRenderer in Electron, a Playwright binding in the Chromium e2e harness. */
export interface IpcTransport {
  invoke(wireChannel: string, payload: unknown): Promise<unknown>;
  subscribe(wireChannel: string, listener: (payload: unknown) => void): () => void;
}
