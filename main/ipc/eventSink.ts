import { IPC_PREFIX, ipcEventChannels, type EventChannel, type EventPayloadOf } from '../../shared/ipc';

/** Pushes contract events to the renderer; Electron's webContents.send in the app, page.evaluate in the harness. */
export interface EventSink {
  emit<E extends EventChannel>(event: E, payload: EventPayloadOf<E>): void;
}

/** Validates each event against the contract before sending, so main cannot push a shape the renderer never agreed to. */
export function createEventSink(send: (wireChannel: string, payload: unknown) => void): EventSink {
  return {
    emit(event, payload) {
      const parsed = ipcEventChannels[event].parse(payload);
      send(`${IPC_PREFIX}${event}`, parsed);
    },
  };
}
