import { globalShortcut, type App } from 'electron';
import { globalShortcutsPortal } from '../input/globalShortcutsPortal';
import { isWaylandSession } from '../input/hookAvailability';
import { createPushToTalkController, type PushToTalkService } from '../input/pushToTalkController';
import type { EventSink } from '../ipc/eventSink';
import type { PreferencesStore } from '../settings/preferencesStore';
import { utilityKeyHookLauncher } from './pushToTalkHook';

/**
 * Before app ready: on a Wayland session, let Chromium register global shortcuts through the desktop's
 * GlobalShortcuts portal, so the toggle-to-talk fallback works there at all (Electron's globalShortcut docs).
 */
export function preparePushToTalk(app: App): void {
  if (isWaylandSession({ platform: process.platform, env: process.env })) {
    app.commandLine.appendSwitch('enable-features', 'GlobalShortcutsPortal');
  }
}

/** After app ready: the controller with its real parts; unhooked and unregistered when the app quits. */
export async function startPushToTalk(options: {
  readonly app: App;
  readonly mainDir: string;
  readonly events: EventSink;
  readonly preferences: PreferencesStore;
  readonly log: (message: string) => void;
}): Promise<PushToTalkService> {
  const { app } = options;
  const service = await createPushToTalkController({
    preferences: options.preferences,
    environment: { platform: process.platform, env: process.env },
    launchHook: utilityKeyHookLauncher(options.mainDir),
    shortcuts: {
      register: (accelerator, onPress) => {
        try {
          return globalShortcut.register(accelerator, onPress);
        } catch {
          // Electron throws on an accelerator it cannot parse; for the user that is a key that cannot be used.
          return false;
        }
      },
      unregister: (accelerator) => globalShortcut.unregister(accelerator),
    },
    // Tried on a Wayland session only (the controller decides); the id is electron-builder.yml's desktopName.
    portal:
      process.platform === 'linux'
        ? globalShortcutsPortal({
            busAddress: process.env['DBUS_SESSION_BUS_ADDRESS'],
            appId: 'whoot',
            description: 'Talk in whoot (push-to-talk)',
            log: options.log,
          })
        : null,
    events: options.events,
    log: options.log,
  });
  app.on('will-quit', () => {
    service.dispose();
    globalShortcut.unregisterAll();
  });
  return service;
}
