import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import type { WorkspaceEvent } from '../../shared/ws';
import { account, cliUserId, hearLines, runBotCli } from '../support/botCli';
import { withSfu } from '../support/serverHarness';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { launchTalker, type Talker } from '../support/talker';
import { eventually, launchBot } from '../support/voiceBots';

/*
 * Everything a call does, in SFU mode (issue 17, item 5): speaking rings, push-to-talk, voice activity, deafen,
 * per-member volume, a microphone unplugged and plugged in again, the network coming back (ICE restart on both
 * links), a signalling drop and rejoin, a moderator's move and disconnect, sign-out teardown and `npm run bot`.
 * The talker is the app's voice engine with the operating system played by the test (test/support/talker.ts); two
 * bots listen and talk back. The server (its own process) runs Janus; both channels are forced to the SFU.
 */

const TALKER_TONE = 440;
const TONES = [440, 660, 880] as const;
const SILENCE = 0.001;

let server: ServerProcess;
let hall: string;
let breakout: string;
let talker: Talker;
let a: VoiceBot;
let b: VoiceBot;
const talkerEvents: WorkspaceEvent[] = [];

beforeAll(async () => {
  server = await startServerProcess(withSfu(), [
    { name: 'All hands', voiceMode: 'sfu' },
    { name: 'Breakout', voiceMode: 'sfu' },
  ]);
  [hall, breakout] = server.setup.channelIds as [string, string];
  const { invite } = server.setup;
  talker = await launchTalker(invite, 'talker', TALKER_TONE);
  talker.socket.onEvent((event) => talkerEvents.push(event));
  a = await launchBot(invite, 'bot660', { play: { kind: 'tone', frequency: 660 }, frequencies: TONES });
  b = await launchBot(invite, 'bot880', { play: { kind: 'tone', frequency: 880 }, frequencies: TONES });
}, 300_000);

