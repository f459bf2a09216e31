import wrtc from '@roamhq/wrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../shared/result';
import type { VoiceCredentials } from '../../renderer/voice/ports';
import type { VoiceBot } from '../../bot/voiceBot';
import { heapContains } from '../support/heapScan';
import { startTestServer, type TestServer } from '../support/serverHarness';
import { eventually, launchBot, voiceChannelWithInvite } from '../support/voiceBots';
import { selectedPairOf } from '../support/wrtcPeer';

/*
 * Three headless clients (the renderer's voice engine on @roamhq/wrtc) in one relay-only channel of the real server,
 * each playing its own tone. Everything between them is real: sign-up with the invite, signed REST calls, the pinned
 * WSS socket with a one-time ticket, perfect negotiation through the server's rooms, TURN through the embedded relay,
 * Opus both ways. What each bot "hears" is measured on the decoded audio (level, and the strongest of the three
 * frequencies by Goertzel), so a crossed wire or an echo of its own tone would show.
 */

const TONES = [440, 660, 880] as const;
const SILENCE = 0.001;

let t: TestServer;
let bots: VoiceBot[] = [];
let channelId: string;
/** Every RTCPeerConnection the third bot made, so the leave test can see each one closed. */
const thirdBotPeerConnections: RTCPeerConnection[] = [];
/** The TURN credentials the third bot was given, as bytes (a Buffer is not a JS string: the heap scan cannot find it). */
const thirdBotCredentials: Buffer[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const setup = await voiceChannelWithInvite(t.server);
  channelId = setup.channel.id;
  bots = await Promise.all(
    TONES.map((frequency, i) =>
      launchBot(setup.invite, `bot${frequency}`, {
        play: { kind: 'tone', frequency },
        frequencies: TONES,
        ...(i === 2
          ? {
              createPeerConnection: (configuration: RTCConfiguration) => {
                const pc = new wrtc.RTCPeerConnection(configuration) as unknown as RTCPeerConnection;
                thirdBotPeerConnections.push(pc);
                return pc;
              },
            }
          : {}),
      }),
    ),
  );
  // Observe (not replace) the third bot's credential fetches: the real signed call runs, its answer goes on.
  const third = bots[2]!;
  const fetchCredentials = third.session.credentials.bind(third.session);
  Object.assign(third.session, {
    credentials: async (id: string): Promise<Result<VoiceCredentials>> => {
      const result = await fetchCredentials(id);
      if (result.ok) {
        for (const server of result.value.iceServers) thirdBotCredentials.push(Buffer.from(server.credential ?? ''));
      }
      return result;
    },
  });
}, 180_000);

afterAll(async () => {
  for (const bot of bots) await bot.stop();
  await t?.close();
});

const userOf = (bot: VoiceBot) => bot.session.user.id;

