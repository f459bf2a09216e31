import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspaceSocket } from '../../renderer/realtime/workspaceSocket';
import type { MicrophonePort } from '../../renderer/voice/ports';
import { MicrophoneError } from '../../renderer/voice/ports';
import { createVoiceEngine, type VoiceEngine } from '../../renderer/voice/voiceEngine';
import { pinnedSocketOpener } from '../../bot/net/pinnedWebSocket';
import { createWrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { createWrtcSpeakers } from '../../bot/ports/wrtcSpeakers';
import { startBotSession } from '../../bot/session/botSession';
import { wrtcPeerConnection, type VoiceBot } from '../../bot/voiceBot';
import { startTestServer, type TestServer } from '../support/serverHarness';
import { eventually, launchBot, voiceChannelWithInvite } from '../support/voiceBots';

/*
 * Device and network changes mid-call, the most reported voice bugs: the app's voice engine (on @roamhq/wrtc) talks
 * to a listening bot through the real server and relay, while the test plays the operating system: it unplugs and
 * replugs the chosen microphone (the device list changes and a devicechange fires) and reports the network back
 * online. What is checked is on the listener's side: the tone keeps arriving.
 */

const TONE = 440;
let t: TestServer;
let listener: VoiceBot;
let engine: VoiceEngine;
let channelId: string;
const present = ['usb-headset', 'built-in'];
const opened: (string | null)[] = [];
const deviceListeners = new Set<() => void>();
const network = new EventTarget();
let stopSocket: () => void = () => undefined;

beforeAll(async () => {
  t = await startTestServer();
  const setup = await voiceChannelWithInvite(t.server);
  channelId = setup.channel.id;
  listener = await launchBot(setup.invite, 'listener', { play: { kind: 'tone', frequency: 880 }, frequencies: [TONE] });
  const session = await startBotSession({
    invite: setup.invite,
    account: {
      kind: 'signUp',
      email: `talker-${randomBytes(4).toString('hex')}@example.com`,
      password: `pw-${randomBytes(8).toString('hex')}`,
      displayName: 'talker',
    },
  });
  if (!session.ok) throw new Error(session.error.message);
  const signal = createWrtcMicrophone({ kind: 'tone', frequency: TONE }, { deviceIds: ['usb-headset', 'built-in'] });
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
  const socket = createWorkspaceSocket({
    workspaceId: session.value.workspace.id,
    ticket: () => session.value.ticket(),
    openSocket: pinnedSocketOpener(session.value.server),
  });
  stopSocket = () => socket.stop();
  engine = createVoiceEngine({
    createPeerConnection: wrtcPeerConnection,
    microphone,
    speakers: createWrtcSpeakers(),
    signalling: socket,
    credentials: (id) => session.value.credentials(id),
    network,
  });
  engine.setInputMode('pushToTalk');
  engine.setTalking(true);
  await engine.setInputDevice('usb-headset');
  socket.start();
  await eventually('signalling open', () => (socket.state() === 'open' ? true : undefined));
}, 180_000);

afterAll(async () => {
  engine?.dispose();
  stopSocket();
  await listener?.stop();
  await t?.close();
});

/** The listener hears the talker's tone now: level above silence and 440 Hz the strongest probed frequency. */
function hearsTone(): true | undefined {
  const heard = listener.hearing().find((peer) => peer.displayName === 'talker' || peer.level > 0);
  return heard !== undefined && heard.level > 0.05 && heard.dominant?.frequency === TONE ? true : undefined;
}

/** Frames the listener has received from the talker so far. */
const framesHeard = () => listener.hearing().reduce((total, peer) => total + peer.frames, 0);

async function keepsHearing(what: string): Promise<void> {
  const before = framesHeard();
  await eventually(`${what}: more frames`, () => (framesHeard() > before + 50 ? true : undefined), 10_000);
  await eventually(`${what}: the tone`, hearsTone, 10_000);
}

describe('device and network changes in a call', () => {
  it('uses the chosen microphone when the call starts', async () => {
    expect((await listener.join({ id: channelId })).ok).toBe(true);
    expect((await engine.join(channelId)).ok).toBe(true);
    await eventually('the listener hears the talker', hearsTone, 20_000);
    expect(opened.at(-1)).toBe('usb-headset');
  });

  it('falls back to the default device when the chosen one is unplugged, without dropping the call', async () => {
    present.splice(present.indexOf('usb-headset'), 1);
    for (const changed of deviceListeners) changed();
    await eventually('reopened on the default', () => (opened.at(-1) === null ? true : undefined));
    await keepsHearing('after unplug');
    expect(engine.store.getState().inputDeviceId).toBe('usb-headset');
    expect(Object.values(engine.store.getState().peers)[0]?.connectionState).toBe('connected');
  });

  it('switches back to the chosen device when it is plugged in again', async () => {
    present.unshift('usb-headset');
    for (const changed of deviceListeners) changed();
    await eventually('reopened on the headset', () => (opened.at(-1) === 'usb-headset' ? true : undefined));
    await keepsHearing('after replug');
  });

  it('restarts ICE when the network comes back, with new ICE credentials, and the audio goes on', async () => {
    const [peerId] = Object.keys(engine.store.getState().peers);
    const ufragOf = async () => {
      const stats = await engine.peerStats(peerId ?? '');
      const transport = stats.find((entry) => entry['type'] === 'transport');
      return transport?.['iceLocalUsernameFragment'] ?? null;
    };
    const before = await ufragOf();
    network.dispatchEvent(new Event('online'));
    // The restart renegotiates with new ICE parameters, and media keeps flowing.
    await expect.poll(ufragOf, { timeout: 30_000 }).not.toBe(before);
    expect(before).not.toBeNull();
    await keepsHearing('after the ICE restart');
  });
});
