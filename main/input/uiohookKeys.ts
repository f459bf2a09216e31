import type { Modifier, MouseButtonName } from '../../shared/pushToTalk';

/**
 * libuiohook's key codes (its VC_* constants, the same on X11, Windows and macOS) for every key in
 * shared/pushToTalk.ts. Written out here rather than read from uiohook-napi so that main never loads the native
 * module: only the hook process does (keyHookEntry.ts), where a crash of the hook cannot take the app down.
 */
const letters: Record<string, number> = {
  A: 30,
  B: 48,
  C: 46,
  D: 32,
  E: 18,
  F: 33,
  G: 34,
  H: 35,
  I: 23,
  J: 36,
  K: 37,
  L: 38,
  M: 50,
  N: 49,
  O: 24,
  P: 25,
  Q: 16,
  R: 19,
  S: 31,
  T: 20,
  U: 22,
  V: 47,
  W: 17,
  X: 45,
  Y: 21,
  Z: 44,
};
const functionKeys = [
  59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88, 91, 92, 93, 99, 100, 101, 102, 103, 104, 105, 106, 107,
];
const digits = [11, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const numpad = [82, 79, 80, 81, 75, 76, 77, 71, 72, 73];

export const UIOHOOK_KEYCODES: Readonly<Record<string, number>> = {
  ...letters,
  ...Object.fromEntries(functionKeys.map((code, i) => [`F${i + 1}`, code])),
  ...Object.fromEntries(digits.map((code, i) => [`${i}`, code])),
  ...Object.fromEntries(numpad.map((code, i) => [`Numpad${i}`, code])),
  Space: 57,
  Backquote: 41,
  Minus: 12,
  Equal: 13,
  BracketLeft: 26,
  BracketRight: 27,
  Backslash: 43,
  Semicolon: 39,
  Quote: 40,
  Comma: 51,
  Period: 52,
  Slash: 53,
  Insert: 3666,
  Delete: 3667,
  Home: 3655,
  End: 3663,
  PageUp: 3657,
  PageDown: 3665,
  ArrowUp: 57416,
  ArrowDown: 57424,
  ArrowLeft: 57419,
  ArrowRight: 57421,
  CapsLock: 58,
  ScrollLock: 70,
};

/** Left and right variants: either side satisfies a modifier of the shortcut. */
export const UIOHOOK_MODIFIER_KEYCODES: Readonly<Record<Modifier, readonly number[]>> = {
  Ctrl: [29, 3613],
  Alt: [56, 3640],
  Shift: [42, 54],
  Meta: [3675, 3676],
};

/** libuiohook numbers mouse buttons from 1 (left); the side buttons are 4 and 5 (X11 buttons 8 and 9). */
export const UIOHOOK_MOUSE_BUTTONS: Readonly<Record<MouseButtonName, number>> = { Mouse4: 4, Mouse5: 5 };
