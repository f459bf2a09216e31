import { isMouseButton, parseShortcut, type Modifier } from '../../shared/pushToTalk';

/** The XDG "shortcuts" spec's modifier names, in whoot's canonical order. */
const modifierNames: Record<Modifier, string> = { Ctrl: 'CTRL', Alt: 'ALT', Shift: 'SHIFT', Meta: 'LOGO' };

/**
 * xkb keysym names for whoot's key names where they differ. Letters are the lowercase keysyms, since "SHIFT+A" would
 * read to a desktop as Shift plus the keysym for a capital A, which no key produces unshifted.
 */
const keysyms: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Array.from({ length: 26 }, (_, i) => [String.fromCharCode(65 + i), String.fromCharCode(97 + i)]),
  ),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`Numpad${i}`, `KP_${i}`])),
  Space: 'space',
  Backquote: 'grave',
  Minus: 'minus',
  Equal: 'equal',
  BracketLeft: 'bracketleft',
  BracketRight: 'bracketright',
  Backslash: 'backslash',
  Semicolon: 'semicolon',
  Quote: 'apostrophe',
  Comma: 'comma',
  Period: 'period',
  Slash: 'slash',
  PageUp: 'Page_Up',
  PageDown: 'Page_Down',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  CapsLock: 'Caps_Lock',
  ScrollLock: 'Scroll_Lock',
};

/**
 * The GlobalShortcuts portal's preferred_trigger for a whoot shortcut ("Ctrl+Alt+F8" -> "CTRL+ALT+F8"), or null for
 * a mouse button (the portal binds keys only) or text that is not a shortcut. F1-F24, digits, Insert, Delete, Home
 * and End are keysym names already.
 */
export function toPortalTrigger(shortcutText: string): string | null {
  const parsed = parseShortcut(shortcutText);
  if (!parsed.ok || isMouseButton(parsed.shortcut.key)) return null;
  const { modifiers, key } = parsed.shortcut;
  return [...modifiers.map((modifier) => modifierNames[modifier]), keysyms[key] ?? key].join('+');
}
