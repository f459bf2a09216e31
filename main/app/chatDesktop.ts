import { Notification, dialog, shell, type BrowserWindow } from 'electron';
import type { MentionNotifier } from '../ipc/handlers/chatNotify';
import type { SavePathChooser } from '../ipc/handlers/filesTransfers';
import type { LinkOpener } from '../ipc/handlers/linksOpen';

/**
 * The chat's few touches of the desktop, kept here because only main/app may import electron: the system browser
 * for links (only with a link main/security/linkPolicy let through; the renderer asks the reader first where the
 * policy says so), mention notifications while the window is in the background, and the save dialog. The window
 * itself never navigates.
 */
export function createLinkOpener(): LinkOpener {
  return {
    open: (link) => shell.openExternal(link.url, { activate: true }),
  };
}

export function createMentionNotifier(window: () => BrowserWindow | null): MentionNotifier {
  return ({ title, body }) => {
    const owner = window();
    if (owner?.isFocused() === true || !Notification.isSupported()) return false;
    const notification = new Notification({ title, body, silent: false });
    notification.on('click', () => {
      const target = window();
      if (target?.isMinimized()) target.restore();
      target?.focus();
    });
    notification.show();
    return true;
  };
}

export function createSavePathChooser(window: () => BrowserWindow | null): SavePathChooser {
  return async (suggestedName) => {
    const owner = window();
    const options = { defaultPath: suggestedName, properties: ['createDirectory' as const] };
    const chosen = owner === null ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(owner, options);
    return chosen.canceled || chosen.filePath === undefined ? null : chosen.filePath;
  };
}
