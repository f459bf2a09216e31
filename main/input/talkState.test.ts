import { describe, expect, it } from 'vitest';
import { createTalkState, TAP_QUIET_GAP_MS } from './talkState';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function machine(mode: 'hold' | 'toggle', releaseDelayMs = 0) {
  const changes: boolean[] = [];
  const talk = createTalkState({ mode, releaseDelayMs, onChange: (active) => changes.push(active) });
  return { talk, changes };
}

describe('hold to talk', () => {
  it('press talks, release stops, repeats and stray releases change nothing', () => {
    const { talk, changes } = machine('hold');
    talk.release();
    talk.press();
    talk.press();
    talk.press();
    expect(talk.active).toBe(true);
    talk.release();
    talk.release();
    expect(talk.active).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('the release delay keeps talking, then stops; a re-press inside it keeps talking without a flicker', async () => {
    const { talk, changes } = machine('hold', 120);
    talk.press();
    talk.release();
    expect(talk.active).toBe(true);
    await sleep(40);
    talk.press();
    await sleep(200);
    expect(talk.active).toBe(true);
    talk.release();
    await sleep(40);
    expect(talk.active).toBe(true);
    await sleep(200);
    expect(talk.active).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('stop() ends talking at once, even inside the release delay or with the key still down', async () => {
    const { talk, changes } = machine('hold', 150);
    talk.press();
    talk.stop();
    expect(talk.active).toBe(false);
    talk.press();
    talk.release();
    talk.stop();
    expect(talk.active).toBe(false);
    await sleep(250);
    expect(changes).toEqual([true, false, true, false]);
  });

  it('a changed release delay applies to the next release', async () => {
    const { talk } = machine('hold', 2000);
    talk.setReleaseDelay(0);
    talk.press();
    talk.release();
    expect(talk.active).toBe(false);
  });
});

describe('toggle to talk', () => {
  it('each press flips, holding (repeats) does not', () => {
    const { talk, changes } = machine('toggle');
    talk.press();
    talk.press();
    expect(talk.active).toBe(true);
    talk.release();
    expect(talk.active).toBe(true);
    talk.press();
    expect(talk.active).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it('taps (presses with no release) flip once per chain: a held key auto-repeating toggles once', async () => {
    const { talk, changes } = machine('toggle');
    talk.tap();
    for (let i = 0; i < 5; i += 1) {
      await sleep(30);
      talk.tap();
    }
    expect(changes).toEqual([true]);
    await sleep(TAP_QUIET_GAP_MS + 50);
    talk.tap();
    expect(changes).toEqual([true, false]);
  });

  it('changing mode stops talking', () => {
    const { talk, changes } = machine('toggle');
    talk.press();
    talk.setMode('hold');
    expect(talk.active).toBe(false);
    expect(changes).toEqual([true, false]);
  });
});
