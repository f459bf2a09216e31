import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { createEventSink, type EventSink } from '../ipc/eventSink';
import type { IpcDispatcher } from '../ipc/registerHandlers';
import type { IpcSender } from '../ipc/sender';

/**
 * Registers exactly the contract's channels with ipcMain, all through the one dispatcher that checks sender and
 * payload. A frame counts as the app page only if it is the top frame of a window this app created.
 */
export function wireIpc(dispatcher: IpcDispatcher, isAppWebContents: (contents: WebContents) => boolean): void {
  for (const wireChannel of dispatcher.wireChannels) {
    ipcMain.handle(wireChannel, (event, payload: unknown) =>
      dispatcher.dispatch(wireChannel, senderOf(event, isAppWebContents), payload),
    );
  }
}

function senderOf(event: IpcMainInvokeEvent, isAppWebContents: (contents: WebContents) => boolean): IpcSender {
  const frame = event.senderFrame;
  if (frame === null || !isAppWebContents(event.sender)) return { url: '', isMainFrame: false };
  return { url: frame.url, isMainFrame: frame.parent === null && frame === event.sender.mainFrame };
}

/** Sends contract events to the app window, if it is still there. */
export function windowEventSink(target: () => WebContents | null): EventSink {
  return createEventSink((wireChannel, payload) => {
    const contents = target();
    if (contents !== null && !contents.isDestroyed()) contents.send(wireChannel, payload);
  });
}
