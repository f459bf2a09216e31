import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { ClientMessage, ServerMessage, WorkspaceEvent } from '../../shared/ws';
import type { SignallingEndReason, SignallingPort, SignallingState } from '../voice/ports';
import { createWorkspaceSocket, type WebSocketLike, type WorkspaceSocket } from './workspaceSocket';

export interface RealtimeState {
  readonly workspaceId: string | null;
  readonly state: SignallingState;
  readonly reconnects: number;
  /** While reconnecting, the attempt since the drop (1 for the first); 0 otherwise. */
  readonly attempt: number;
  /** Why the connection closed for good (removed from the workspace, session ended), null while it lives. */
  readonly endReason: SignallingEndReason | null;
}

/**
 * The page's one WSS connection, to the selected workspace. Listeners subscribe to the hub, not to a socket, so
 * they survive workspace switches and reconnections; the voice engine uses it as its SignallingPort and the
 * stores as their event feed.
 */
export interface RealtimeHub extends SignallingPort {
  readonly store: StoreApi<RealtimeState>;
  /** Connects to this workspace (closing any other); null disconnects. */
  connect(workspaceId: string | null): void;
  onEvent(listener: (event: WorkspaceEvent) => void): () => void;
  onResync(listener: () => void): () => void;
  dispose(): void;
}

export function createRealtimeHub(
  api: WhootApi,
  openSocket: (url: string, protocols: string[]) => WebSocketLike,
  /** False where the page cannot open sockets: connect() then only records the workspace. */
  enabled = true,
): RealtimeHub {
  const store = createStore<RealtimeState>()(() => ({
    workspaceId: null,
    state: 'closed',
    reconnects: 0,
    attempt: 0,
    endReason: null,
  }));
  const messageListeners = new Set<(message: ServerMessage) => void>();
  const stateListeners = new Set<(state: SignallingState) => void>();
  const eventListeners = new Set<(event: WorkspaceEvent) => void>();
  const resyncListeners = new Set<() => void>();
  let socket: WorkspaceSocket | null = null;
  let detach: (() => void)[] = [];

  function close(): void {
    for (const off of detach) off();
    detach = [];
    socket?.stop();
    socket = null;
  }

  const emit = <T>(set: Set<(value: T) => void>, value: T) => {
    for (const listener of [...set]) listener(value);
  };

  const subscribe =
    <T>(set: Set<T>) =>
    (listener: T) => {
      set.add(listener);
      return () => void set.delete(listener);
    };

  return {
    store,
    connect(workspaceId) {
      if (workspaceId === store.getState().workspaceId && socket !== null && socket.endReason() === null) return;
      close();
      if (workspaceId === null || !enabled) {
        store.setState({ workspaceId, state: 'closed', attempt: 0, endReason: null });
        emit(stateListeners, 'closed');
        return;
      }
      const current = createWorkspaceSocket({
        workspaceId,
        ticket: () => api.realtime.ticket({ workspaceId }),
        openSocket,
      });
      socket = current;
      detach = [
        current.onMessage((message) => emit(messageListeners, message)),
        current.onEvent((event) => emit(eventListeners, event)),
        current.onResync(() => emit(resyncListeners, undefined)),
        current.onStateChange((state) => {
          store.setState({
            state,
            reconnects: current.reconnects(),
            attempt: current.attempt(),
            endReason: current.endReason(),
          });
          emit(stateListeners, state);
        }),
      ];
      store.setState({ workspaceId, state: 'closed', reconnects: 0, attempt: 0, endReason: null });
      current.start();
    },
    state: () => socket?.state() ?? 'closed',
    connectionId: () => socket?.connectionId() ?? null,
    userId: () => socket?.userId() ?? null,
    // From the store: a listener may already have moved on to another workspace (or none) when asked.
    endReason: () => store.getState().endReason,
    send: (message: ClientMessage) => socket?.send(message) ?? false,
    onMessage: subscribe(messageListeners),
    onStateChange: subscribe(stateListeners),
    onEvent: subscribe(eventListeners),
    onResync: subscribe(resyncListeners),
    dispose: close,
  };
}
