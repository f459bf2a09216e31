import type { Result } from '../../shared/result';
import {
  parseServerMessage,
  WS_CLOSE_CODES,
  wsProtocolsFor,
  type ClientMessage,
  type ServerMessage,
  type WorkspaceEvent,
} from '../../shared/ws';
import {
  realClock,
  type SignallingEndReason,
  type SignallingPort,
  type SignallingState,
  type VoiceClock,
} from '../voice/ports';
import { backoffDelay, drainReconnectDelay } from './backoff';

/** The part of a socket the client uses: the browser's, or a `ws` socket with a pinned TLS check in the bot. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Handlers take `never` so both the DOM's (Event, MessageEvent, CloseEvent) and ws's event types fit; the
  // client assigns handlers that read only `data` and `code`, which both provide.
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

export interface ConnectTicket {
  /** wss://host:port/v1/ws, built by main from the pinned server address. */
  readonly url: string;
  readonly ticket: string;
}

export interface WorkspaceSocketOptions {
  readonly workspaceId: string;
  /** Mints a one-time ticket (main, signed request). Called for every connection, so reconnection is authenticated. */
  readonly ticket: () => Promise<Result<ConnectTicket>>;
  readonly openSocket: (url: string, protocols: string[]) => WebSocketLike;
  readonly clock?: VoiceClock;
  readonly random?: () => number;
}

export type SocketEndReason = SignallingEndReason;

export interface WorkspaceSocket extends SignallingPort {
  start(): void;
  /** Closes for good (sign-out, workspace switch); no reconnect. */
  stop(): void;
  /** Workspace events in sequence order, each once, including those replayed after a reconnect. */
  onEvent(listener: (event: WorkspaceEvent) => void): () => void;
  /** The server could not replay what was missed: reload state from REST, then events continue. */
  onResync(listener: () => void): () => void;
  lastSeq(): number;
  /** This connection's peer id in rooms (new for every connection), or null when not connected. */
  connectionId(): string | null;
  endReason(): SocketEndReason | null;
  /** How many times the socket has reconnected after a drop (for the UI and tests). */
  reconnects(): number;
  /** While reconnecting: which attempt this is since the drop (1 for the first); 0 while connected. */
  attempt(): number;
}

const OPEN = 1;

/**
 * The WSS connection to the workspace: hello on the first connection, `resume` with the last sequence seen on every
 * later one (so no event is lost across a drop), reconnection with jittered exponential backoff and a fresh ticket
 * each time, and no reconnection once the server says the session ended (4001). A node that drains (4005) gets its
 * clients back within a couple of seconds, spread at random, through the load balancer to another node.
 */
export function createWorkspaceSocket(options: WorkspaceSocketOptions): WorkspaceSocket {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const messageListeners = new Set<(message: ServerMessage) => void>();
  const stateListeners = new Set<(state: SignallingState) => void>();
  const eventListeners = new Set<(event: WorkspaceEvent) => void>();
  const resyncListeners = new Set<() => void>();

  let state: SignallingState = 'closed';
  let socket: WebSocketLike | null = null;
  let seq: number | null = null;
  let connection: { id: string; userId: string } | null = null;
  let attempt = 0;
  let reconnectCount = 0;
  let retryTimer: unknown = null;
  let ended: SocketEndReason | null = null;
  let generation = 0;

  /** `force`: listeners hear it again even if the state is the same (a new reconnection attempt, for its count). */
  function setState(next: SignallingState, force = false): void {
    if (next === state && !force) return;
    state = next;
    for (const listener of [...stateListeners]) listener(next);
  }

  async function connect(): Promise<void> {
    const mine = ++generation;
    const ticket = await options.ticket();
    if (mine !== generation || ended !== null) return;
    if (!ticket.ok) {
      if (ticket.error.code === 'not_signed_in') return finish('not_signed_in');
      return scheduleReconnect();
    }
    let opened: WebSocketLike;
    try {
      opened = options.openSocket(ticket.value.url, wsProtocolsFor(ticket.value.ticket));
    } catch {
      return scheduleReconnect();
    }
    socket = opened;
    opened.onopen = () => {
      if (socket !== opened) return;
      const hello: ClientMessage =
        seq === null ? { type: 'hello' } : { type: 'resume', workspaceId: options.workspaceId, lastSeq: seq };
      opened.send(JSON.stringify(hello));
    };
    opened.onmessage = (event: { data: unknown }) => {
      if (socket !== opened || typeof event.data !== 'string') return;
      const parsed = parseServerMessage(event.data);
      // A frame this client cannot read is dropped, not acted on; the server only sends what the contract says.
      if (parsed.ok) receive(parsed.value);
    };
    opened.onerror = () => undefined;
    opened.onclose = (event: { code: number }) => {
      if (socket !== opened) return;
      socket = null;
      connection = null;
      if (ended !== null) return;
      if (event.code === WS_CLOSE_CODES.sessionEnded) return finish('session_ended');
      if (event.code === WS_CLOSE_CODES.removedFromWorkspace) return finish('removed');
      if (event.code === WS_CLOSE_CODES.serverDraining) return scheduleReconnect(drainReconnectDelay(random));
      scheduleReconnect();
    };
  }

  function receive(message: ServerMessage): void {
    if (message.type === 'welcome') {
      connection = { id: message.connectionId, userId: message.userId };
      if (seq === null) seq = message.seq;
      if (attempt > 0) reconnectCount += 1;
      attempt = 0;
      setState('open');
    } else if (message.type === 'event') {
      // Replays after a resume can overlap what arrived before the drop; each sequence is delivered once.
      if (seq !== null && message.event.seq <= seq) return;
      seq = message.event.seq;
      for (const listener of [...eventListeners]) listener(message.event);
    } else if (message.type === 'resync') {
      seq = message.seq;
      for (const listener of [...resyncListeners]) listener();
    }
    for (const listener of [...messageListeners]) listener(message);
  }

  /** `delay`: a draining node's spread instead of the backoff (it is not a failure, so the backoff does not grow). */
  function scheduleReconnect(delay = backoffDelay(attempt, random)): void {
    if (ended !== null) return;
    attempt += 1;
    setState('reconnecting', true);
    retryTimer = clock.setTimeout(() => {
      retryTimer = null;
      void connect();
    }, delay);
  }

  function finish(reason: SocketEndReason): void {
    ended = reason;
    generation += 1;
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = null;
    const current = socket;
    socket = null;
    connection = null;
    if (current !== null && current.readyState <= OPEN) current.close(1000, 'client closing');
    setState('closed');
  }

  const subscribe =
    <T>(set: Set<T>) =>
    (listener: T) => {
      set.add(listener);
      return () => void set.delete(listener);
    };

  return {
    start() {
      if (state !== 'closed' || ended === 'stopped') return;
      ended = null;
      setState('connecting');
      void connect();
    },
    stop: () => finish('stopped'),
    state: () => state,
    send(message) {
      if (socket === null || socket.readyState !== OPEN || state !== 'open') return false;
      socket.send(JSON.stringify(message));
      return true;
    },
    onMessage: subscribe(messageListeners),
    onStateChange: subscribe(stateListeners),
    onEvent: subscribe(eventListeners),
    onResync: subscribe(resyncListeners),
    lastSeq: () => seq ?? 0,
    connectionId: () => connection?.id ?? null,
    userId: () => connection?.userId ?? null,
    endReason: () => ended,
    reconnects: () => reconnectCount,
    attempt: () => attempt,
  };
}
