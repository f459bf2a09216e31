import { isMouseButton, parseShortcut } from '../../shared/pushToTalk';
import { UIOHOOK_KEYCODES, UIOHOOK_MODIFIER_KEYCODES, UIOHOOK_MOUSE_BUTTONS } from './uiohookKeys';

/** One raw event from the hook: a key (libuiohook key code) or a mouse button went down or up. */
export interface HookInput {
  readonly device: 'key' | 'mouse';
  readonly state: 'down' | 'up';
  readonly code: number;
}

/** Exactly the codes the hook process forwards: the shortcut's key or button and its modifiers, nothing else. */
export interface WatchList {
  readonly keys: readonly number[];
  readonly buttons: readonly number[];
}

export interface ShortcutMatcher {
  readonly watch: WatchList;
  /** Feeds one event; answers 'pressed' or 'released' when the whole shortcut went down or came apart. */
  feed(input: HookInput): 'pressed' | 'released' | null;
  /** Forgets what is held (the hook restarted, so its picture of the keyboard is gone). */
  clear(): void;
}

/**
 * Turns raw key events into shortcut presses and releases. The shortcut is held while its key is down and each of
 * its modifiers is down on either side; extra keys do not matter, so a player holding Shift to run can still talk.
 * It comes apart as soon as any of its parts is released. Auto-repeat keydowns change nothing.
 */
export function createShortcutMatcher(shortcutText: string): ShortcutMatcher {
  const parsed = parseShortcut(shortcutText);
  if (!parsed.ok) throw new TypeError(`not a push-to-talk shortcut: ${parsed.reason}`);
  const { key, modifiers } = parsed.shortcut;
  const device = isMouseButton(key) ? 'mouse' : 'key';
  const mainCode = isMouseButton(key) ? UIOHOOK_MOUSE_BUTTONS[key] : UIOHOOK_KEYCODES[key];
  if (mainCode === undefined) throw new TypeError(`no hook key code for ${key}`);
  const modifierCodes = modifiers.map((modifier) => UIOHOOK_MODIFIER_KEYCODES[modifier]);

  const heldKeys = new Set<number>();
  let mainHeld = false;
  let active = false;

  const isActive = () => mainHeld && modifierCodes.every((codes) => codes.some((code) => heldKeys.has(code)));

  return {
    watch: {
      keys: device === 'key' ? [mainCode, ...modifierCodes.flat()] : modifierCodes.flat(),
      buttons: device === 'mouse' ? [mainCode] : [],
    },
    feed(input) {
      const down = input.state === 'down';
      if (input.device === device && input.code === mainCode) mainHeld = down;
      else if (input.device === 'key') {
        if (down) heldKeys.add(input.code);
        else heldKeys.delete(input.code);
      }
      const now = isActive();
      if (now === active) return null;
      active = now;
      return now ? 'pressed' : 'released';
    },
    clear() {
      heldKeys.clear();
      mainHeld = false;
      active = false;
    },
  };
}
