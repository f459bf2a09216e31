import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { DropCredentialsReason } from '../../shared/session';

/** The one thing the renderer may hold for voice: ICE server entries whose TURN credentials expire within minutes. */
export interface IceServerEntry {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

export interface VoiceCredentialsState {
  readonly iceServers: readonly IceServerEntry[];
  /** Unix milliseconds after which the relay refuses these credentials for a new allocation. */
  readonly expiresAt: number | null;
  readonly lastDropReason: DropCredentialsReason | null;
  hold(iceServers: readonly IceServerEntry[], expiresAt: number): void;
  drop(reason: DropCredentialsReason): void;
  /** Copies for RTCPeerConnection, or none once expired, so the voice engine never dials with stale credentials. */
  usable(now: number): IceServerEntry[];
}

export type VoiceCredentialsStore = StoreApi<VoiceCredentialsState>;

/** The page lifecycle events the store listens to; `window` in the app, an EventTarget in tests. */
export type PageLifecycleTarget = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

const copyEntry = (entry: IceServerEntry): IceServerEntry => ({
  ...entry,
  urls: typeof entry.urls === 'string' ? entry.urls : [...entry.urls],
});

export function createVoiceCredentialsStore(
  api: WhootApi,
  page: PageLifecycleTarget | null,
): { store: VoiceCredentialsStore; dispose: () => void } {
  const store = createStore<VoiceCredentialsState>()((set, get) => ({
    iceServers: [],
    expiresAt: null,
    lastDropReason: null,
    hold(iceServers, expiresAt) {
      // Copied so a caller keeping its own reference cannot resurrect credentials after drop().
      set({ iceServers: iceServers.map(copyEntry), expiresAt, lastDropReason: null });
    },
    drop(reason) {
      // JS strings cannot be wiped; dropping every reference is the most the renderer can do, and it does it at once.
      set({ iceServers: [], expiresAt: null, lastDropReason: reason });
    },
    usable(now) {
      const { iceServers, expiresAt } = get();
      if (expiresAt === null || now >= expiresAt) return [];
      return iceServers.map(copyEntry);
    },
  }));

  const unsubscribeEvent = api.on('voice.dropCredentials', ({ reason }) => store.getState().drop(reason));
  const dropOnUnload = () => store.getState().drop('unload');
  // pagehide also fires when beforeunload does not (bfcache, crashes of the opener), so both are wired.
  page?.addEventListener('pagehide', dropOnUnload);
  page?.addEventListener('beforeunload', dropOnUnload);

  return {
    store,
    dispose() {
      unsubscribeEvent();
      page?.removeEventListener('pagehide', dropOnUnload);
      page?.removeEventListener('beforeunload', dropOnUnload);
    },
  };
}
