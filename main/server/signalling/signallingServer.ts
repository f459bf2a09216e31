import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  WS_CLOSE_CODES,
  WS_MAX_FRAME_BYTES,
  WS_PATH,
  WS_SUBPROTOCOL,
  workspaceEventPayloadSchemas,
  type WorkspaceEventOf,
  type WorkspaceEventPayload,
  type WorkspaceEventType,
} from '../../../shared/ws';
import { ClientConnection, DEFAULT_LIMITS, type CanJoinRoom, type ConnectionLimits } from './clientConnection';
import type { EventBus, EventLog } from './events';
import { PresenceCounter } from './presence';
import { createMemoryPubSub } from './pubsub';
import { RoomRegistry, type RoomBus, type RoomBusMessage } from './rooms';
import { relayAddressSet } from './sdpFilter';
import { TICKET_TTL_MS, type ConsumedTicket, type TicketStore } from './tickets';
import { checkUpgrade, refuseUpgrade } from './upgradeGate';

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The part of an `https.Server` (or `http.Server`) the signalling server uses. */
export interface UpgradeSource {
  on(event: 'upgrade', listener: UpgradeListener): unknown;
  off(event: 'upgrade', listener: UpgradeListener): unknown;
}

export interface SignallingServerOptions {
  /** The server's HTTPS server; the signalling server takes over its `upgrade` event (every path). */
  readonly server: UpgradeSource;
  readonly tickets: TicketStore;
  readonly eventLog: EventLog;
  readonly eventBus: EventBus;
  /** Room membership changes and signals; in-process unless given. */
  readonly roomBus?: RoomBus;
  readonly canJoinRoom: CanJoinRoom;
  readonly path?: string;
  /** Origins a browser page may connect from (e.g. the app's own); requests without an Origin header pass. */
  readonly allowedOrigins?: readonly string[];
  /** The relays' public addresses: in relay-only rooms a "relay" candidate naming any other address is dropped. */
  readonly relayAddresses?: readonly string[];
  readonly heartbeatIntervalMs?: number;
  readonly maxConnectionsPerUser?: number;
  readonly limits?: Partial<ConnectionLimits>;
  /** Where failures are reported; never given a ticket or a message body. */
  readonly report?: (message: string, error?: unknown) => void;
}

export interface SignallingServer {
  /** Stores the event (which gives it its id and sequence) and then delivers it to the workspace's connections. */
  publishWorkspaceEvent<T extends WorkspaceEventType>(
    workspaceId: string,
    type: T,
    payload: WorkspaceEventPayload<T>,
  ): Promise<WorkspaceEventOf<T>>;
  /** Sign-out or revocation: closes the session's sockets now (4001) and voids its unused tickets. */
  closeSession(sessionId: string): number;
  /** Account disabled, or (with a workspace) removed from it: closes those sockets now (4001). */
  closeUser(userId: string, workspaceId?: string): number;
  /** Channel deleted or access changed: takes every connection out of the room (each gets `room.left`). */
  closeRoom(workspaceId: string, channelId: string): number;
  connectionCount(): number;
  /** Presence for member lists: whether the user has a live connection to the workspace. */
  isOnline(workspaceId: string, userId: string): boolean;
  /** Stops accepting upgrades and closes every connection (1001). */
  close(): Promise<void>;
}

export const HEARTBEAT_INTERVAL_MS = 30_000;

/**
 * WSS signalling and workspace events on an existing HTTPS server. Authentication happens before the upgrade
 * (upgradeGate.ts): a request without a valid one-time ticket gets a plain HTTP error and never becomes a socket.
 */
