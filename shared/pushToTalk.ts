import { z } from 'zod';

/**
 * Push-to-talk keys, preferences and status, shared by main (hook, preferences file, IPC) and the renderer
 * (settings, shortcut recorder). A shortcut is text in one canonical form, "Ctrl+Alt+Shift+Meta+Key" with the
 * modifiers in that order, so the same string is stored, shown, compared and sent over IPC.
 */

export const MODIFIERS = ['Ctrl', 'Alt', 'Shift', 'Meta'] as const;
export type Modifier = (typeof MODIFIERS)[number];

/**
 * Every key a shortcut may end in, with the KeyboardEvent.code (or MouseEvent.button) the recorder sees for it.
 * `typing` keys produce text in other programs: alone they would open the microphone on every word typed, so they
 * need a modifier. Enter, Tab, Escape and Backspace are left out: a hook does not swallow keys, and those would
 * switch the microphone on while the user works.
 */
const keyTable = {
  ...Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`F${i + 1}`, { code: `F${i + 1}`, typing: false }])),
  ...Object.fromEntries(
    Array.from({ length: 26 }, (_, i) => {
      const letter = String.fromCharCode(65 + i);
      return [letter, { code: `Key${letter}`, typing: true }];
    }),
  ),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`${i}`, { code: `Digit${i}`, typing: true }])),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Numpad${i}`, { code: `Numpad${i}`, typing: false }])),
  Space: { code: 'Space', typing: true },
  Backquote: { code: 'Backquote', typing: true },
  Minus: { code: 'Minus', typing: true },
  Equal: { code: 'Equal', typing: true },
  BracketLeft: { code: 'BracketLeft', typing: true },
  BracketRight: { code: 'BracketRight', typing: true },
  Backslash: { code: 'Backslash', typing: true },
  Semicolon: { code: 'Semicolon', typing: true },
  Quote: { code: 'Quote', typing: true },
  Comma: { code: 'Comma', typing: true },
  Period: { code: 'Period', typing: true },
  Slash: { code: 'Slash', typing: true },
  Insert: { code: 'Insert', typing: false },
  Delete: { code: 'Delete', typing: false },
  Home: { code: 'Home', typing: false },
  End: { code: 'End', typing: false },
  PageUp: { code: 'PageUp', typing: false },
  PageDown: { code: 'PageDown', typing: false },
  ArrowUp: { code: 'ArrowUp', typing: false },
  ArrowDown: { code: 'ArrowDown', typing: false },
  ArrowLeft: { code: 'ArrowLeft', typing: false },
  ArrowRight: { code: 'ArrowRight', typing: false },
  CapsLock: { code: 'CapsLock', typing: false },
  ScrollLock: { code: 'ScrollLock', typing: false },
} as Readonly<Record<string, { readonly code: string; readonly typing: boolean }>>;

/** Mouse side buttons (back, forward): what many players bind push-to-talk to. MouseEvent.button 3 and 4. */
export const MOUSE_BUTTONS = { Mouse4: 3, Mouse5: 4 } as const;
export type MouseButtonName = keyof typeof MOUSE_BUTTONS;

export const KEY_NAMES: readonly string[] = Object.keys(keyTable);

export interface Shortcut {
  readonly modifiers: readonly Modifier[];
  /** A name from KEY_NAMES or MOUSE_BUTTONS. */
  readonly key: string;
}

export const isMouseButton = (key: string): key is MouseButtonName => Object.hasOwn(MOUSE_BUTTONS, key);
const isKeyName = (key: string) => Object.hasOwn(keyTable, key);
const isModifier = (part: string): part is Modifier => (MODIFIERS as readonly string[]).includes(part);

export type ShortcutParse = { ok: true; shortcut: Shortcut } | { ok: false; reason: string };

/** Parses canonical text; anything else (other order, repeats, unknown names) is refused with a reason. */
export function parseShortcut(text: string): ShortcutParse {
  if (text.length === 0 || text.length > 64) return { ok: false, reason: 'must be 1-64 characters' };
  const parts = text.split('+');
  const key = parts.pop() as string;
  const modifiers: Modifier[] = [];
  for (const part of parts) {
    if (!isModifier(part))
      return { ok: false, reason: `"${part.slice(0, 16)}" is not a modifier (Ctrl, Alt, Shift, Meta)` };
    modifiers.push(part);
  }
  const inOrder = MODIFIERS.filter((modifier) => modifiers.includes(modifier));
  if (inOrder.length !== modifiers.length || inOrder.some((modifier, i) => modifiers[i] !== modifier)) {
    return { ok: false, reason: 'modifiers must appear once each, in the order Ctrl, Alt, Shift, Meta' };
  }
  if (isMouseButton(key)) {
    if (modifiers.length > 0) return { ok: false, reason: 'a mouse button is used without modifiers' };
    return { ok: true, shortcut: { modifiers, key } };
  }
  const entry = isKeyName(key) ? keyTable[key] : undefined;
  if (entry === undefined) {
    return { ok: false, reason: `"${key.slice(0, 16)}" is not a key whoot can use for push-to-talk` };
  }
  if (entry.typing && modifiers.length === 0) {
    return { ok: false, reason: `${key} types text, so it needs a modifier (for example Ctrl+${key})` };
  }
  return { ok: true, shortcut: { modifiers, key } };
}

export function formatShortcut(shortcut: Shortcut): string {
  return [...MODIFIERS.filter((modifier) => shortcut.modifiers.includes(modifier)), shortcut.key].join('+');
}

export const pushToTalkKeySchema = z.string().superRefine((text, context) => {
  const parsed = parseShortcut(text);
  if (!parsed.ok) context.addIssue({ code: 'custom', message: parsed.reason });
});

/** What the shortcut recorder sees of a DOM KeyboardEvent. */
export interface KeyboardEventLike {
  readonly code: string;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
  readonly metaKey: boolean;
}

const modifierCodes = new Set([
  'ControlLeft',
  'ControlRight',
  'AltLeft',
  'AltRight',
  'ShiftLeft',
  'ShiftRight',
  'MetaLeft',
  'MetaRight',
  'OSLeft',
  'OSRight',
]);

export type RecordedKey =
  | { readonly kind: 'modifier' }
  | { readonly kind: 'shortcut'; readonly key: string }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * Turns a key press in the settings window into a shortcut. A lone modifier means "still composing the combo";
 * a key outside the table, or a typing key without a modifier, is refused with the reason to show.
 */
export function shortcutFromKeyboardEvent(event: KeyboardEventLike): RecordedKey {
  if (modifierCodes.has(event.code)) return { kind: 'modifier' };
  const key = KEY_NAMES.find((name) => keyTable[name]?.code === event.code);
  if (key === undefined) return { kind: 'refused', reason: 'That key cannot be used for push-to-talk.' };
  const modifiers = MODIFIERS.filter(
    (modifier) =>
      ({ Ctrl: event.ctrlKey, Alt: event.altKey, Shift: event.shiftKey, Meta: event.metaKey })[modifier] === true,
  );
  const text = formatShortcut({ modifiers, key });
  const parsed = parseShortcut(text);
  return parsed.ok ? { kind: 'shortcut', key: text } : { kind: 'refused', reason: `${parsed.reason}.` };
}

/** MouseEvent.button of a side button, as the recorder sees it; other buttons are not recordable. */
export function shortcutFromMouseButton(button: number): string | null {
  const entry = Object.entries(MOUSE_BUTTONS).find(([, value]) => value === button);
  return entry ? entry[0] : null;
}

export const pushToTalkModeSchema = z.enum(['voiceActivity', 'pushToTalk', 'toggle']);
export type PushToTalkMode = z.output<typeof pushToTalkModeSchema>;

/** Discord offers 0-2000 ms; a short delay keeps the last syllable that is still sounding when the key comes up. */
export const RELEASE_DELAY_MAX_MS = 2000;
export const releaseDelaySchema = z.number().int().min(0).max(RELEASE_DELAY_MAX_MS);

export const pushToTalkPreferencesSchema = z.strictObject({
  mode: pushToTalkModeSchema,
  key: pushToTalkKeySchema,
  releaseDelayMs: releaseDelaySchema,
});
export type PushToTalkPreferences = z.output<typeof pushToTalkPreferencesSchema>;

export const defaultPushToTalkPreferences: PushToTalkPreferences = {
  mode: 'voiceActivity',
  key: 'F8',
  releaseDelayMs: 150,
};

/** `pushToTalk.set` changes any subset; at least one field, so an empty call is a mistake, not a no-op. */
export const pushToTalkUpdateSchema = pushToTalkPreferencesSchema
  .partial()
  .refine((update) => Object.keys(update).length > 0, 'name at least one of mode, key, releaseDelayMs');

/**
 * How the shortcut reaches whoot right now, and why: `hook` (system key hook, sees press and release, any window
 * focused), `portal` (XDG GlobalShortcuts on Wayland, press and release), `toggle` (Electron globalShortcut: presses
 * only, so a press starts talking and the next stops it), `off` (voice activity: no shortcut), `starting` (the
 * hook is being started), `unavailable` (none works; `detail` says why and what to do).
 */
export const pushToTalkMechanismSchema = z.strictObject({
  kind: z.enum(['hook', 'portal', 'toggle', 'off', 'starting', 'unavailable']),
  detail: z.string().max(400),
});
export type PushToTalkMechanism = z.output<typeof pushToTalkMechanismSchema>;

export const pushToTalkStatusSchema = z.strictObject({
  ...pushToTalkPreferencesSchema.shape,
  mechanism: pushToTalkMechanismSchema,
  /** Whether the shortcut holds the microphone open right now. */
  active: z.boolean(),
});
export type PushToTalkStatus = z.output<typeof pushToTalkStatusSchema>;

/** What the renderer reports of its call, so the tray shows the truth. The channel's display name, not its id. */
export const voiceReportedStateSchema = z.strictObject({
  inChannel: z.string().min(1).max(100).nullable(),
  muted: z.boolean(),
  deafened: z.boolean(),
});
export type VoiceReportedState = z.output<typeof voiceReportedStateSchema>;
