import { describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import type { CallMode } from '../../shared/voiceRoomState';
import { withSfu } from '../support/serverHarness';
import { startServerProcess } from '../support/serverProcess';
import { toneRoomForSuite } from '../support/toneRoom';

/*
 * A channel crossing the line while people talk: a mesh of three becomes an SFU room when a fourth joins, and a
 * mesh again when it falls to the return line, with nobody rejoining by hand; an admin can force either mode. The
 * server (its own process) runs Janus with the line at three and the way back at two.
 */

const TONES = [440, 550, 660, 770] as const;

const room = toneRoomForSuite(
  () =>
    startServerProcess(withSfu({ enabled: true, meshMaxMembers: 3, meshReturnMembers: 2 }), [
      { name: 'Stand-up', voiceMode: 'auto' },
    ]),
  TONES,
);

const everyoneHearsEveryone = (group: readonly VoiceBot[], mode: CallMode) =>
  room.tones.everyoneHearsEveryone(mode, group);

/** Outbound audio streams a bot sends now (a mesh sends one per other member, the SFU one). */
async function sendStreams(bot: VoiceBot): Promise<number> {
  return (await bot.engine.connectionStats())
    .flat()
    .filter((entry) => entry['type'] === 'outbound-rtp' && (entry['kind'] ?? entry['mediaType']) === 'audio').length;
}

describe('a channel crossing the mesh/SFU line while people talk', () => {
  it('three talk in a mesh; a fourth takes everyone to the SFU, without anyone rejoining', async () => {
    const [a, b, c, d] = room.bots as [VoiceBot, VoiceBot, VoiceBot, VoiceBot];
    for (const bot of [a, b, c]) expect((await bot.join({ id: room.channelId })).ok).toBe(true);
    await everyoneHearsEveryone([a, b, c], 'mesh');
    expect(await sendStreams(a)).toBe(2);
    expect(await room.server.participants(room.channelId)).toBeNull();

    expect((await d.join({ id: room.channelId })).ok).toBe(true);
    await everyoneHearsEveryone([a, b, c, d], 'sfu');
    for (const bot of [a, b, c]) {
      const state = bot.engine.store.getState();
      expect([state.phase, state.modeReason, state.rejoins]).toEqual(['connected', 'size', 0]);
    }
    expect(await sendStreams(a)).toBe(1);
    expect(await room.server.participants(room.channelId)).toHaveLength(4);
  }, 600_000);

  it('falls back to a mesh at the return line, and the two left hear each other', async () => {
    const [a, b, c, d] = room.bots as [VoiceBot, VoiceBot, VoiceBot, VoiceBot];
    c.engine.leave();
    // Three is above the return line: still the SFU.
    await everyoneHearsEveryone([a, b, d], 'sfu');
    d.engine.leave();
    await everyoneHearsEveryone([a, b], 'mesh');
    expect(await sendStreams(a)).toBe(1);
    // The room's VideoRoom went with the SFU mode.
    await expect.poll(() => room.server.participants(room.channelId), { timeout: 60_000 }).toBeNull();
    expect((await room.server.sfu()).rooms).toBe(0);
  }, 600_000);

  it('an admin forces the SFU for two, then a mesh, and the room follows at once', async () => {
    const [a, b] = room.bots as [VoiceBot, VoiceBot];
    await room.server.setVoiceMode(room.channelId, 'sfu');
    await everyoneHearsEveryone([a, b], 'sfu');
    expect(a.engine.store.getState().modeReason).toBe('policy');
    await room.server.setVoiceMode(room.channelId, 'mesh');
    await everyoneHearsEveryone([a, b], 'mesh');
    expect(b.engine.store.getState().modeReason).toBe('policy');
  }, 600_000);
});
