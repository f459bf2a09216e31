import type { WhootApi } from '../shared/ipc';

declare global {
  /** Set by the preload through contextBridge; the renderer's only way out of its sandbox. */
  interface Window {
    readonly whoot: WhootApi;
  }
}

export {};
