import { isMouseButton, parseShortcut, type Modifier } from '../../shared/pushToTalk';

const modifierNames: Record<Modifier, string> = { Ctrl: 'Control', Alt: 'Alt', Shift: 'Shift', Meta: 'Super' };

/** Keys whose Electron accelerator name differs from whoot's name; the rest (F8, A, 7, Home, PageUp...) match. */
const keyNames: Readonly<Record<string, string>> = {
  Backquote: '`',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Comma: ',',
  Period: '.',
  Slash: '/',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  CapsLock: 'Capslock',
  ScrollLock: 'Scrolllock',
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Numpad${i}`, `num${i}`])),
};

/**
 * The Electron accelerator for a shortcut (for the toggle-to-talk fallback through globalShortcut), or null for a
 * mouse button, which globalShortcut cannot register.
 */
export function toAccelerator(shortcutText: string): string | null {
  const parsed = parseShortcut(shortcutText);
  if (!parsed.ok || isMouseButton(parsed.shortcut.key)) return null;
  const { modifiers, key } = parsed.shortcut;
  return [...modifiers.map((modifier) => modifierNames[modifier]), keyNames[key] ?? key].join('+');
}
