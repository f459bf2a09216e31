import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { ManagedPolicyKey, PolicyView } from '../../shared/managedPolicy';

/**
 * The organization's managed policy as main applied it (policy.get), read once at start: the settings show managed
 * values read-only with "Managed by your organization". Main enforces them whatever this page shows.
 */
export interface PolicyState {
  readonly view: PolicyView;
  load(): Promise<void>;
}

export type PolicyStore = StoreApi<PolicyState>;

const unmanaged: PolicyView = { status: 'none', source: null, values: {}, problems: [] };

export function createPolicyStore(api: WhootApi): PolicyStore {
  return createStore<PolicyState>()((set) => ({
    view: unmanaged,
    async load() {
      const result = await api.policy.get();
      if (result.ok) set({ view: result.value });
    },
  }));
}

/** Whether the policy sets this key. */
export const isManaged = (view: PolicyView, key: ManagedPolicyKey): boolean => view.values[key] !== undefined;
