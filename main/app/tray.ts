import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { PushToTalkService } from '../input/pushToTalkController';
import type { ReportedCallState } from '../tray/reportedCallState';
import { trayIconPng } from '../tray/trayIconPng';
import { trayMenuModel, type TrayAction, type TrayIconState, type TrayMenuItem } from '../tray/trayMenuModel';

/**
 * The tray icon and its menu, rebuilt from trayMenuModel() whenever the reported call state or push-to-talk
 * changes. Mute and Deafen ask the renderer (which owns the call) to toggle; its report then updates the ticks.
 */
export function createAppTray(options: {
  readonly callState: ReportedCallState;
  /** Push-to-talk holding the microphone open shows in the icon; null where it did not start. */
  readonly pushToTalk: Pick<PushToTalkService, 'status' | 'onActiveChange'> | null;
  readonly actions: Readonly<Record<TrayAction, () => void>>;
}): { destroy(): void } {
  const images = new Map<TrayIconState, NativeImage>();
  // Drawn at 32 px for a 16 pt slot: sharp on high-density screens, scaled down elsewhere.
  const image = (state: TrayIconState) => {
    let cached = images.get(state);
    if (cached === undefined) {
      cached = nativeImage.createFromBuffer(trayIconPng(state, 32), { scaleFactor: 2 });
      images.set(state, cached);
    }
    return cached;
  };

  const tray = new Tray(image('idle'));
  const toTemplate = (item: TrayMenuItem): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'status':
        return { label: item.label, enabled: false };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: item.label,
          checked: item.checked,
          enabled: item.enabled,
          click: options.actions[item.action],
        };
      case 'normal':
        return { label: item.label, enabled: item.enabled, click: options.actions[item.action] };
    }
  };
  const render = () => {
    if (tray.isDestroyed()) return;
    const model = trayMenuModel(options.callState.current(), options.pushToTalk?.status().active ?? false);
    tray.setImage(image(model.icon));
    tray.setToolTip(model.tooltip);
    // Linux (AppIndicator) only shows a menu change when the menu is set again, so it is rebuilt each time.
    tray.setContextMenu(Menu.buildFromTemplate(model.items.map(toTemplate)));
  };
  render();
  const unsubscribers = [options.callState.subscribe(render)];
  if (options.pushToTalk !== null) unsubscribers.push(options.pushToTalk.onActiveChange(render));
  return {
    destroy() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
