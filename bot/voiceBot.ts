import wrtc from '@roamhq/wrtc';
import type { Channel } from '../shared/rest/endpoints';
import { fail, ok, type Result } from '../shared/result';
import { createWorkspaceSocket, type WorkspaceSocket } from '../renderer/realtime/workspaceSocket';
import { createVoiceEngine, type VoiceEngine, type VoiceEngineOptions } from '../renderer/voice/voiceEngine';
import type { TestSignalSpec } from './audio/testSignal';
import { pinnedSocketOpener } from './net/pinnedWebSocket';
import { createWrtcMicrophone, type WrtcMicrophone } from './ports/wrtcMicrophone';
import { createWrtcSpeakers, type PeerHearing, type WrtcSpeakers } from './ports/wrtcSpeakers';
import type { BotSession, Member } from './session/botSession';

export interface VoiceBotOptions {
  readonly play: TestSignalSpec;
  /** Frequencies the speakers compare (the tones other bots play); the CLI probes a grid instead. */
  readonly frequencies?: readonly number[];
  readonly record?: boolean;
  /** The speakers stop analysing each peer once it is heard (WrtcSpeakersOptions.untilFirstSound): load generators. */
  readonly listenUntilFirstSound?: boolean;
  readonly engine?: VoiceEngineOptions;
  /** How long start() waits for the signalling socket to open. */
  readonly connectTimeoutMs?: number;
  /** The RTCPeerConnection factory; @roamhq/wrtc's by default (tests pass one that also keeps what it made). */
  readonly createPeerConnection?: (configuration: RTCConfiguration) => RTCPeerConnection;
}

export interface HeardPeer extends PeerHearing {
  readonly userId: string;
  readonly displayName: string | null;
  readonly connectionState: RTCPeerConnectionState;
  /** The selected candidate pair as local/remote types (relay/relay when relay-only holds), from the engine's stats. */
  readonly path: string;
}

export interface VoiceBot {
  readonly session: BotSession;
  readonly engine: VoiceEngine;
  readonly microphone: WrtcMicrophone;
  readonly speakers: WrtcSpeakers;
  readonly socket: WorkspaceSocket;
  /** Opens the signalling socket; resolves once the server welcomed it. */
  start(): Promise<Result<void>>;
  /** Joins a voice channel by id, by name, or (null) the workspace's first voice channel. */
  join(channel: { readonly id: string } | { readonly name: string } | null): Promise<Result<Channel>>;
  /** What the bot hears from each peer now, with who that peer is. */
  hearing(frequencies?: readonly number[]): HeardPeer[];
  /** Leaves the channel, closes everything and signs out; what the CLI does on SIGINT. */
  stop(): Promise<void>;
}

export const wrtcPeerConnection = (configuration: RTCConfiguration): RTCPeerConnection =>
  new wrtc.RTCPeerConnection(configuration) as unknown as RTCPeerConnection;

/**
 * A headless whoot client: the renderer's own voice engine and WSS client, with @roamhq/wrtc for WebRTC, a test
 * signal for a microphone, recording speakers, and a pinned `ws` socket. The bot talks to the server exactly as the
 * app does; only the parts a desktop supplies (devices, Chromium) are replaced by Node ones.
 */
export function createVoiceBot(session: BotSession, options: VoiceBotOptions): VoiceBot {
  const microphone = createWrtcMicrophone(options.play);
  const speakers = createWrtcSpeakers({
    ...(options.frequencies ? { frequencies: options.frequencies } : {}),
    ...(options.record ? { record: true } : {}),
    ...(options.listenUntilFirstSound ? { untilFirstSound: true } : {}),
  });
  const socket = createWorkspaceSocket({
    workspaceId: session.workspace.id,
    ticket: () => session.ticket(),
    openSocket: pinnedSocketOpener(session.server),
  });
  const engine = createVoiceEngine(
    {
      createPeerConnection: options.createPeerConnection ?? wrtcPeerConnection,
      microphone,
      speakers,
      signalling: socket,
      credentials: (channelId) => session.credentials(channelId),
    },
    options.engine,
  );
  // The bot talks whenever its signal sounds: push-to-talk held for good. Voice activity would open the gate only
  // after a burst had begun (the meter is read every 50 ms), clipping exactly the onsets the latency bench times.
  engine.setInputMode('pushToTalk');
  engine.setTalking(true);
  // Sign-out tells the renderer to drop its TURN credentials; the bot's engine does it by leaving the call.
  const stopDropping = session.onDropCredentials(() => engine.leave());
  const names = new Map<string, string>();
  let stopped = false;

  async function refreshNames(): Promise<void> {
    const members = await session.members();
    if (members.ok)
      for (const member of members.value as readonly Member[]) names.set(member.userId, member.displayName);
  }

  return {
    session,
    engine,
    microphone,
    speakers,
    socket,
    start() {
      const timeoutMs = options.connectTimeoutMs ?? 10_000;
      return new Promise((resolve) => {
        if (socket.state() === 'open') return resolve(ok(undefined));
        const timer = setTimeout(() => {
          unsubscribe();
          resolve(fail('signalling_unavailable', `The signalling socket did not open within ${timeoutMs} ms.`));
        }, timeoutMs);
        const unsubscribe = socket.onStateChange((state) => {
          if (state !== 'open' && state !== 'closed') return;
          clearTimeout(timer);
          unsubscribe();
          resolve(
            state === 'open' ? ok(undefined) : fail(socket.endReason() ?? 'closed', 'The server closed the socket.'),
          );
        });
        socket.start();
      });
    },
    async join(wanted) {
      const channels = await session.channels();
      if (!channels.ok) return channels;
      const voice = channels.value.filter((channel) => channel.kind === 'voice');
      const channel =
        wanted === null
          ? voice[0]
          : 'id' in wanted
            ? voice.find((c) => c.id === wanted.id)
            : voice.find((c) => c.name === wanted.name);
      if (channel === undefined) {
        return fail('not_found', wanted === null ? 'The workspace has no voice channel.' : 'No such voice channel.');
      }
      await refreshNames();
      const joining = engine.join(channel.id);
      // Leaving a call releases push-to-talk (the engine's teardown, right for a person's key): the bot holds it
      // again in every call it joins. join() has torn the previous call down by the time it returns its promise.
      engine.setTalking(true);
      const joined = await joining;
      return joined.ok ? ok(channel) : joined;
    },
    hearing(frequencies) {
      const peers = engine.store.getState().peers;
      const heard: HeardPeer[] = [];
      for (const view of Object.values(peers)) {
        const hearing = speakers.hearing(view.peerId, frequencies);
        if (hearing === null) continue;
        if (!names.has(view.userId)) void refreshNames();
        heard.push({
          ...hearing,
          userId: view.userId,
          displayName: names.get(view.userId) ?? null,
          connectionState: view.connectionState,
          path: `${view.quality?.localCandidateType ?? '?'}/${view.quality?.remoteCandidateType ?? '?'}`,
        });
      }
      return heard;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      engine.leave();
      engine.dispose();
      microphone.close();
      socket.stop();
      stopDropping();
      await session.signOut();
    },
  };
}
