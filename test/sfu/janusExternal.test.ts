import { afterAll, describe, expect, it } from 'vitest';
import { chooseIceAddress } from '../../main/server/sfu/iceAddress';
import type { CallMode } from '../../shared/voiceRoomState';
import { startJanusApart, type JanusApart } from '../support/janusApart';
import { withSfu } from '../support/serverHarness';
import { startServerProcess } from '../support/serverProcess';
import { toneRoomForSuite } from '../support/toneRoom';
import { selectedPairOf } from '../support/wrtcPeer';

/*
 * A Janus the server does not start (`sfu.janus.kind` "external", docs/admin.md "Janus on another host"): run apart
 * as an operator runs it, its API on TCP bound to one address with an ACL, the API secret and admin key in files
 * the server reads. Two bots talk through it; when the operator restarts Janus, the room falls back to a mesh, and
 * returns to the SFU once the server reaches it again, by itself.
 */

const TONES = [440, 660] as const;
const iceAddress = chooseIceAddress(undefined).address;

let janus: JanusApart | undefined;
const room = toneRoomForSuite(async () => {
  janus = await startJanusApart(iceAddress);
  return startServerProcess(withSfu({ enabled: true, janus: janus.config }), [{ name: 'All hands', voiceMode: 'sfu' }]);
}, TONES);

// Registered after the room's own: vitest runs afterAll hooks last-in first-out, so Janus stops after the server.
afterAll(async () => {
  await janus?.stop();
});

const everyoneHearsEveryone = (mode: CallMode) => room.tones.everyoneHearsEveryone(mode);

describe('Janus run apart', () => {
  it('carries an SFU channel: the server reaches its API with the secret and creates the room with the admin key', async () => {
    for (const bot of room.bots) expect((await bot.join({ id: room.channelId })).ok).toBe(true);
    await everyoneHearsEveryone('sfu');
    const facts = await room.server.sfu();
    // Not the server's child: it has no Janus process of its own.
    expect(facts.pid).toBeNull();
    expect(facts.rooms).toBe(1);
    expect(await room.server.participants(room.channelId)).toEqual(
      room.bots.map((bot) => bot.socket.connectionId()).sort(),
    );
    for (const bot of room.bots) {
      for (const entries of await bot.engine.connectionStats()) {
        const pair = selectedPairOf(entries as Parameters<typeof selectedPairOf>[0]);
        expect([pair?.local.candidateType, pair?.remote.candidateType, pair?.remote.address]).toEqual([
          'relay',
          'host',
          iceAddress,
        ]);
      }
    }
  }, 300_000);

  it('restarted by its operator: the room falls back to a mesh, and returns to the SFU by itself', async () => {
    await janus!.kill(true);
    await everyoneHearsEveryone('mesh');
    for (const bot of room.bots) expect(bot.engine.store.getState().modeReason).toBe('sfu_unavailable');
    await janus!.start();
    await everyoneHearsEveryone('sfu');
    for (const bot of room.bots) {
      const state = bot.engine.store.getState();
      expect([state.phase, state.modeReason, state.rejoins]).toEqual(['connected', 'sfu_restored', 0]);
    }
    const logs = (await room.server.logs()).join('\n');
    expect(logs).toMatch(/Janus went away/);
    expect(logs).toMatch(/Janus \S+ answering \(start 2\)/);
  }, 600_000);
});
