import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HostSetupRequest, HostStatus } from '../../shared/accountIpc';
import type { WhootApi } from '../../shared/ipc';
import type { WhootError } from '../../shared/result';

export interface HostState {
  /** The server this app hosts, as main follows it: 'off' where it hosts none. */
  readonly status: HostStatus;
  readonly pending: boolean;
  readonly error: WhootError | null;
  load(): Promise<void>;
  /** The first run: the owner account and the first workspace, then signed in. Resolves true when done. */
  setUp(request: HostSetupRequest): Promise<boolean>;
}

export type HostStore = StoreApi<HostState>;

/** The server this app hosts (WHOOT_HOST_SERVER=1): whether it runs, and whether it waits for its owner. */
export function createHostStore(api: WhootApi): { store: HostStore; dispose: () => void } {
  const store = createStore<HostState>()((set, get) => ({
    status: { state: 'off' },
    pending: false,
    error: null,
    async load() {
      const result = await api.host.status();
      if (result.ok) set({ status: result.value });
    },
    async setUp(request) {
      if (get().pending) return false;
      set({ pending: true, error: null });
      const result = await api.host.setUp(request);
      set({ pending: false, error: result.ok ? null : result.error });
      return result.ok;
    },
  }));
  const unsubscribe = api.on('host.changed', (status) => store.setState({ status }));
  return { store, dispose: unsubscribe };
}
