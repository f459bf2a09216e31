import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { WhootError } from '../../shared/result';
import type { UpdateStatus } from '../../shared/updates';

/** Version, update channel and the last update check (the About section), kept current by `updates.changed`. */
export interface UpdatesState {
  readonly status: UpdateStatus | null;
  readonly checking: boolean;
  readonly error: WhootError | null;
  load(): Promise<void>;
  check(): Promise<void>;
}

export type UpdatesStore = StoreApi<UpdatesState>;

export function createUpdatesStore(api: WhootApi): { store: UpdatesStore; dispose: () => void } {
  const store = createStore<UpdatesState>()((set, get) => ({
    status: null,
    checking: false,
    error: null,
    async load() {
      const result = await api.updates.status();
      set(result.ok ? { status: result.value, error: null } : { error: result.error });
    },
    async check() {
      if (get().checking) return;
      set({ checking: true, error: null });
      try {
        const result = await api.updates.check();
        set(result.ok ? { status: result.value } : { error: result.error });
      } finally {
        set({ checking: false });
      }
    },
  }));
  const dispose = api.on('updates.changed', (status) => store.setState({ status }));
  return { store, dispose };
}