describe('three bots in one channel', () => {
  it('each hears exactly the other two, at their frequencies, through relay/relay pairs', async () => {
    const joined = await Promise.all(bots.map((bot) => bot.join({ id: channelId })));
    expect(joined.map((result) => result.ok)).toEqual([true, true, true]);

    for (const [i, bot] of bots.entries()) {
      const others = bots.filter((_, j) => j !== i);
      const heard = await eventually(`bot${TONES[i]} hearing two loud peers`, () => {
        const now = bot.hearing();
        return now.length === 2 && now.every((peer) => peer.level > 0.1 && peer.dominant !== null) ? now : undefined;
      });
      expect(heard.map((peer) => peer.userId).sort()).toEqual(others.map(userOf).sort());
      expect(heard.map((peer) => peer.userId)).not.toContain(userOf(bot));
      for (const peer of heard) {
        const speaker = bots.findIndex((other) => userOf(other) === peer.userId);
        expect(peer.dominant?.frequency, `bot${TONES[i]} hears bot${TONES[speaker]}`).toBe(TONES[speaker]);
        // The tone is alone in its stream: the other candidates carry almost nothing.
        expect(peer.dominant!.share).toBeGreaterThan(0.9);
        expect(peer.connectionState).toBe('connected');
      }
      // The selected pair, read from the raw stats (not the engine's summary): both ends relayed.
      for (const peerId of Object.keys(bot.engine.store.getState().peers)) {
        const pair = selectedPairOf((await bot.engine.peerStats(peerId)) as Parameters<typeof selectedPairOf>[0]);
        expect([pair?.local.candidateType, pair?.remote.candidateType]).toEqual(['relay', 'relay']);
      }
      console.info(
        `[bot call] bot${TONES[i]} hears ` +
          heard.map((p) => `${p.displayName} ${p.dominant?.frequency} Hz level ${p.level.toFixed(3)}`).join(', '),
      );
    }
  });

  it('mute silences one bot at the other two while every call stays connected, and unmute brings it back', async () => {
    const [muted, ...listeners] = bots as [VoiceBot, VoiceBot, VoiceBot];
    const mutedUser = userOf(muted);
    const framesBefore = listeners.map((bot) => bot.hearing().find((p) => p.userId === mutedUser)!.frames);
    muted.engine.setMuted(true);
    expect(muted.engine.store.getState().transmitting).toBe(false);

    for (const listener of listeners) {
      await eventually('the muted bot to fall silent', () =>
        listener.hearing().find((p) => p.userId === mutedUser && p.level < SILENCE),
      );
    }
    // Hold the check for a while: silence, not a gap between packets.
    await new Promise((resolve) => setTimeout(resolve, 500));
    listeners.forEach((listener, i) => {
      const heard = listener.hearing();
      const fromMuted = heard.find((p) => p.userId === mutedUser)!;
      const fromOther = heard.find((p) => p.userId !== mutedUser)!;
      expect(fromMuted.level).toBeLessThan(SILENCE);
      expect(fromMuted.dominant).toBeNull();
      expect(fromMuted.connectionState).toBe('connected');
      // Still receiving (silence), so nothing was torn down to mute.
      expect(fromMuted.frames).toBeGreaterThan(framesBefore[i]!);
      expect(fromOther.level).toBeGreaterThan(0.1);
    });
    expect(Object.values(muted.engine.store.getState().peers).map((p) => p.connectionState)).toEqual([
      'connected',
      'connected',
    ]);

    muted.engine.setMuted(false);
    for (const listener of listeners) {
      const back = await eventually('the unmuted bot to be heard again', () =>
        listener.hearing().find((p) => p.userId === mutedUser && p.level > 0.1),
      );
      expect(back.dominant?.frequency).toBe(TONES[0]);
    }
  });

  it('leave closes every peer connection, stops the microphone and sinks, and forgets the TURN credentials', async () => {
    const [first, second, leaving] = bots as [VoiceBot, VoiceBot, VoiceBot];
    expect(thirdBotPeerConnections.length).toBeGreaterThanOrEqual(2);
    expect(thirdBotCredentials.length).toBeGreaterThan(0);
    expect(leaving.microphone.liveTracks()).toBe(1);
    // Control for the heap check below: during the call the engine holds the credential, and the scan finds it.
    expect(await heapContains(thirdBotCredentials)).toContain(true);

    leaving.engine.leave();

    const state = leaving.engine.store.getState();
    expect(state.phase).toBe('idle');
    expect(state.channelId).toBeNull();
    expect(state.peers).toEqual({});
    expect(thirdBotPeerConnections.map((pc) => pc.connectionState)).toEqual(
      thirdBotPeerConnections.map(() => 'closed'),
    );
    expect(thirdBotPeerConnections.map((pc) => pc.signalingState)).toEqual(thirdBotPeerConnections.map(() => 'closed'));
    expect(leaving.microphone.liveTracks()).toBe(0);
    expect(leaving.speakers.peerIds()).toEqual([]);
    // The others see it go, and keep hearing each other.
    for (const [bot, other] of [
      [first, second],
      [second, first],
    ] as const) {
      const heard = await eventually('the leaver to be gone', () => {
        const now = bot.hearing();
        return now.length === 1 ? now : undefined;
      });
      expect(heard[0]!.userId).toBe(userOf(other));
    }

    // Nothing reachable in this process holds the credential any more (the pc list above would: drop it first).
    thirdBotPeerConnections.length = 0;
    expect(await heapContains(thirdBotCredentials)).toEqual(thirdBotCredentials.map(() => false));
  }, 180_000);

  it('a bot that left and joins again is heard again: it holds push-to-talk in every call, not only its first', async () => {
    const [first, second, returning] = bots as [VoiceBot, VoiceBot, VoiceBot];
    expect((await returning.join({ id: channelId })).ok).toBe(true);
    expect(returning.engine.store.getState().transmitting).toBe(true);
    for (const bot of [first, second]) {
      await eventually('the returning bot heard at its tone', () =>
        bot
          .hearing()
          .find(
            (peer) => peer.userId === userOf(returning) && peer.level > 0.1 && peer.dominant?.frequency === TONES[2],
          ),
      );
    }
  }, 180_000);
});
