import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { Result } from '../../shared/result';
import type { ToastStore } from '../stores/toastStore';
import type { PageLifecycleTarget } from '../stores/voiceCredentialsStore';

export type RemovalKind = 'message' | 'file';

export interface PendingRemoval {
  readonly kind: RemovalKind;
  readonly id: string;
  readonly workspaceId: string;
}

export interface RemovalState {
  /** Held back while their Undo shows, by `removalKey`: the views hide these. */
  readonly pending: Readonly<Record<string, PendingRemoval>>;
  /**
   * Hides the message or file at once and offers Undo in a toast; the server is asked only when the toast goes
   * (timed out or dismissed), or at once when the window closes.
   */
  request(removal: PendingRemoval, label: string): void;
}

export type RemovalStore = StoreApi<RemovalState>;

export const removalKey = (kind: RemovalKind, id: string): string => `${kind}:${id}`;

/**
 * Delete message and remove file, with Undo instead of a question (docs/chat.md, "Undo"): the removal waits while
 * the toast shows, Undo puts the thing back in its place, and nothing reached the server or anyone else. When the
 * window closes with an Undo still showing, the removal is sent then: the user asked for it and did not take it
 * back, and main waits for that call before the app quits. A removal the server refuses comes back, with why.
 */
export function createRemovalStore(deps: {
  readonly api: WhootApi;
  readonly toasts: ToastStore;
  readonly page: PageLifecycleTarget | null;
}): { store: RemovalStore; dispose: () => void } {
  const { api, toasts } = deps;
  const toastOf = new Map<string, number>();

  const store = createStore<RemovalState>()((set, get) => {
    function forget(key: string): PendingRemoval | undefined {
      const removal = get().pending[key];
      const { [key]: _gone, ...rest } = get().pending;
      set({ pending: rest });
      toastOf.delete(key);
      return removal;
    }

    async function commit(key: string): Promise<void> {
      const removal = forget(key);
      if (removal === undefined) return;
      const { workspaceId, id } = removal;
      let done: Result<unknown>;
      try {
        done =
          removal.kind === 'message'
            ? await api.chat.delete({ workspaceId, messageId: id })
            : await api.files.remove({ workspaceId, fileId: id });
      } catch {
        done = { ok: false, error: { code: 'request_failed', message: 'The app did not answer.' } };
      }
      if (!done.ok) {
        const what = removal.kind === 'message' ? 'The message could not be deleted' : 'The file could not be removed';
        toasts.getState().show({ message: `${what}: ${done.error.message}`, tone: 'error' });
      }
    }

    return {
      pending: {},
      request(removal, label) {
        const key = removalKey(removal.kind, removal.id);
        if (get().pending[key] !== undefined) return;
        set({ pending: { ...get().pending, [key]: removal } });
        const toastId = toasts.getState().show({
          message: label,
          action: { label: 'Undo', run: () => void forget(key) },
          onExpire: () => void commit(key),
        });
        toastOf.set(key, toastId);
      },
    };
  });

  /** The window is closing: every held-back removal goes now (dismissing its toast runs its commit). */
  const sendAll = () => {
    for (const toastId of [...toastOf.values()]) toasts.getState().dismiss(toastId);
  };
  deps.page?.addEventListener('pagehide', sendAll);
  deps.page?.addEventListener('beforeunload', sendAll);

  return {
    store,
    dispose() {
      deps.page?.removeEventListener('pagehide', sendAll);
      deps.page?.removeEventListener('beforeunload', sendAll);
    },
  };
}
