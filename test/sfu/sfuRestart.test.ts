import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import type { CallMode } from '../../shared/voiceRoomState';
import { withSfu } from '../support/serverHarness';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';
import { eventually, everyoneHearsEveryone as everyoneHearsEveryoneAt, launchBot } from '../support/voiceBots';

/*
 * Janus killed mid-call (SIGKILL, as a crash or an OOM kill does it): the server notices at once, the room falls back
 * to a mesh and says so, the server starts Janus again, and the room moves back to it and says so, the bots
 * following each step by themselves.
 */

const TONES = [440, 660, 880] as const;

let server: ServerProcess;
let channelId: string;
let bots: VoiceBot[] = [];

beforeAll(async () => {
  server = await startServerProcess(withSfu(), [{ name: 'All hands', voiceMode: 'sfu' }]);
  channelId = server.setup.channelIds[0] ?? '';
  bots = await Promise.all(
    TONES.map((frequency) =>
      launchBot(server.setup.invite, `bot${frequency}`, { play: { kind: 'tone', frequency }, frequencies: TONES }),
    ),
  );
}, 300_000);

afterAll(async () => {
  for (const bot of bots) await bot.stop();
  await server?.stop();
});

const userOf = (bot: VoiceBot) => bot.session.user.id;
const toneOf = (userId: string) => TONES[bots.findIndex((bot) => userOf(bot) === userId)];

const everyoneHearsEveryone = (mode: CallMode) => everyoneHearsEveryoneAt(bots, mode, toneOf);

describe('Janus killed mid-call', () => {
  it('the room falls back to a mesh and says so, then returns to the restarted Janus and says so', async () => {
    for (const bot of bots) expect((await bot.join({ id: channelId })).ok).toBe(true);
    await everyoneHearsEveryone('sfu');
    const first = await server.sfu();
    expect(first.pid).toBeTypeOf('number');

    process.kill(first.pid ?? 0, 'SIGKILL');
    await everyoneHearsEveryone('mesh');
    for (const bot of bots) {
      await eventually('the fallback to be said', () =>
        bot.engine.store.getState().modeReason === 'sfu_unavailable' ||
        bot.engine.store.getState().modeReason === 'sfu_restored'
          ? true
          : undefined,
      );
    }

    await expect.poll(async () => (await server.sfu()).pid, { timeout: 120_000 }).not.toBe(first.pid);
    await everyoneHearsEveryone('sfu');
    for (const bot of bots) {
      const state = bot.engine.store.getState();
      expect([state.phase, state.modeReason, state.rejoins]).toEqual(['connected', 'sfu_restored', 0]);
    }
    expect(await server.participants(channelId)).toHaveLength(3);
    expect((await server.logs()).join('\n')).toMatch(/Janus went away/);
  }, 900_000);
});
