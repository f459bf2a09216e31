import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WorkspaceSummary } from '../../shared/session';
import type { SessionStore } from './sessionStore';

export interface WorkspaceStoreState {
  readonly workspaces: readonly WorkspaceSummary[];
  readonly selectedId: string | null;
  select(workspaceId: string): void;
}

export type WorkspaceStore = StoreApi<WorkspaceStoreState>;

/** Keeps the selection when it still exists, so a session refresh does not yank the user to another workspace. */
export function pickSelection(workspaces: readonly WorkspaceSummary[], current: string | null): string | null {
  if (current !== null && workspaces.some((workspace) => workspace.id === current)) return current;
  return workspaces[0]?.id ?? null;
}

export function createWorkspaceStore(sessionStore: SessionStore): { store: WorkspaceStore; dispose: () => void } {
  const workspacesOf = () => {
    const { session } = sessionStore.getState();
    return session.signedIn ? session.workspaces : [];
  };
  const initial = workspacesOf();

  const store = createStore<WorkspaceStoreState>()((set, get) => ({
    workspaces: initial,
    selectedId: pickSelection(initial, null),
    select(workspaceId) {
      if (!get().workspaces.some((workspace) => workspace.id === workspaceId)) return;
      set({ selectedId: workspaceId });
    },
  }));

  const unsubscribe = sessionStore.subscribe((state, previous) => {
    if (state.session === previous.session) return;
    const workspaces = workspacesOf();
    const selectedId = pickSelection(workspaces, store.getState().selectedId);
    store.setState({ workspaces, selectedId });
  });

  return { store, dispose: unsubscribe };
}
