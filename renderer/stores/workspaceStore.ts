import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WorkspaceSummary } from '../../shared/session';
import type { SessionStore } from './sessionStore';

export interface WorkspaceStoreState {
  readonly workspaces: readonly WorkspaceSummary[];
  readonly selectedId: string | null;
  /**
   * The workspace an owner or admin just removed this user from (the server closed its socket with 4004): shown as
   * its own screen until the user picks another workspace, and left out of the list from then on.
   */
  readonly removedFrom: WorkspaceSummary | null;
  select(workspaceId: string): void;
  markRemoved(workspaceId: string): void;
}

export type WorkspaceStore = StoreApi<WorkspaceStoreState>;

/** Keeps the selection when it still exists, so a session refresh does not yank the user to another workspace. */
export function pickSelection(workspaces: readonly WorkspaceSummary[], current: string | null): string | null {
  if (current !== null && workspaces.some((workspace) => workspace.id === current)) return current;
  return workspaces[0]?.id ?? null;
}

export function createWorkspaceStore(sessionStore: SessionStore): { store: WorkspaceStore; dispose: () => void } {
  // The session's list comes from sign-in; a removal seen since then is known only here.
  const removed = new Set<string>();
  const workspacesOf = () => {
    const { session } = sessionStore.getState();
    return session.signedIn ? session.workspaces.filter((workspace) => !removed.has(workspace.id)) : [];
  };
  const initial = workspacesOf();

  const store = createStore<WorkspaceStoreState>()((set, get) => ({
    workspaces: initial,
    selectedId: pickSelection(initial, null),
    removedFrom: null,
    select(workspaceId) {
      if (!get().workspaces.some((workspace) => workspace.id === workspaceId)) return;
      set({ selectedId: workspaceId, removedFrom: null });
    },
    markRemoved(workspaceId) {
      const workspace = get().workspaces.find((candidate) => candidate.id === workspaceId);
      if (workspace === undefined) return;
      removed.add(workspaceId);
      // Nothing is selected until the user chooses: the screen says what happened instead of moving them on.
      set({ workspaces: workspacesOf(), selectedId: null, removedFrom: workspace });
    },
  }));

  const unsubscribe = sessionStore.subscribe((state, previous) => {
    if (state.session === previous.session) return;
    if (!state.session.signedIn) removed.clear();
    const workspaces = workspacesOf();
    const current = store.getState();
    const selectedId = current.removedFrom === null ? pickSelection(workspaces, current.selectedId) : null;
    store.setState({ workspaces, selectedId, ...(state.session.signedIn ? {} : { removedFrom: null }) });
  });

  return { store, dispose: unsubscribe };
}
