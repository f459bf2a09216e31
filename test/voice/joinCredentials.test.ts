import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import { createWorkspaceSocket } from '../../renderer/realtime/workspaceSocket';
import { createVoiceEngine, type JoinStep, type VoiceEngine } from '../../renderer/voice/voiceEngine';
import type { VoiceCredentials } from '../../renderer/voice/ports';
import { createWrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { createWrtcSpeakers } from '../../bot/ports/wrtcSpeakers';
import { wrtcPeerConnection } from '../../bot/voiceBot';
import { eventually } from '../support/voiceBots';

/*
 * The credential side of a join (issue 19, join time): what pointing at a channel prefetches is what the join uses,
 * once, and only while it is fresh; a leave forgets it. The engine runs on @roamhq/wrtc with a real microphone
 * port; its signalling socket is never opened, so a join stops after its credentials and microphone (it waits for
 * the connection, as after a drop) and the test counts what was asked of the server.
 */
const running: VoiceEngine[] = [];
afterEach(() => {
  for (const engine of running.splice(0)) engine.dispose();
});

function engineWith(expiresInMs: number) {
  const asked: string[] = [];
  const steps: JoinStep[] = [];
  const engine = createVoiceEngine(
    {
      createPeerConnection: wrtcPeerConnection,
      microphone: createWrtcMicrophone({ kind: 'tone', frequency: 440 }),
      speakers: createWrtcSpeakers(),
      signalling: createWorkspaceSocket({
        workspaceId: randomUUID(),
        ticket: async () => fail('unused', 'never connected'),
        openSocket: () => {
          throw new Error('never connected');
        },
      }),
      credentials: async (channelId) => {
        asked.push(channelId);
        return ok<VoiceCredentials>({
          iceServers: [],
          iceTransportPolicy: 'relay',
          expiresAt: Date.now() + expiresInMs,
        });
      },
    },
    { onJoinStep: (step) => steps.push(step) },
  );
  running.push(engine);
  /** Starts a join and waits until it has its credentials and microphone (it then waits for signalling). */
  const joinAndWait = async (channelId: string) => {
    void engine.join(channelId);
    await eventually('the join to wait for signalling', () =>
      engine.store.getState().phase === 'reconnecting' ? true : undefined,
    );
  };
  return { engine, asked, steps, joinAndWait };
}

describe('join credentials', () => {
  it('a prefetch is what the join uses: one request, and the join reports credentials and microphone', async () => {
    const { engine, asked, steps, joinAndWait } = engineWith(600_000);
    engine.prefetch('lobby');
    engine.prefetch('lobby');
    await joinAndWait('lobby');
    expect(asked).toEqual(['lobby']);
    expect([...steps].sort()).toEqual(['credentials', 'microphone']);
    expect(engine.store.getState().microphoneOpen).toBe(true);
  });

  it('a prefetch for another channel, a stale one, or one made before a leave is not used', async () => {
    const other = engineWith(600_000);
    other.engine.prefetch('stage');
    await other.joinAndWait('lobby');
    expect(other.asked).toEqual(['stage', 'lobby']);

    // Within the refresh margin (60 s by default) a credential is as good as expired.
    const stale = engineWith(30_000);
    stale.engine.prefetch('lobby');
    await stale.joinAndWait('lobby');
    expect(stale.asked).toEqual(['lobby', 'lobby']);

    const left = engineWith(600_000);
    left.engine.prefetch('lobby');
    left.engine.leave();
    await left.joinAndWait('lobby');
    expect(left.asked).toEqual(['lobby', 'lobby']);
  });
});
