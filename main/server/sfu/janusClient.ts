import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { janusMessageSchema, type JanusCandidate, type JanusMessage, type Jsep } from './janusMessages';

/** Janus's WebSockets subprotocol for the (non-admin) API. */
const JANUS_PROTOCOL = 'janus-protocol';
/** Janus ends a session after 60 s without a request (our config); a keepalive every 20 s holds it. */
const KEEPALIVE_MS = 20_000;
/** An answer that does not come in this long will not come (Janus answers in milliseconds when alive and not starved). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Offers with an m-line per speaker of a 100-member room stay far below this. */
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export class JanusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'JanusError';
  }
}

/** What a handle hears from Janus besides answers to its own requests. */
export type JanusHandleEvent =
  | { readonly kind: 'plugin'; readonly data: Record<string, unknown>; readonly jsep?: Jsep }
  | { readonly kind: 'trickle'; readonly candidate: JanusCandidate }
  | { readonly kind: 'webrtcup' }
  | { readonly kind: 'hangup'; readonly reason: string }
  | { readonly kind: 'detached' };

export interface PluginAnswer {
  readonly data: Record<string, unknown>;
  readonly jsep?: Jsep;
}

export interface JanusHandle {
  readonly id: number;
  /**
   * A plugin request. Synchronous ones (create, listparticipants, moderate) answer in the `success`; asynchronous
   * ones (join, publish, start, configure) are acknowledged and answered by an event with the same transaction.
   * A plugin-level error (`error_code` in the answer) rejects with JanusError.
   */
  request(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginAnswer>;
  /**
   * A plugin request whose outcome comes as an event, if at all: resolves once Janus acknowledged it, and the event
   * reaches `onEvent` listeners. For requests Janus may postpone without answering (a subscriber's ICE restart
   * while an offer is still unanswered: the offer then comes later, on its own).
   */
  post(body: Record<string, unknown>, jsep?: Jsep): Promise<void>;
  /** One candidate for the handle's PeerConnection, or null for the end of candidates. */
  trickle(
    candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null,
  ): Promise<void>;
  onEvent(listener: (event: JanusHandleEvent) => void): void;
  detach(): Promise<void>;
}

export interface JanusSession {
  readonly id: number;
  attach(plugin: string): Promise<JanusHandle>;
  /** Ends the session and every handle in it (their PeerConnections hang up). */
  destroy(): Promise<void>;
}

export interface JanusApi {
  createSession(): Promise<JanusSession>;
  /** `info`: Janus's version, and whether it answers at all. */
  info(): Promise<{ version: string }>;
  /** Resolves when the connection to Janus is gone (closed by us, or Janus went away). */
  readonly closed: Promise<void>;
  close(): void;
}

interface Pending {
  readonly resolve: (message: JanusMessage) => void;
  readonly reject: (error: Error) => void;
  /** Asynchronous plugin requests wait past the ack for the event with their transaction. */
  readonly awaitEvent: boolean;
  readonly timer: NodeJS.Timeout;
}

/**
 * Connects to Janus's WebSockets API (a `ws+unix://` socket, or `ws://` on a private address for a Janus run
 * apart) and resolves once the socket is open. Every request carries the API secret; every answer and event is
 * parsed against janusMessages.ts before anything reads it, and one that does not parse is dropped and reported.
 */
export function connectJanus(
  url: string,
  apiSecret: string,
  report: (message: string) => void = () => undefined,
  /** Sees every request as sent (without the secret): for diagnostics and the tests that check what Janus is told. */
  tap?: (request: Readonly<Record<string, unknown>>) => void,
): Promise<JanusApi> {
  const socket = new WebSocket(url, JANUS_PROTOCOL, { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const pending = new Map<string, Pending>();
  const handleListeners = new Map<number, Set<(event: JanusHandleEvent) => void>>();
  const keepalives = new Set<NodeJS.Timeout>();
  let open = false;
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedResolve = resolve));

  const transactionId = () => randomBytes(9).toString('base64url');

  function send(body: Record<string, unknown>, awaitEvent = false): Promise<JanusMessage> {
    if (!open || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new JanusError(0, 'Janus is not connected'));
    const transaction = transactionId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(transaction);
        reject(new JanusError(0, `Janus did not answer ${String(body['janus'])} in time`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(transaction, { resolve, reject, awaitEvent, timer });
      tap?.(body);
      socket.send(JSON.stringify({ ...body, transaction, apisecret: apiSecret }));
    });
  }

  function settle(transaction: string, message: JanusMessage): boolean {
    const waiting = pending.get(transaction);
    if (waiting === undefined) return false;
    if (message.janus === 'ack' && waiting.awaitEvent) return true;
    pending.delete(transaction);
    clearTimeout(waiting.timer);
    if (message.janus === 'error') {
      waiting.reject(new JanusError(message.error.code, message.error.reason ?? 'Janus refused the request'));
    } else {
      waiting.resolve(message);
    }
    return true;
  }

  function emit(handleId: number, event: JanusHandleEvent): void {
    for (const listener of [...(handleListeners.get(handleId) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        report(`janus: a handle listener failed: ${(error as Error).message}`);
      }
    }
  }

  function onMessage(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      report('janus: a message that is not JSON was dropped');
      return;
    }
    const parsed = janusMessageSchema.safeParse(json);
    if (!parsed.success) {
      const kind = typeof json === 'object' && json !== null ? String((json as { janus?: unknown }).janus) : '?';
      if (!['media', 'slowlink'].includes(kind)) report(`janus: an unexpected '${kind}' message was dropped`);
      return;
    }
    const message = parsed.data;
    if ('transaction' in message && typeof message.transaction === 'string' && settle(message.transaction, message)) {
      return;
    }
    switch (message.janus) {
      case 'event':
        emit(message.sender, {
          kind: 'plugin',
          data: message.plugindata.data,
          ...(message.jsep ? { jsep: message.jsep } : {}),
        });
        return;
      case 'trickle':
        emit(message.sender, { kind: 'trickle', candidate: message.candidate });
        return;
      case 'webrtcup':
        emit(message.sender, { kind: 'webrtcup' });
        return;
      case 'hangup':
        emit(message.sender, { kind: 'hangup', reason: message.reason ?? '' });
        return;
      case 'detached':
        emit(message.sender, { kind: 'detached' });
        return;
      default:
        return;
    }
  }

  function pluginAnswer(message: JanusMessage): PluginAnswer {
    const plugindata = 'plugindata' in message ? message.plugindata : undefined;
    const data = (plugindata as { data?: Record<string, unknown> } | undefined)?.data ?? {};
    const code = data['error_code'];
    if (typeof code === 'number') throw new JanusError(code, String(data['error'] ?? 'VideoRoom refused the request'));
    const jsep = 'jsep' in message ? (message.jsep as Jsep | undefined) : undefined;
    return { data, ...(jsep ? { jsep } : {}) };
  }

  function makeHandle(sessionId: number, handleId: number): JanusHandle {
    return {
      id: handleId,
      async request(body, jsep) {
        // Requests Janus answers synchronously still come back as `success`; the rest as an event.
        const synchronous = SYNCHRONOUS_REQUESTS.has(String(body['request']));
        const answer = await send(
          { janus: 'message', session_id: sessionId, handle_id: handleId, body, ...(jsep ? { jsep } : {}) },
          !synchronous,
        );
        return pluginAnswer(answer);
      },
      async post(body, jsep) {
        await send({ janus: 'message', session_id: sessionId, handle_id: handleId, body, ...(jsep ? { jsep } : {}) });
      },
      async trickle(candidate) {
        await send({
          janus: 'trickle',
          session_id: sessionId,
          handle_id: handleId,
          candidate: candidate ?? { completed: true },
        });
      },
      onEvent(listener) {
        let listeners = handleListeners.get(handleId);
        if (listeners === undefined) handleListeners.set(handleId, (listeners = new Set()));
        listeners.add(listener);
      },
      async detach() {
        handleListeners.delete(handleId);
        await send({ janus: 'detach', session_id: sessionId, handle_id: handleId }).catch(() => undefined);
      },
    };
  }

  const api: JanusApi = {
    async createSession() {
      const created = await send({ janus: 'create' });
      const sessionId = created.janus === 'success' ? created.data?.id : undefined;
      if (sessionId === undefined) throw new JanusError(0, 'Janus did not create a session');
      const handles = new Set<number>();
      const keepalive = setInterval(() => {
        send({ janus: 'keepalive', session_id: sessionId }).catch(() => undefined);
      }, KEEPALIVE_MS);
      keepalive.unref();
      keepalives.add(keepalive);
      return {
        id: sessionId,
        async attach(plugin) {
          const attached = await send({ janus: 'attach', session_id: sessionId, plugin });
          const handleId = attached.janus === 'success' ? attached.data?.id : undefined;
          if (handleId === undefined) throw new JanusError(0, `Janus did not attach ${plugin}`);
          handles.add(handleId);
          return makeHandle(sessionId, handleId);
        },
        async destroy() {
          clearInterval(keepalive);
          keepalives.delete(keepalive);
          for (const handleId of handles) handleListeners.delete(handleId);
          await send({ janus: 'destroy', session_id: sessionId }).catch(() => undefined);
        },
      };
    },
    async info() {
      const answer = await send({ janus: 'info' });
      return { version: answer.janus === 'server_info' ? answer.version_string : 'unknown' };
    },
    closed,
    close() {
      socket.close();
    },
  };

  socket.on('message', (data) => onMessage(data.toString()));
  socket.on('close', () => {
    open = false;
    for (const timer of keepalives) clearInterval(timer);
    keepalives.clear();
    for (const [transaction, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new JanusError(0, 'the connection to Janus closed'));
      pending.delete(transaction);
    }
    for (const handleId of [...handleListeners.keys()]) emit(handleId, { kind: 'detached' });
    handleListeners.clear();
    closedResolve();
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      open = true;
      resolve(api);
    });
    socket.once('error', (error) => {
      if (!open) reject(new JanusError(0, `cannot reach Janus: ${error.message}`));
    });
  });
}

/** VideoRoom requests Janus answers in the `success` itself (the plugin docs' "synchronous requests"). */
const SYNCHRONOUS_REQUESTS = new Set([
  'create',
  'destroy',
  'edit',
  'exists',
  'list',
  'allowed',
  'kick',
  'moderate',
  'enable_recording',
  'listparticipants',
  'listforwarders',
]);
