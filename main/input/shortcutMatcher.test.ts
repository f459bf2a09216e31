import { describe, expect, it } from 'vitest';
import { KEY_NAMES, MOUSE_BUTTONS, parseShortcut } from '../../shared/pushToTalk';
import { toAccelerator } from './electronAccelerator';
import { createShortcutMatcher, type HookInput } from './shortcutMatcher';
import { UIOHOOK_KEYCODES, UIOHOOK_MOUSE_BUTTONS } from './uiohookKeys';

const key = (state: 'down' | 'up', code: number): HookInput => ({ device: 'key', state, code });
const F8 = 66;
const CTRL = 29;
const CTRL_RIGHT = 3613;
const SHIFT = 42;

describe('shortcut tables', () => {
  it('every key and side button whoot accepts has a hook code, all distinct', () => {
    const codes = KEY_NAMES.map((name) => UIOHOOK_KEYCODES[name]);
    expect(codes.every((code) => typeof code === 'number')).toBe(true);
    expect(new Set(codes).size).toBe(KEY_NAMES.length);
    expect(Object.keys(UIOHOOK_MOUSE_BUTTONS).sort()).toEqual(Object.keys(MOUSE_BUTTONS).sort());
  });

  it('every key has an Electron accelerator for the toggle fallback; mouse buttons have none', () => {
    for (const name of KEY_NAMES) {
      const text = parseShortcut(name).ok ? name : `Ctrl+${name}`;
      expect(toAccelerator(text), name).toMatch(/\S/);
    }
    expect(toAccelerator('Ctrl+Alt+Shift+Meta+F8')).toBe('Control+Alt+Shift+Super+F8');
    expect(toAccelerator('Ctrl+Backquote')).toBe('Control+`');
    expect(toAccelerator('Numpad5')).toBe('num5');
    expect(toAccelerator('ArrowUp')).toBe('Up');
    expect(toAccelerator('Mouse4')).toBeNull();
    expect(toAccelerator('A')).toBeNull();
  });
});

describe('the shortcut matcher', () => {
  it('watches only the key and its modifiers', () => {
    expect(createShortcutMatcher('F8').watch).toEqual({ keys: [F8], buttons: [] });
    expect(createShortcutMatcher('Ctrl+F8').watch).toEqual({ keys: [F8, CTRL, CTRL_RIGHT], buttons: [] });
    expect(createShortcutMatcher('Mouse4').watch).toEqual({ keys: [], buttons: [4] });
  });

  it('a single key: down presses, auto-repeat changes nothing, up releases', () => {
    const matcher = createShortcutMatcher('F8');
    expect(matcher.feed(key('down', F8))).toBe('pressed');
    expect(matcher.feed(key('down', F8))).toBeNull();
    expect(matcher.feed(key('down', F8))).toBeNull();
    expect(matcher.feed(key('up', F8))).toBe('released');
    expect(matcher.feed(key('up', F8))).toBeNull();
  });

  it('a combo needs every modifier (either side) and comes apart when any part is let go', () => {
    const matcher = createShortcutMatcher('Ctrl+Shift+F8');
    expect(matcher.feed(key('down', F8))).toBeNull();
    expect(matcher.feed(key('down', CTRL_RIGHT))).toBeNull();
    expect(matcher.feed(key('down', SHIFT))).toBe('pressed');
    expect(matcher.feed(key('up', SHIFT))).toBe('released');
    expect(matcher.feed(key('down', SHIFT))).toBe('pressed');
    expect(matcher.feed(key('up', F8))).toBe('released');
  });

  it('extra keys held do not block a shortcut without them', () => {
    const matcher = createShortcutMatcher('F8');
    matcher.feed(key('down', SHIFT));
    expect(matcher.feed(key('down', F8))).toBe('pressed');
  });

  it('clear() forgets what was held', () => {
    const matcher = createShortcutMatcher('F8');
    matcher.feed(key('down', F8));
    matcher.clear();
    expect(matcher.feed(key('up', F8))).toBeNull();
    expect(matcher.feed(key('down', F8))).toBe('pressed');
  });

  it('refuses text that is not a shortcut', () => {
    expect(() => createShortcutMatcher('A')).toThrow(/not a push-to-talk shortcut/);
  });
});
