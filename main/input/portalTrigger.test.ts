import { describe, expect, it } from 'vitest';
import { KEY_NAMES } from '../../shared/pushToTalk';
import { toPortalTrigger } from './portalTrigger';

describe('toPortalTrigger', () => {
  it('writes modifiers as the XDG shortcuts spec names them, in order, then the keysym', () => {
    expect(toPortalTrigger('Ctrl+F9')).toBe('CTRL+F9');
    expect(toPortalTrigger('Ctrl+Alt+Shift+Meta+A')).toBe('CTRL+ALT+SHIFT+LOGO+a');
    expect(toPortalTrigger('Meta+Space')).toBe('LOGO+space');
    expect(toPortalTrigger('F8')).toBe('F8');
  });

  it('uses xkb keysym names where whoot names keys differently', () => {
    expect(toPortalTrigger('Numpad3')).toBe('KP_3');
    expect(toPortalTrigger('PageUp')).toBe('Page_Up');
    expect(toPortalTrigger('ArrowLeft')).toBe('Left');
    expect(toPortalTrigger('Ctrl+Quote')).toBe('CTRL+apostrophe');
    expect(toPortalTrigger('Alt+7')).toBe('ALT+7');
    expect(toPortalTrigger('ScrollLock')).toBe('Scroll_Lock');
  });

  it('gives every key whoot offers a keysym the format allows, and none to a mouse button or non-shortcut', () => {
    for (const key of KEY_NAMES) {
      expect(toPortalTrigger(`Ctrl+${key}`)).toMatch(/^CTRL\+[A-Za-z0-9_]+$/);
    }
    expect(toPortalTrigger('Mouse4')).toBeNull();
    expect(toPortalTrigger('Mouse5')).toBeNull();
    expect(toPortalTrigger('Alt+Ctrl+F1')).toBeNull();
  });
});
