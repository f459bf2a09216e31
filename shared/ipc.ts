import { z } from 'zod';
import { inviteSchema } from './deepLink';
import {
  pushToTalkMechanismSchema,
  pushToTalkStatusSchema,
  pushToTalkUpdateSchema,
  voiceReportedStateSchema,
} from './pushToTalk';
import type { Result } from './result';
import { randomIdSchema } from './identifiers';
import { endpoints } from './rest/endpoints';
import { dropCredentialsReasonSchema, sessionStateSchema, signInRequestSchema } from './session';
import { wsTicketSchema } from './ws';

/**
 * The IPC contract: every channel between renderer and main, declared once. The preload factory exposes exactly
 * these as `window.whoot.<namespace>.<method>`, main registers exactly these, and test/ipcContract.test.ts proves
 * the three lists are equal. Names are `namespace.method`; on the wire they are prefixed with IPC_PREFIX.
 */
const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({ request, response });

const noRequest = z.strictObject({});

export const appInfoSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  platform: z.enum(['linux', 'darwin', 'win32', 'other']),
});

export const ipcInvokeChannels = {
  'app.info': channel(noRequest, appInfoSchema),
  'session.status': channel(noRequest, sessionStateSchema),
  'session.signIn': channel(signInRequestSchema, sessionStateSchema),
  'session.signOut': channel(noRequest, sessionStateSchema),
  'pushToTalk.get': channel(noRequest, pushToTalkStatusSchema),
  'pushToTalk.set': channel(pushToTalkUpdateSchema, pushToTalkStatusSchema),
  /** The renderer owns the call; main only mirrors it in the tray. */
  'voice.reportState': channel(voiceReportedStateSchema, z.strictObject({})),
  'workspace.channels': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listChannels.response),
  'workspace.members': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.listMembers.response),
  'workspace.voiceRooms': channel(z.strictObject({ workspaceId: randomIdSchema }), endpoints.voiceRooms.response),
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