export function attachSignallingServer(options: SignallingServerOptions): SignallingServer {
  const report = options.report ?? ((message, error) => console.error(message, error));
  const gate = { path: options.path ?? WS_PATH, tickets: options.tickets, allowedOrigins: options.allowedOrigins };
  const maxPerUser = options.maxConnectionsPerUser ?? 16;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: WS_MAX_FRAME_BYTES,
    // Compression costs memory per socket and invites compression-ratio attacks; signalling frames are small.
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false),
  });
  const connections = new Set<ClientConnection>();
  const perUser = new Map<string, number>();
  /**
   * When sessions and users were ended, remembered for longer than a ticket lives: a ticket minted before a
   * sign-out but presented after it (or consumed while the sign-out ran) must not open a socket.
   */
  const endedAt = new Map<string, number>();
  let closing = false;

  const services = {
    rooms: new RoomRegistry(),
    roomBus:
      options.roomBus ??
      createMemoryPubSub<RoomBusMessage>((error) => report('signalling: room listener failed', error)),
    eventLog: options.eventLog,
    eventBus: options.eventBus,
    presence: new PresenceCounter(),
    canJoinRoom: options.canJoinRoom,
    relayPolicy:
      options.relayAddresses === undefined ? {} : { relayAddresses: relayAddressSet(options.relayAddresses) },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    publishEvent: publishWorkspaceEvent,
    report,
    forget(connection: ClientConnection) {
      connections.delete(connection);
      const count = (perUser.get(connection.claims.userId) ?? 1) - 1;
      if (count > 0) perUser.set(connection.claims.userId, count);
      else perUser.delete(connection.claims.userId);
    },
  };

  async function publishWorkspaceEvent<T extends WorkspaceEventType>(
    workspaceId: string,
    type: T,
    payload: WorkspaceEventPayload<T>,
  ): Promise<WorkspaceEventOf<T>> {
    // The payload leaves for clients and the log: a caller's mistake fails here, loudly, not in every client.
    const checked = workspaceEventPayloadSchemas[type].parse(payload) as WorkspaceEventPayload<T>;
    const stored = await options.eventLog.append(workspaceId, type, checked);
    const event = { ...stored, workspaceId, type, payload: checked } as WorkspaceEventOf<T>;
    options.eventBus.publish(workspaceId, event);
    return event;
  }

  function wasEnded(claims: ConsumedTicket): boolean {
    const keys = [`s:${claims.sessionId}`, `u:${claims.userId}`, `u:${claims.userId}:${claims.workspaceId}`];
    return keys.some((key) => (endedAt.get(key) ?? -Infinity) >= claims.issuedAt);
  }

  function rememberEnded(key: string): void {
    const now = Date.now();
    for (const [known, at] of endedAt) if (now - at > 2 * TICKET_TTL_MS) endedAt.delete(known);
    endedAt.set(key, now);
  }

  function endWhere(predicate: (connection: ClientConnection) => boolean): number {
    let count = 0;
    for (const connection of [...connections]) {
      if (!predicate(connection)) continue;
      connection.end(WS_CLOSE_CODES.sessionEnded, 'session ended');
      count += 1;
    }
    return count;
  }

  async function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const onSocketError = () => socket.destroy();
    socket.on('error', onSocketError);
    if (closing) return refuseUpgrade(socket, 503, 'shutting_down');
    const decision = await checkUpgrade(request, gate);
    if (!decision.ok) return refuseUpgrade(socket, decision.status, decision.reason);
    const { claims } = decision;
    if (socket.destroyed) return;
    if (closing) return refuseUpgrade(socket, 503, 'shutting_down');
    if (wasEnded(claims)) return refuseUpgrade(socket, 401, 'session_ended');
    if ((perUser.get(claims.userId) ?? 0) >= maxPerUser) {
      return refuseUpgrade(socket, 429, 'too_many_connections', 'Retry-After: 5\r\n');
    }
    socket.off('error', onSocketError);
    // With no async verifyClient and no compression, ws completes the handshake synchronously: nothing can end
    // the session between the checks above and the registration below.
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const connection = new ClientConnection(ws, claims, services);
      connections.add(connection);
      perUser.set(claims.userId, (perUser.get(claims.userId) ?? 0) + 1);
    });
  }

  const upgradeListener: UpgradeListener = (request, socket, head) => {
    onUpgrade(request, socket, head).catch((error: unknown) => {
      report('signalling: upgrade failed', error);
      refuseUpgrade(socket, 503, 'unavailable');
    });
  };
  options.server.on('upgrade', upgradeListener);

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
  heartbeat.unref();

  return {
    publishWorkspaceEvent,
    closeSession(sessionId) {
      rememberEnded(`s:${sessionId}`);
      options.tickets.revokeSession(sessionId).catch((error: unknown) => report('signalling: revoke failed', error));
      return endWhere((c) => c.claims.sessionId === sessionId);
    },
    closeUser(userId, workspaceId) {
      rememberEnded(workspaceId === undefined ? `u:${userId}` : `u:${userId}:${workspaceId}`);
      return endWhere(
        (c) => c.claims.userId === userId && (workspaceId ?? c.claims.workspaceId) === c.claims.workspaceId,
      );
    },
    closeRoom(workspaceId, channelId) {
      const inRoom = [...connections].filter(
        (c) => c.claims.workspaceId === workspaceId && c.roomChannelId === channelId,
      );
      for (const connection of inRoom) connection.leaveRoom();
      return inRoom.length;
    },
    connectionCount: () => connections.size,
    isOnline: (workspaceId, userId) => services.presence.isOnline(workspaceId, userId),
    async close() {
      closing = true;
      options.server.off('upgrade', upgradeListener);
      clearInterval(heartbeat);
      for (const connection of [...connections]) connection.end(WS_CLOSE_CODES.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
