import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  WS_CLOSE_CODES,
  WS_MAX_FRAME_BYTES,
  WS_PATH,
  WS_SUBPROTOCOL,
  workspaceEventPayloadSchemas,
  type RoomPeer,
  type WorkspaceEventOf,
  type WorkspaceEventPayload,
  type WorkspaceEventType,
} from '../../../shared/ws';
import {
  ClientConnection,
  DEFAULT_LIMITS,
  type CanJoinRoom,
  type ConnectionLimits,
  type RoomMove,
} from './clientConnection';
import type { EventBus, EventLog } from './events';
import { PresenceCounter } from './presence';
import { createMemoryPubSub } from './pubsub';
import { RoomRegistry, asRoomPeer, roomKey, type RoomBus, type RoomBusMessage } from './rooms';
import { relayAddressSet } from './sdpFilter';
import { ServerMuteIndex } from './serverMutes';
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
  /** The server mutes the store holds at start (`store.voiceMutes.all()`); `setServerMuted` keeps them current. */
  readonly serverMutes?: Iterable<{ readonly workspaceId: string; readonly userId: string }>;
  /**
   * `isMediaBlocked(userId)` may have changed: a mute was set or lifted, or a muted user entered or left a voice
   * room. The server wires this to the relay's `mediaPolicyChanged`.
   */
  readonly onMediaPolicyChanged?: (userId: string) => void;
}

/** One connection's part in a moderator's move: the room it was in, and what happened (clientConnection.ts). */
export interface MovedConnection {
  readonly fromChannelId: string;
  readonly outcome: RoomMove;
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
  /** Account disabled (4001), or with a workspace removed from it (4004): closes those sockets now. */
  closeUser(userId: string, workspaceId?: string): number;
  /** Channel deleted or access changed: takes every connection out of the room (each gets `room.left`). */
  closeRoom(workspaceId: string, channelId: string): number;
  connectionCount(): number;
  /** Presence for member lists: whether the user has a live connection to the workspace. */
  isOnline(workspaceId: string, userId: string): boolean;
  /** Who is in each voice room of the workspace on this node (the channel list shows it). */
  voiceRooms(workspaceId: string): { channelId: string; peers: RoomPeer[] }[];
  /**
   * Moderation: moves every connection the user has in a voice room of the workspace to the channel's room, or out
   * of voice (null). The caller has checked the channel; each connection still passes `canJoinRoom` and the room
   * size limit. Empty when the user is in no voice room of the workspace.
   */
  moveMember(workspaceId: string, userId: string, channelId: string | null): Promise<MovedConnection[]>;
  /** Records a server mute (after the store did) or its lifting; the relay hears of it if it changes a verdict. */
  setServerMuted(workspaceId: string, userId: string, muted: boolean): void;
  /**
   * The relay's question: is the user's voice to be dropped? Yes while they are in a voice room of a workspace where
   * they are server-muted. The relay serves every workspace and cannot tell which one an allocation's media is for,
   * so a user muted in A who is in voice in A and B at once is silenced in both; in voice in B alone, they talk.
   */
  isMediaBlocked(userId: string): boolean;
  /** Stops accepting upgrades and closes every connection (1001). */
  /**
   * This node is shutting down: refuse new sockets and close every open one with 4005, which clients take as
   * "reconnect now, elsewhere" (they spread their reconnections themselves). close() still ends what remains.
   */
  drain(): void;
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
  /** Each user's connections: for the per-user limit, and the relay's per-user question. */
  const byUser = new Map<string, Set<ClientConnection>>();
  const serverMutes = new ServerMuteIndex(options.serverMutes);
  const mediaPolicyChanged = options.onMediaPolicyChanged ?? (() => undefined);
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
    roomsChanged(userId: string) {
      // Only a muted user's verdict can change with their rooms; everybody else's stays "not blocked".
      if (serverMutes.mutedWorkspacesOf(userId) !== undefined) mediaPolicyChanged(userId);
    },
    forget(connection: ClientConnection) {
      connections.delete(connection);
      const own = byUser.get(connection.claims.userId);
      own?.delete(connection);
      if (own?.size === 0) byUser.delete(connection.claims.userId);
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

  function endWhere(
    predicate: (connection: ClientConnection) => boolean,
    code: number = WS_CLOSE_CODES.sessionEnded,
    reason = 'session ended',
  ): number {
    let count = 0;
    for (const connection of [...connections]) {
      if (!predicate(connection)) continue;
      connection.end(code, reason);
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
    if ((byUser.get(claims.userId)?.size ?? 0) >= maxPerUser) {
      return refuseUpgrade(socket, 429, 'too_many_connections', 'Retry-After: 5\r\n');
    }
    socket.off('error', onSocketError);
    // With no async verifyClient and no compression, ws completes the handshake synchronously: nothing can end
    // the session between the checks above and the registration below.
    wss.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      const connection = new ClientConnection(ws, claims, services);
      connections.add(connection);
      const own = byUser.get(claims.userId);
      if (own === undefined) byUser.set(claims.userId, new Set([connection]));
      else own.add(connection);
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
      // Named for the workspace, this is a removal from it: the client says so instead of "sign in again".
      const code = workspaceId === undefined ? WS_CLOSE_CODES.sessionEnded : WS_CLOSE_CODES.removedFromWorkspace;
      return endWhere(
        (c) => c.claims.userId === userId && (workspaceId ?? c.claims.workspaceId) === c.claims.workspaceId,
        code,
        workspaceId === undefined ? 'session ended' : 'removed from workspace',
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
    voiceRooms: (workspaceId) =>
      services.rooms.roomsWithPrefix(roomKey(workspaceId, '')).map(({ key, members }) => ({
        channelId: key.slice(roomKey(workspaceId, '').length),
        peers: members.map(asRoomPeer),
      })),
    async moveMember(workspaceId, userId, channelId) {
      const inVoice = [...(byUser.get(userId) ?? [])].filter(
        (c) => c.claims.workspaceId === workspaceId && c.roomChannelId !== undefined,
      );
      return Promise.all(
        inVoice.map(async (c) => ({ fromChannelId: c.roomChannelId ?? '', outcome: await c.moveTo(channelId) })),
      );
    },
    setServerMuted(workspaceId, userId, muted) {
      if (serverMutes.set(workspaceId, userId, muted)) mediaPolicyChanged(userId);
    },
    isMediaBlocked(userId) {
      const muted = serverMutes.mutedWorkspacesOf(userId);
      if (muted === undefined) return false;
      for (const c of byUser.get(userId) ?? []) {
        if (c.roomChannelId !== undefined && muted.has(c.claims.workspaceId)) return true;
      }
      return false;
    },
    drain() {
      closing = true;
      for (const connection of [...connections]) connection.end(WS_CLOSE_CODES.serverDraining, 'server draining');
    },
    async close() {
      closing = true;
      options.server.off('upgrade', upgradeListener);
      clearInterval(heartbeat);
      for (const connection of [...connections]) connection.end(WS_CLOSE_CODES.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
