import { describe, expect, it } from 'vitest';
import {
  KEY_NAMES,
  formatShortcut,
  parseShortcut,
  pushToTalkKeySchema,
  pushToTalkPreferencesSchema,
  pushToTalkUpdateSchema,
  shortcutFromKeyboardEvent,
  shortcutFromMouseButton,
  voiceReportedStateSchema,
} from './pushToTalk';

const noModifiers = { ctrlKey: false, altKey: false, shiftKey: false, metaKey: false };

describe('push-to-talk keys', () => {
  it.each([
    'F8',
    'F1',
    'F24',
    'Ctrl+Shift+A',
    'Ctrl+Alt+Shift+Meta+F13',
    'Alt+7',
    'Mouse4',
    'Mouse5',
    'Numpad0',
    'CapsLock',
    'Meta+Space',
  ])('accepts %s and formats it back unchanged', (text) => {
    const parsed = parseShortcut(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatShortcut(parsed.shortcut)).toBe(text);
    expect(pushToTalkKeySchema.safeParse(text).success).toBe(true);
  });

  it.each([
    ['', /1-64 characters/],
    ['A', /types text, so it needs a modifier/],
    ['Space', /types text/],
    ['7', /types text/],
    ['Shift+Ctrl+A', /in the order Ctrl, Alt, Shift, Meta/],
    ['Ctrl+Ctrl+F8', /once each/],
    ['Ctrl+Mouse4', /mouse button is used without modifiers/],
    ['Hyper+F8', /not a modifier/],
    ['Enter', /not a key whoot can use/],
    ['Tab', /not a key whoot can use/],
    ['Escape', /not a key whoot can use/],
    ['F25', /not a key whoot can use/],
    ['f8', /not a key whoot can use/],
    ['Ctrl+', /not a key whoot can use/],
    ['Ctrl', /not a key whoot can use/],
    ['x'.repeat(65), /1-64 characters/],
    ['__proto__', /not a key whoot can use/],
    ['constructor', /not a key whoot can use/],
  ])('refuses %j with the reason', (text, reason) => {
    const parsed = parseShortcut(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    const schema = pushToTalkKeySchema.safeParse(text);
    expect(schema.success).toBe(false);
  });

  it('lists every function key, letter and digit', () => {
    for (let n = 1; n <= 24; n += 1) expect(KEY_NAMES).toContain(`F${n}`);
    for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') expect(KEY_NAMES).toContain(letter);
    for (const digit of '0123456789') expect(KEY_NAMES).toContain(digit);
  });
});

describe('the shortcut recorder', () => {
  it('turns a key press with modifiers into canonical text', () => {
    expect(shortcutFromKeyboardEvent({ ...noModifiers, code: 'F8' })).toEqual({ kind: 'shortcut', key: 'F8' });
    expect(
      shortcutFromKeyboardEvent({ code: 'KeyV', ctrlKey: true, altKey: false, shiftKey: true, metaKey: false }),
    ).toEqual({
      kind: 'shortcut',
      key: 'Ctrl+Shift+V',
    });
    expect(shortcutFromKeyboardEvent({ ...noModifiers, code: 'Digit3', altKey: true })).toEqual({
      kind: 'shortcut',
      key: 'Alt+3',
    });
  });

  it('waits while only modifiers are down', () => {
    for (const code of ['ControlLeft', 'ShiftRight', 'AltLeft', 'MetaLeft']) {
      expect(shortcutFromKeyboardEvent({ ...noModifiers, code, ctrlKey: true })).toEqual({ kind: 'modifier' });
    }
  });

  it('refuses a typing key alone and keys outside the table, saying why', () => {
    expect(shortcutFromKeyboardEvent({ ...noModifiers, code: 'KeyV' })).toEqual({
      kind: 'refused',
      reason: 'V types text, so it needs a modifier (for example Ctrl+V).',
    });
    expect(shortcutFromKeyboardEvent({ ...noModifiers, code: 'Enter' })).toMatchObject({ kind: 'refused' });
    expect(shortcutFromKeyboardEvent({ ...noModifiers, code: 'IntlRo' })).toMatchObject({ kind: 'refused' });
  });

  it('records the side mouse buttons only', () => {
    expect(shortcutFromMouseButton(3)).toBe('Mouse4');
    expect(shortcutFromMouseButton(4)).toBe('Mouse5');
    expect(shortcutFromMouseButton(0)).toBeNull();
    expect(shortcutFromMouseButton(2)).toBeNull();
  });
});

describe('push-to-talk preferences', () => {
  it('accept the documented ranges and refuse the rest', () => {
    const valid = { mode: 'pushToTalk', key: 'F8', releaseDelayMs: 0 };
    expect(pushToTalkPreferencesSchema.safeParse(valid).success).toBe(true);
    expect(pushToTalkPreferencesSchema.safeParse({ ...valid, releaseDelayMs: 2000 }).success).toBe(true);
    for (const bad of [
      { ...valid, releaseDelayMs: -1 },
      { ...valid, releaseDelayMs: 2001 },
      { ...valid, releaseDelayMs: 1.5 },
      { ...valid, releaseDelayMs: '150' },
      { ...valid, mode: 'always' },
      { ...valid, key: 'A' },
      { ...valid, extra: true },
      { mode: 'pushToTalk', key: 'F8' },
    ]) {
      expect(pushToTalkPreferencesSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('an update names at least one field and nothing unknown', () => {
    expect(pushToTalkUpdateSchema.safeParse({ releaseDelayMs: 300 }).success).toBe(true);
    expect(pushToTalkUpdateSchema.safeParse({}).success).toBe(false);
    expect(pushToTalkUpdateSchema.safeParse({ key: 'F8', admin: true }).success).toBe(false);
  });

  it('the reported call state is bounded', () => {
    expect(voiceReportedStateSchema.safeParse({ inChannel: 'General', muted: true, deafened: false }).success).toBe(
      true,
    );
    expect(voiceReportedStateSchema.safeParse({ inChannel: null, muted: false, deafened: false }).success).toBe(true);
    expect(voiceReportedStateSchema.safeParse({ inChannel: '', muted: false, deafened: false }).success).toBe(false);
    expect(
      voiceReportedStateSchema.safeParse({ inChannel: 'x'.repeat(101), muted: false, deafened: false }).success,
    ).toBe(false);
    expect(voiceReportedStateSchema.safeParse({ inChannel: null, muted: 'yes', deafened: false }).success).toBe(false);
  });
});
