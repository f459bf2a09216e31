import { describe, expect, it } from 'vitest';
import { effectiveDevice } from './deviceChoice';
import { createLevelGate, thresholdFromDb } from './voiceActivity';
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

  it('maps sensitivity in dBFS to a linear threshold, clamped to the setting range', () => {
    expect(thresholdFromDb(0)).toBe(1);
    expect(thresholdFromDb(-20)).toBeCloseTo(0.1);
    expect(thresholdFromDb(-500)).toBeCloseTo(10 ** (-80 / 20));
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
