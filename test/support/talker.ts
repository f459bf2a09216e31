import { pinnedSocketOpener } from '../../bot/net/pinnedWebSocket';
import { createWrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { createWrtcSpeakers } from '../../bot/ports/wrtcSpeakers';
import type { BotSession } from '../../bot/session/botSession';
import { wrtcPeerConnection } from '../../bot/voiceBot';
import {
  createWorkspaceSocket,
  type WebSocketLike,
  type WorkspaceSocket,
} from '../../renderer/realtime/workspaceSocket';
import { MicrophoneError, type MicrophonePort } from '../../renderer/voice/ports';
import { createVoiceEngine, type VoiceEngine } from '../../renderer/voice/voiceEngine';
import type { Invite } from '../../shared/deepLink';
import { eventually, signUpBotSession } from './voiceBots';

/**
 * The app's voice engine (on @roamhq/wrtc) with the operating system played by the test: microphones that can be
 * unplugged and plugged in again (the device list changes and a devicechange fires), a network that comes back
 * online, and a signalling connection that can be cut as a network drop cuts it. It plays a steady tone.
 */
export interface Talker {
  readonly session: BotSession;
  readonly engine: VoiceEngine;
  readonly socket: WorkspaceSocket;
  /** Every device the engine opened, in order (null: the default). */
  readonly opened: readonly (string | null)[];
  unplug(deviceId: string): void;
  plug(deviceId: string): void;
  /** The network is back: what the page's `online` event says. */
  comeOnline(): void;
  /** Cuts the signalling connection (no close handshake), as a lost network does; the socket reconnects. */
  dropSignalling(): void;
  stop(): Promise<void>;
}

export const TALKER_DEVICES = ['usb-headset', 'built-in'] as const;

export async function launchTalker(invite: Invite, name: string, frequency: number): Promise<Talker> {
  const session = await signUpBotSession(invite, name);
  const present: string[] = [...TALKER_DEVICES];
  const opened: (string | null)[] = [];
  const deviceListeners = new Set<() => void>();
  const network = new EventTarget();
  const signal = createWrtcMicrophone({ kind: 'tone', frequency }, { deviceIds: TALKER_DEVICES });
  // The operating system's side of the microphone: which devices exist now, and opening one that is gone fails.
  const microphone: MicrophonePort = {
    async open(deviceId, processing) {
      if (deviceId !== null && !present.includes(deviceId)) throw new MicrophoneError('not_found', 'unplugged');
      opened.push(deviceId);
      return signal.open(deviceId ?? 'built-in', processing);
    },
    inputIds: async () => [...present],
    onDeviceChange(changed) {
      deviceListeners.add(changed);
      return () => void deviceListeners.delete(changed);
    },
    ...(signal.meter ? { meter: signal.meter.bind(signal) } : {}),
  };
  const open = pinnedSocketOpener(session.server);
  let current: WebSocketLike | null = null;
  const socket = createWorkspaceSocket({
    workspaceId: session.workspace.id,
    ticket: () => session.ticket(),
    openSocket: (url, protocols) => (current = open(url, protocols)),
  });
  const engine = createVoiceEngine({
    createPeerConnection: wrtcPeerConnection,
    microphone,
    speakers: createWrtcSpeakers(),
    signalling: socket,
    credentials: (id) => session.credentials(id),
    network,
  });
  const stopDropping = session.onDropCredentials(() => engine.leave());
  engine.setInputMode('pushToTalk');
  engine.setTalking(true);
  socket.start();
  await eventually('signalling open', () => (socket.state() === 'open' ? true : undefined));
  const devicesChanged = () => {
    for (const changed of deviceListeners) changed();
  };
  let stopped = false;
  return {
    session,
    engine,
    socket,
    opened,
    unplug(deviceId) {
      present.splice(present.indexOf(deviceId), 1);
      devicesChanged();
    },
    plug(deviceId) {
      present.unshift(deviceId);
      devicesChanged();
    },
    comeOnline: () => void network.dispatchEvent(new Event('online')),
    dropSignalling() {
      const ws = current as (WebSocketLike & { terminate?: () => void }) | null;
      if (ws?.terminate) ws.terminate();
      else ws?.close();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      engine.dispose();
      socket.stop();
      stopDropping();
      signal.close();
      // A test may have signed the talker out already (sign-out teardown).
      await session.signOut().catch(() => undefined);
    },
  };
}
