import { describe, expect, it } from 'vitest';
import { effectiveDevice } from './deviceChoice';
import {
  createLevelGate,
  dbFromLevel,
  levelMoved,
  SPEAKING_HANGOVER_MS,
  SPEAKING_THRESHOLD,
  thresholdFromDb,
  VOICE_HOLD_MS,
} from './voiceActivity';
import { backoffDelay, BACKOFF_MAX_MS } from '../realtime/backoff';

describe('level gate', () => {
  it('opens at once on speech and closes only after the hangover', () => {
    const gate = createLevelGate({ threshold: 0.1, hangoverMs: 300 });
    expect(gate.update(0.05, 0)).toBe(false);
    expect(gate.update(0.2, 10)).toBe(true);
    expect(gate.update(0.01, 200)).toBe(true);
    expect(gate.update(0.01, 309)).toBe(true);
    expect(gate.update(0.01, 310)).toBe(false);
  });

  it('keeps a breath between phrases in the transmission and under the ring, and lets a turn of listening end both', () => {
    /**
     * A second of speech, `breath` ms of silence, then speech again, read every `every` ms (a read hears the 100 ms
     * before it, as the sender's level does): whether the gate stayed open through the breath.
     */
    const openThrough = (hangoverMs: number, threshold: number, breath: number, every: number) => {
      const gate = createLevelGate({ threshold, hangoverMs });
      let stayed = true;
      for (let t = 0; t <= 1000 + breath; t += every) {
        const open = gate.update(t <= 1000 || t >= 1000 + breath ? 0.3 : 0.0001, t);
        stayed &&= open;
      }
      return stayed;
    };
    const voice = thresholdFromDb(-50);
    // A 450 ms breath, read five times a second (while sending) or ten (in a pause): the senders keep going.
    for (const every of [100, 200]) {
      expect(openThrough(VOICE_HOLD_MS, voice, 450, every)).toBe(true);
      expect(openThrough(SPEAKING_HANGOVER_MS, SPEAKING_THRESHOLD, 450, every)).toBe(true);
      // Listening for a second closes both: a pause still sends nothing.
      expect(openThrough(VOICE_HOLD_MS, voice, 1000, every)).toBe(false);
      expect(openThrough(SPEAKING_HANGOVER_MS, SPEAKING_THRESHOLD, 1000, every)).toBe(false);
    }
    // A listener's ring lasts as long as the transmission and its silent tail (100 ms): it does not go out before.
    expect(SPEAKING_HANGOVER_MS).toBeGreaterThanOrEqual(VOICE_HOLD_MS + 100);
  });

  it('maps sensitivity in dBFS to a linear threshold, clamped to the setting range', () => {
    expect(thresholdFromDb(0)).toBe(1);
    expect(thresholdFromDb(-20)).toBeCloseTo(0.1);
    expect(thresholdFromDb(-500)).toBeCloseTo(10 ** (-80 / 20));
  });

  it('shows levels in dBFS within the range, and redraws a meter only for a change it can show', () => {
    expect(dbFromLevel(1)).toBe(0);
    expect(dbFromLevel(0.1)).toBeCloseTo(-20);
    expect(dbFromLevel(0)).toBe(-80);
    expect(dbFromLevel(Number.NaN)).toBe(-80);
    expect(dbFromLevel(1e-9)).toBe(-80);
    // Quiet speech moves the meter (a linear step of 0.05 would hide everything under -26 dBFS)...
    expect(levelMoved(0.001, 0.002)).toBe(true);
    // ...and a small wobble of a loud sound does not redraw it.
    expect(levelMoved(0.8, 0.82)).toBe(false);
    expect(levelMoved(0, 0)).toBe(false);
  });
});

describe('device choice on unplug and replug', () => {
  it('uses the chosen device while present, the default while it is gone, and the choice again when it returns', () => {
    expect(effectiveDevice('usb-mic', ['usb-mic', 'built-in'])).toBe('usb-mic');
    expect(effectiveDevice('usb-mic', ['built-in'])).toBeNull();
    expect(effectiveDevice('usb-mic', ['built-in', 'usb-mic'])).toBe('usb-mic');
    expect(effectiveDevice(null, ['built-in'])).toBeNull();
    expect(effectiveDevice('default', ['built-in'])).toBeNull();
  });
});

describe('reconnect backoff', () => {
  it('doubles from about half a second to a 15 s ceiling, with half of each delay random', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0)).toBe(2000);
    expect(backoffDelay(40, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(40, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });
});
