import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { IpcTransport } from '../shared/ipc';
import { createWhootBridge } from './createWhootBridge';

/**
 * The sandboxed preload: exposes `window.whoot` built from the contract. The raw ipcRenderer never crosses the
 * bridge, and listeners receive the payload only (not the IpcRendererEvent, whose `sender` would leak ipcRenderer).
 */
const transport: IpcTransport = {
  invoke: (wireChannel, payload) => ipcRenderer.invoke(wireChannel, payload),
  subscribe: (wireChannel, listener) => {
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(wireChannel, handler);
    return () => ipcRenderer.removeListener(wireChannel, handler);
  },
};

contextBridge.exposeInMainWorld('whoot', createWhootBridge(transport));
