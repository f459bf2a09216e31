import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import type { CallMode } from '../../shared/voiceRoomState';
import { withSfu } from '../support/serverHarness';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { eventually, launchToneBots, type ToneBots } from '../support/voiceBots';

/*
 * Janus killed mid-call (SIGKILL, as a crash or an OOM kill does it): the server notices at once, the room falls back
 * to a mesh and says so, the server starts Janus again, and the room moves back to it and says so, the bots
 * following each step by themselves. Janus is back within a second or so, sooner than a mesh settles: the fallback
 * is checked on what each bot went through, and audio once the room is back (a mesh's own audio after a switch is
 * sfuModes.test.ts's; janusExternal.test.ts keeps Janus down until the mesh is heard).
 */

const TONES = [440, 660, 880] as const;

let server: ServerProcess;
let channelId: string;
let tones: ToneBots;
let bots: readonly VoiceBot[] = [];

beforeAll(async () => {
  server = await startServerProcess(withSfu(), [{ name: 'All hands', voiceMode: 'sfu' }]);
  channelId = server.setup.channelIds[0] ?? '';
  tones = await launchToneBots(server.setup.invite, TONES);
  bots = tones.bots;
}, 300_000);

afterAll(async () => {
  await tones?.stop();
  await server?.stop();
});

const everyoneHearsEveryone = (mode: CallMode) => tones.everyoneHearsEveryone(mode);

describe('Janus killed mid-call', () => {
  it('the room falls back to a mesh and says so, then returns to the restarted Janus and says so', async () => {
    for (const bot of bots) expect((await bot.join({ id: channelId })).ok).toBe(true);
    await everyoneHearsEveryone('sfu');
    const first = await server.sfu();
    expect(first.pid).toBeTypeOf('number');

    // Every mode each bot goes through, with the reason the server gave: the fallback lasts only as long as Janus
    // takes to come back (the first restart is 250 ms away), too short to wait for a mesh to settle in it.
    const modes = bots.map(() => [] as string[]);
    const unsubscribe = bots.map((bot, i) =>
      bot.engine.store.subscribe((state, previous) => {
        if (state.mode !== previous.mode) modes[i]?.push(`${state.mode}:${state.modeReason}`);
      }),
    );
    process.kill(first.pid ?? 0, 'SIGKILL');
    for (const [i, bot] of bots.entries()) {
      await eventually(`bot${tones.toneOf(bot.session.user.id)} to fall back to a mesh and say why`, () =>
        modes[i]?.includes('mesh:sfu_unavailable') ? true : undefined,
      );
    }
    await expect.poll(async () => (await server.sfu()).pid, { timeout: 120_000 }).not.toBe(first.pid);
    await everyoneHearsEveryone('sfu');
    for (const bot of bots) {
      const state = bot.engine.store.getState();
      expect([state.phase, state.modeReason, state.rejoins]).toEqual(['connected', 'sfu_restored', 0]);
    }
    for (const unsubscribeOne of unsubscribe) unsubscribeOne();
    expect(modes.map((sequence) => sequence.at(-1))).toEqual(bots.map(() => 'sfu:sfu_restored'));
    expect(await server.participants(channelId)).toHaveLength(3);
    expect((await server.logs()).join('\n')).toMatch(/Janus went away/);
  }, 900_000);
});
