import type { IpcHandler } from '../registerHandlers';

/**
 * Shows a desktop notification (main/app, Electron's Notification) unless the app's window has the focus, and says
 * whether it did. The text is shown as plain text by the OS; the page decides what a mention says.
 */
export type MentionNotifier = (notification: { readonly title: string; readonly body: string }) => boolean;

export const chatNotifyHandler =
  (notify: MentionNotifier | null): IpcHandler<'chat.notify'> =>
  ({ title, body }) =>
    notify === null
      ? { ok: false, error: { code: 'unavailable', message: 'Notifications are not available here.' } }
      : { ok: true, value: { shown: notify({ title, body }) } };
