import { describe, expect, it } from 'vitest';
import type { CallMode } from '../../shared/voiceRoomState';
import { withSfu } from '../support/serverHarness';
import { startServerProcess } from '../support/serverProcess';
import { toneRoomForSuite } from '../support/toneRoom';
import { eventually } from '../support/voiceBots';

/*
 * Janus killed mid-call (SIGKILL, as a crash or an OOM kill does it): the server notices at once, the room falls back
 * to a mesh and says so, the server starts Janus again, and the room moves back to it and says so, the bots
 * following each step by themselves. Janus is back within a second or so, sooner than a mesh settles: the fallback
 * is checked on what each bot went through, and audio once the room is back (a mesh's own audio after a switch is
 * sfuModes.test.ts's; janusExternal.test.ts keeps Janus down until the mesh is heard).
 */

const TONES = [440, 660, 880] as const;

const room = toneRoomForSuite(() => startServerProcess(withSfu(), [{ name: 'All hands', voiceMode: 'sfu' }]), TONES);

const everyoneHearsEveryone = (mode: CallMode) => room.tones.everyoneHearsEveryone(mode);

describe('Janus killed mid-call', () => {
  it('the room falls back to a mesh and says so, then returns to the restarted Janus and says so', async () => {
    for (const bot of room.bots) expect((await bot.join({ id: room.channelId })).ok).toBe(true);
    await everyoneHearsEveryone('sfu');
    const first = await room.server.sfu();
    expect(first.pid).toBeTypeOf('number');

    // Every mode each bot goes through, with the reason the server gave: the fallback lasts only as long as Janus
    // takes to come back (the first restart is 250 ms away), too short to wait for a mesh to settle in it.
    const modes = room.bots.map(() => [] as string[]);
    const unsubscribe = room.bots.map((bot, i) =>
      bot.engine.store.subscribe((state, previous) => {
        if (state.mode !== previous.mode) modes[i]?.push(`${state.mode}:${state.modeReason}`);
      }),
    );
    process.kill(first.pid ?? 0, 'SIGKILL');
    for (const [i, bot] of room.bots.entries()) {
      await eventually(`bot${room.tones.toneOf(bot.session.user.id)} to fall back to a mesh and say why`, () =>
        modes[i]?.includes('mesh:sfu_unavailable') ? true : undefined,
      );
    }
    await expect.poll(async () => (await room.server.sfu()).pid, { timeout: 120_000 }).not.toBe(first.pid);
    await everyoneHearsEveryone('sfu');
    for (const bot of room.bots) {
      const state = bot.engine.store.getState();
      expect([state.phase, state.modeReason, state.rejoins]).toEqual(['connected', 'sfu_restored', 0]);
    }
    for (const unsubscribeOne of unsubscribe) unsubscribeOne();
    expect(modes.map((sequence) => sequence.at(-1))).toEqual(room.bots.map(() => 'sfu:sfu_restored'));
    expect(await room.server.participants(room.channelId)).toHaveLength(3);
    expect((await room.server.logs()).join('\n')).toMatch(/Janus went away/);
  }, 900_000);
});
