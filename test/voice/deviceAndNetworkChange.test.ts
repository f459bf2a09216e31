import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import { startTestServer, type TestServer } from '../support/serverHarness';
import { launchTalker, type Talker } from '../support/talker';
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
let talker: Talker;
let channelId: string;

beforeAll(async () => {
  t = await startTestServer();
  const setup = await voiceChannelWithInvite(t.server);
  channelId = setup.channel.id;
  listener = await launchBot(setup.invite, 'listener', { play: { kind: 'tone', frequency: 880 }, frequencies: [TONE] });
  talker = await launchTalker(setup.invite, 'talker', TONE);
  await talker.engine.setInputDevice('usb-headset');
}, 180_000);

afterAll(async () => {
  await talker?.stop();
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
    expect((await talker.engine.join(channelId)).ok).toBe(true);
    await eventually('the listener hears the talker', hearsTone, 20_000);
    expect(talker.opened.at(-1)).toBe('usb-headset');
  });

  it('falls back to the default device when the chosen one is unplugged, without dropping the call', async () => {
    talker.unplug('usb-headset');
    await eventually('reopened on the default', () => (talker.opened.at(-1) === null ? true : undefined));
    await keepsHearing('after unplug');
    expect(talker.engine.store.getState().inputDeviceId).toBe('usb-headset');
    expect(Object.values(talker.engine.store.getState().peers)[0]?.connectionState).toBe('connected');
  });

  it('switches back to the chosen device when it is plugged in again', async () => {
    talker.plug('usb-headset');
    await eventually('reopened on the headset', () => (talker.opened.at(-1) === 'usb-headset' ? true : undefined));
    await keepsHearing('after replug');
  });

  it('restarts ICE when the network comes back, with new ICE credentials, and the audio goes on', async () => {
    const [peerId] = Object.keys(talker.engine.store.getState().peers);
    const ufragOf = async () => {
      const stats = await talker.engine.peerStats(peerId ?? '');
      const transport = stats.find((entry) => entry['type'] === 'transport');
      return transport?.['iceLocalUsernameFragment'] ?? null;
    };
    const before = await ufragOf();
    talker.comeOnline();
    // The restart renegotiates with new ICE parameters, and media keeps flowing.
    await expect.poll(ufragOf, { timeout: 30_000 }).not.toBe(before);
    expect(before).not.toBeNull();
    await keepsHearing('after the ICE restart');
  });
});
