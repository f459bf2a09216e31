import type { IpcTransport } from '../../shared/ipc';
import { createWhootBridge } from '../../preload/createWhootBridge';

/**
 * The e2e harness's preload: the real bridge factory, with a transport that reaches the real main-process handlers
 * running in the test process through a Playwright binding (renderer -> main) and a delivery hook the test calls
 * (main -> renderer). Electron's preload does the same over ipcRenderer.
 */
declare global {
  interface Window {
    __whootHarnessInvoke?: (wireChannel: string, payload: unknown) => Promise<unknown>;
    __whootHarnessDeliver?: (wireChannel: string, payload: unknown) => void;
  }
}

const listeners = new Map<string, Set<(payload: unknown) => void>>();

const transport: IpcTransport = {
  invoke: (wireChannel, payload) => {
    const invoke = window.__whootHarnessInvoke;
    if (invoke === undefined) return Promise.reject(new Error('harness binding missing'));
    return invoke(wireChannel, payload);
  },
  subscribe: (wireChannel, listener) => {
    const set = listeners.get(wireChannel) ?? new Set();
    set.add(listener);
    listeners.set(wireChannel, set);
    return () => set.delete(listener);
  },
};

window.__whootHarnessDeliver = (wireChannel, payload) => {
  for (const listener of listeners.get(wireChannel) ?? []) listener(payload);
};

Object.defineProperty(window, 'whoot', { value: createWhootBridge(transport), enumerable: true });
