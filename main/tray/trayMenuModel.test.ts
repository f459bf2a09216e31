import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { trayIconPng } from './trayIconPng';
import { trayMenuModel } from './trayMenuModel';

describe('the tray menu', () => {
  it('outside a call: Mute and Deafen are off and disabled; Show and Quit are there', () => {
    const model = trayMenuModel({ inChannel: null, muted: false, deafened: false }, false);
    expect(model.tooltip).toBe('whoot: Not in a voice channel');
    expect(model.icon).toBe('idle');
    expect(model.items).toEqual([
      { type: 'status', label: 'Not in a voice channel' },
      { type: 'separator' },
      { type: 'checkbox', action: 'toggleMute', label: 'Mute microphone', checked: false, enabled: false },
      { type: 'checkbox', action: 'toggleDeafen', label: 'Deafen', checked: false, enabled: false },
      { type: 'separator' },
      { type: 'normal', action: 'showWindow', label: 'Show whoot', enabled: true },
      { type: 'normal', action: 'quit', label: 'Quit whoot', enabled: true },
    ]);
  });

  it('in a call the checkboxes show the reported state', () => {
    const model = trayMenuModel({ inChannel: 'General', muted: true, deafened: false }, false);
    expect(model.tooltip).toBe('whoot: In General (muted)');
    expect(model.icon).toBe('muted');
    expect(model.items).toContainEqual({
      type: 'checkbox',
      action: 'toggleMute',
      label: 'Mute microphone',
      checked: true,
      enabled: true,
    });
    expect(model.items).toContainEqual({
      type: 'checkbox',
      action: 'toggleDeafen',
      label: 'Deafen',
      checked: false,
      enabled: true,
    });
  });

  it('push-to-talk holding the microphone open shows as talking, unless muted or deafened', () => {
    expect(trayMenuModel({ inChannel: 'General', muted: false, deafened: false }, true)).toMatchObject({
      icon: 'talking',
      tooltip: 'whoot: In General (talking)',
    });
    expect(trayMenuModel({ inChannel: 'General', muted: false, deafened: false }, false).icon).toBe('inCall');
    expect(trayMenuModel({ inChannel: 'General', muted: false, deafened: true }, true)).toMatchObject({
      icon: 'muted',
      tooltip: 'whoot: In General (deafened, talking)',
    });
    // Not in a call, a held key opens nothing.
    expect(trayMenuModel({ inChannel: null, muted: false, deafened: false }, true).icon).toBe('idle');
  });
});

/** Decodes the PNGs trayIconPng writes (8-bit RGBA, filter 0), to read pixels back. */
function pixels(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = png.readUInt32BE(16);
  const idat: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    if (png.toString('ascii', offset + 4, offset + 8) === 'IDAT')
      idat.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return (x: number, y: number) => {
    const at = y * (width * 4 + 1) + 1 + x * 4;
    return [...raw.subarray(at, at + 4)];
  };
}

describe('the tray icon', () => {
  it('is a coloured disc on transparency, a different colour per state, with a bar when muted', () => {
    const idle = pixels(trayIconPng('idle'));
    const talking = pixels(trayIconPng('talking'));
    const muted = pixels(trayIconPng('muted'));
    expect(idle(0, 0)[3]).toBe(0);
    expect(idle(16, 10)[3]).toBe(255);
    expect(idle(16, 10)).not.toEqual(talking(16, 10));
    expect(muted(16, 16)).toEqual([255, 255, 255, 255]);
    expect(muted(16, 6)[0]).toBeGreaterThan(200);
    expect(muted(16, 6)[1]).toBeLessThan(100);
  });
});
