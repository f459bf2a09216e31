import { afterEach, describe, expect, it } from 'vitest';
import { createWrtcMicrophone, type WrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { createWrtcSpeakers, type WrtcSpeakers } from '../../bot/ports/wrtcSpeakers';
import { eventually } from '../support/voiceBots';

/*
 * The speakers' load-generator mode (bench:voice's large channels): a peer is analysed until its first sound, then
 * its frames stop reaching JavaScript. A local RTCAudioSource track stands in for a remote one: RTCAudioSink reads
 * both the same way.
 */
const opened: { microphone: WrtcMicrophone; speakers: WrtcSpeakers }[] = [];
afterEach(() => {
  for (const { microphone, speakers } of opened.splice(0)) {
    speakers.close();
    microphone.close();
  }
});

async function listen(untilFirstSound: boolean) {
  const microphone = createWrtcMicrophone({ kind: 'tone', frequency: 440 });
  const speakers = createWrtcSpeakers({ frequencies: [440], untilFirstSound });
  opened.push({ microphone, speakers });
  const track = await microphone.open(null, {
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
  });
  speakers.attach('peer', track);
  const heard = await eventually('the tone heard', () => {
    const hearing = speakers.hearing('peer');
    return hearing === null || hearing.firstSoundAt === null ? undefined : hearing;
  });
  return { speakers, heard };
}

const framesAfter = async (speakers: WrtcSpeakers, ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return speakers.hearing('peer')?.frames ?? 0;
};

describe('bot speakers', () => {
  it('analyse every frame by default', async () => {
    const { speakers, heard } = await listen(false);
    expect(heard.dominant?.frequency).toBe(440);
    expect(await framesAfter(speakers, 300)).toBeGreaterThan(heard.frames + 10);
  });

  it('with untilFirstSound, stop taking frames once the peer is heard, and keep what they learned', async () => {
    const { speakers, heard } = await listen(true);
    const frames = await framesAfter(speakers, 300);
    expect(frames).toBe(heard.frames);
    const after = speakers.hearing('peer');
    expect(after?.firstSoundAt).toBe(heard.firstSoundAt);
    expect(speakers.peerIds()).toEqual(['peer']);
  });
});