afterAll(async () => {
  await talker?.stop();
  for (const bot of [a, b]) await bot?.stop();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const talkerId = () => talker.session.user.id;
const peerOf = (bot: VoiceBot, userId: string) => bot.hearing().find((peer) => peer.userId === userId);
const viewOf = (bot: VoiceBot, userId: string) =>
  Object.values(bot.engine.store.getState().peers).find((peer) => peer.userId === userId);
const WAIT = 120_000;

/** Waits until `bot` hears `userId` loudly at `frequency`. */
function hears(bot: VoiceBot, userId: string, frequency: number, what: string) {
  return eventually(
    what,
    () => {
      const peer = peerOf(bot, userId);
      return peer !== undefined && peer.level > 0.05 && peer.dominant?.frequency === frequency ? peer : undefined;
    },
    WAIT,
    200,
  );
}

/** Waits until `bot` still receives `userId`'s stream, but silence. */
function hearsSilence(bot: VoiceBot, userId: string, what: string) {
  return eventually(
    what,
    () => {
      const peer = peerOf(bot, userId);
      return peer !== undefined && peer.level < SILENCE ? peer : undefined;
    },
    WAIT,
    200,
  );
}

/** The mean level `bot` hears from `userId` over a couple of seconds (the 100 ms window moves with each frame). */
async function meanLevel(bot: VoiceBot, userId: string): Promise<number> {
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    sum += peerOf(bot, userId)?.level ?? 0;
    await sleep(200);
  }
  return sum / 10;
}

/** Frames `bot` has received from `userId`: growing means the stream flows. */
const framesFrom = (bot: VoiceBot, userId: string) => peerOf(bot, userId)?.frames ?? 0;

async function keepsHearingTalker(what: string) {
  for (const bot of [a, b]) {
    const before = framesFrom(bot, talkerId());
    await eventually(
      `${what}: more frames`,
      () => (framesFrom(bot, talkerId()) > before + 50 ? true : undefined),
      WAIT,
    );
    await hears(bot, talkerId(), TALKER_TONE, `${what}: the tone`);
  }
}

/** ICE username fragments of the talker's connections: new ones mean an ICE restart happened on that link. */
async function talkerUfrags(): Promise<string[]> {
  return (await talker.engine.connectionStats()).map((entries) =>
    String(entries.find((entry) => entry['type'] === 'transport')?.['iceLocalUsernameFragment'] ?? ''),
  );
}

describe('voice controls in an SFU call', () => {
  it('three join through the SFU and hear each other; the speaking rings light for whoever talks', async () => {
    expect((await talker.engine.join(hall)).ok).toBe(true);
    for (const bot of [a, b]) expect((await bot.join({ id: hall })).ok).toBe(true);
    for (const bot of [a, b]) await hears(bot, talkerId(), TALKER_TONE, `${bot.session.user.id} hears the talker`);
    await hears(a, b.session.user.id, 880, 'bot660 hears bot880');
    await hears(b, a.session.user.id, 660, 'bot880 hears bot660');
    expect(talker.engine.store.getState().mode).toBe('sfu');
    for (const bot of [a, b]) {
      await eventually(
        'the talker speaking at the listener',
        () => viewOf(bot, talkerId())?.speaking || undefined,
        WAIT,
      );
    }
    await eventually('the talker speaking at home', () => talker.engine.store.getState().localSpeaking || undefined);
    await eventually('bot660 speaking at the talker', () =>
      Object.values(talker.engine.store.getState().peers).find((p) => p.userId === a.session.user.id)?.speaking
        ? true
        : undefined,
    );
  }, 300_000);

  it('push-to-talk: key up silences the talker at every listener and its ring goes out; key down brings it back', async () => {
    talker.engine.setTalking(false);
    try {
      expect(talker.engine.store.getState().transmitting).toBe(false);
      for (const bot of [a, b]) await hearsSilence(bot, talkerId(), 'silence while the key is up');
      for (const bot of [a, b]) {
        await eventually('the ring to go out', () => (viewOf(bot, talkerId())?.speaking === false ? true : undefined));
      }
      // The call stays up: the talker still hears both bots.
      expect(Object.values(talker.engine.store.getState().peers).every((p) => p.connectionState === 'connected')).toBe(
        true,
      );
    } finally {
      talker.engine.setTalking(true);
    }
    for (const bot of [a, b]) await hears(bot, talkerId(), TALKER_TONE, 'heard again on key down');
  }, 300_000);

  it('voice activity: the gate opens on the talker tone, and closes when the sensitivity is set above it', async () => {
    talker.engine.setInputMode('voiceActivity');
    try {
      talker.engine.setSensitivityDb(-60);
      await eventually('the gate to open', () => talker.engine.store.getState().transmitting || undefined);
      for (const bot of [a, b]) await hears(bot, talkerId(), TALKER_TONE, 'heard through the open gate');
      // 0 dBFS: only a full-scale signal would open it; the tone peaks at 0.3.
      talker.engine.setSensitivityDb(0);
      await eventually('the gate to close', () => (talker.engine.store.getState().transmitting ? undefined : true));
      for (const bot of [a, b]) await hearsSilence(bot, talkerId(), 'silence with the gate closed');
    } finally {
      talker.engine.setInputMode('pushToTalk');
      talker.engine.setTalking(true);
    }
    for (const bot of [a, b]) await hears(bot, talkerId(), TALKER_TONE, 'heard on push-to-talk again');
  }, 300_000);

  it('deafen: the deafened member hears nobody and, as deafen implies mute, is not heard; the room is told', async () => {
    const aId = a.session.user.id;
    a.engine.setDeafened(true);
    try {
      await hearsSilence(a, talkerId(), 'the talker silent at the deafened bot');
      expect(peerOf(a, b.session.user.id)?.level ?? 1).toBeLessThan(SILENCE);
      await hearsSilence(b, aId, 'the deafened bot silent at bot880');
      await eventually('the room to hear of the deafen', () =>
        talkerEvents.find(
          (event) => event.type === 'room.voiceState' && event.payload.userId === aId && event.payload.selfDeafened,
        ),
      );
      expect(viewOf(a, talkerId())?.connectionState).toBe('connected');
    } finally {
      a.engine.setDeafened(false);
    }
    await hears(a, talkerId(), TALKER_TONE, 'the talker heard again after undeafen');
    await hears(b, aId, 660, 'the bot heard again after undeafen');
  }, 300_000);

  it('per-member volume: 50 %, 0 % and 200 % of one member change only that member, as the listener hears it', async () => {
    const bId = b.session.user.id;
    const atFull = await meanLevel(a, talkerId());
    const otherAtFull = await meanLevel(a, bId);
    let atHalf: number;
    let atDouble: number;
    let otherMeanwhile: number;
    try {
      a.engine.setPeerVolume(talkerId(), 0.5);
      atHalf = await meanLevel(a, talkerId());
      a.engine.setPeerVolume(talkerId(), 2);
      atDouble = await meanLevel(a, talkerId());
      a.engine.setPeerVolume(talkerId(), 0);
      await hearsSilence(a, talkerId(), 'the talker at 0 %');
      otherMeanwhile = await meanLevel(a, bId);
    } finally {
      a.engine.setPeerVolume(talkerId(), 1);
    }
    console.info(
      `[sfu volume] talker at bot660: 100 % ${atFull.toFixed(3)}, 50 % ${atHalf.toFixed(3)}, 200 % ` +
        `${atDouble.toFixed(3)}; bot880 ${otherAtFull.toFixed(3)} then ${otherMeanwhile.toFixed(3)}`,
    );
    expect(atHalf / atFull).toBeGreaterThan(0.35);
    expect(atHalf / atFull).toBeLessThan(0.65);
    expect(atDouble / atFull).toBeGreaterThan(1.6);
    expect(atDouble / atFull).toBeLessThan(2.4);
    expect(otherMeanwhile / otherAtFull).toBeGreaterThan(0.7);
    expect(a.engine.store.getState().volumes[talkerId()]).toBe(1);
    await hears(a, talkerId(), TALKER_TONE, 'the talker back at 100 %');
  }, 300_000);

  it('unplugging the chosen microphone falls back to the default, plugging it in returns to it, and the call goes on', async () => {
    await talker.engine.setInputDevice('usb-headset');
    await eventually('the headset open', () => (talker.opened.at(-1) === 'usb-headset' ? true : undefined));
    await keepsHearingTalker('on the headset');
    talker.unplug('usb-headset');
    await eventually('reopened on the default', () => (talker.opened.at(-1) === null ? true : undefined));
    await keepsHearingTalker('after unplug');
    talker.plug('usb-headset');
    await eventually('reopened on the headset', () => (talker.opened.at(-1) === 'usb-headset' ? true : undefined));
    await keepsHearingTalker('after replug');
    expect(talker.engine.store.getState().mode).toBe('sfu');
  }, 300_000);

  it('the network back online restarts ICE on both SFU links, with new ICE credentials, and audio flows both ways', async () => {
    const before = await talkerUfrags();
    expect(before).toHaveLength(2);
    expect(before.every((ufrag) => ufrag !== '')).toBe(true);
    talker.comeOnline();
    await expect
      .poll(async () => (await talkerUfrags()).every((ufrag, i) => ufrag !== before[i]), { timeout: WAIT })
      .toBe(true)
      .catch(async (error: unknown) => {
        throw new Error(
          `${(error as Error).message}: ICE ufrags ${before.join(', ')} then ${(await talkerUfrags()).join(', ')}`,
        );
      });
    await keepsHearingTalker('after the ICE restart');
    await eventually('the talker hears bot660 after the restart', () => {
      const peer = Object.values(talker.engine.store.getState().peers).find((p) => p.userId === a.session.user.id);
      return peer?.connectionState === 'connected' && peer.speaking ? true : undefined;
    });
  }, 300_000);

  it('a signalling drop: the talker rejoins by itself with a new connection, and Janus holds its new feed', async () => {
    const oldPeerId = talker.socket.connectionId();
    talker.dropSignalling();
    await eventually(
      'the talker to rejoin',
      () => {
        const state = talker.engine.store.getState();
        return state.rejoins >= 1 && state.phase === 'connected' && talker.socket.connectionId() !== oldPeerId
          ? true
          : undefined;
      },
      WAIT,
    );
    await keepsHearingTalker('after the rejoin');
    await expect
      .poll(() => server.participants(hall), { timeout: WAIT })
      .toEqual([talker.socket.connectionId(), a.socket.connectionId(), b.socket.connectionId()].sort());
  }, 300_000);

  it("a moderator's move takes the talker to another SFU channel; a disconnect ends a member's call", async () => {
    await server.move(talkerId(), breakout);
    await eventually('the talker in the breakout', () => {
      const state = talker.engine.store.getState();
      return state.channelId === breakout && state.phase === 'connected' && state.mode === 'sfu' ? true : undefined;
    });
    await expect.poll(() => server.participants(hall), { timeout: WAIT }).toHaveLength(2);
    await expect.poll(() => server.participants(breakout), { timeout: WAIT }).toEqual([talker.socket.connectionId()]);
    for (const bot of [a, b]) {
      await eventually('the talker gone from the hall', () =>
        peerOf(bot, talkerId()) === undefined ? true : undefined,
      );
    }
    await server.move(a.session.user.id, breakout);
    await hears(a, talkerId(), TALKER_TONE, 'bot660 hears the talker in the breakout');

    await server.move(a.session.user.id, null);
    await eventually('bot660 out of voice', () => {
      const state = a.engine.store.getState();
      return state.phase === 'idle' && state.error?.code === 'removed_from_channel' ? true : undefined;
    });
    expect(a.microphone.liveTracks()).toBe(0);
    await expect.poll(() => server.participants(breakout), { timeout: WAIT }).toEqual([talker.socket.connectionId()]);
    // It comes back by itself, and is heard at once.
    expect((await a.join({ id: hall })).ok).toBe(true);
    await hears(b, a.session.user.id, 660, 'bot660 heard again after rejoining the hall');
  }, 300_000);

  it('sign-out ends the call: the relay drops its allocations and Janus its feed', async () => {
    // Settled: nothing else allocates or lets go meanwhile (bot660 left a while ago, bot880 stays in its call).
    let before = (await server.relayStats()).allocations;
    for (let previous = -1; previous !== before;) {
      previous = before;
      await sleep(1000);
      before = (await server.relayStats()).allocations;
    }
    await talker.session.signOut();
    const state = talker.engine.store.getState();
    expect([state.phase, state.channelId, state.peers]).toEqual(['idle', null, {}]);
    // The talker was alone in the breakout: its VideoRoom goes, and every allocation the talker held with it.
    await expect.poll(() => server.participants(breakout), { timeout: WAIT }).toBeNull();
    // Sign-out ends the session's allocations at once: at least one per SFU link. bot880 (alone in the hall) keeps
    // its own.
    await expect
      .poll(async () => (await server.relayStats()).allocations, { timeout: WAIT })
      .toBeLessThanOrEqual(before - 2);
    expect((await server.relayStats()).allocations).toBeGreaterThan(0);
  }, 300_000);
});

describe('npm run bot in an SFU channel', () => {
  it('hears the resident through the media server, is heard by it, and leaves cleanly', async () => {
    if (b.engine.store.getState().channelId !== hall) expect((await b.join({ id: hall })).ok).toBe(true);
    // Long enough to be heard however slowly npm, tsx and the sign-up start on a loaded machine.
    const run = runBotCli(
      ['--join', server.setup.link, ...account('clisfu'), '--channel', 'All hands', '--duration', '30'],
      240_000,
    );
    const fromCli = await eventually(
      'the resident to hear the CLI bot',
      () => b.hearing().find((peer) => peer.displayName === 'clisfu' && peer.dominant?.frequency === 440),
      WAIT,
      200,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nCLI stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    });
    const exit = await run.exited;
    const stdout = run.stdout();
    console.info(`[bot cli sfu] stdout:\n${stdout}${run.stderr()}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(fromCli.userId).toBe(cliUserId(stdout));
    const lines = hearLines(stdout, b.session.user.id).filter((line) => line.level > 0.1);
    expect(lines.length).toBeGreaterThan(0);
    // Our end is the relay's, the far end the media server's private address.
    for (const line of lines) expect(line).toMatchObject({ name: 'bot880', freq: '880Hz', path: 'relay/host' });
    expect(stdout).toMatch(/^left the channel and signed out$/m);
    await eventually('the resident to see the CLI bot leave', () =>
      b.hearing().some((peer) => peer.displayName === 'clisfu') ? undefined : true,
    );
  }, 300_000);
});
