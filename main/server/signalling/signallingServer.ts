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
import type { ChannelVoiceMode } from '../../../shared/voiceRoomState';
import { CallModes, type CallModeThresholds, type SfuGateway } from './callModes';
import {
  ClientConnection,
  DEFAULT_LIMITS,
  type CanJoinRoom,
  type ConnectionLimits,
  type RoomMove,
  type SfuEntry,
} from './clientConnection';
import { randomUUID } from 'node:crypto';
import type { ClusterLink, ClusterMessage, MembershipChange } from './clusterMessages';
import { CLUSTER_TOPIC } from './clusterMessages';
import type { EventBus, EventLog } from './events';
import { createMemoryPresence, type PresenceTracker } from './presence';
import { createMemoryPubSub } from './pubsub';
import {
  asRoomPeer,
  createMemoryRoomDirectory,
  roomKey,
  roomKeyParts,
  roomTopic,
  type RoomBus,
  type RoomBusMessage,
  type RoomDirectory,
} from './rooms';
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
  /** Who is in which voice room on every node; in-process unless given. */
  readonly rooms?: RoomDirectory;
  /** Who is connected to which workspace on every node; in-process unless given. */
  readonly presence?: PresenceTracker;
  /** The other nodes: sign-outs, removals, deleted channels, mutes and moves reach their sockets through it. */
  readonly cluster?: ClusterLink;
  /** Entries the shared state dropped for a dead node, or restored for this one: events are published for them. */
  readonly membershipChanges?: (listener: (change: MembershipChange) => void) => () => void;
  /** A session ended, here or on another node: the server ends its relay allocations served by this node. */
  readonly onSessionEnded?: (sessionId: string) => void;
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
  /** The media server for large rooms (main/server/sfu/); without it every room is a mesh. */
  readonly sfu?: (SfuGateway & SfuEntry) | null;
  /** Where an `auto` room turns into an SFU and back (the `sfu` config). */
  readonly callModeThresholds?: CallModeThresholds;
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
  /**
   * Sign-out or revocation (`ended`): closes the session's sockets now (4001), voids its unused tickets and ends
   * its relay allocations (`onSessionEnded`), on this node and, through the cluster link, on every other. After a
   * refresh (`refreshed`) the old session's sockets and tickets go the same way, but its allocations live on: they
   * belong to the family, which the new session continues. Returns how many sockets closed on this node.
   */
  closeSession(sessionId: string, why?: 'ended' | 'refreshed'): number;
  /** Account disabled (4001), or with a workspace removed from it (4004): closes those sockets now, on every node. */
  closeUser(userId: string, workspaceId?: string): number;
  /** Channel deleted or access changed: takes every connection out of the room (each gets `room.left`), everywhere. */
  closeRoom(workspaceId: string, channelId: string): number;
  /** Sockets open on this node. */
  connectionCount(): number;
  /** Presence for member lists: of `userIds`, those with a live connection to the workspace on any node. */
  onlineUsers(workspaceId: string, userIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Who is in each voice room of the workspace on any node (the channel list shows it). */
  voiceRooms(workspaceId: string): Promise<{ channelId: string; peers: RoomPeer[] }[]>;
  /**
   * Moderation: moves every connection the user has in a voice room of the workspace to the channel's room, or out
   * of voice (null). The caller has checked the channel; each connection still passes `canJoinRoom` and the room
   * size limit. Empty when the user is in no voice room of the workspace.
   */
  moveMember(workspaceId: string, userId: string, channelId: string | null): Promise<MovedConnection[]>;
  /**
   * Records a server mute (after the store did) or its lifting, on every node; each node's relay hears of it if it
   * changes a verdict.
   */
  setServerMuted(workspaceId: string, userId: string, muted: boolean): void;
  /**
   * The relay's question: is the user's voice to be dropped? Yes while they are in a voice room of a workspace where
   * they are server-muted. The relay serves every workspace and cannot tell which one an allocation's media is for,
   * so a user muted in A who is in voice in A and B at once is silenced in both; in voice in B alone, they talk.
   */
  isMediaBlocked(userId: string): boolean;
  /**
   * A channel's voice policy changed (an owner or admin forced a mode, or gave it back to the room's size): the
   * room decides again, here and, through the cluster link, on every node.
   */
  channelVoiceModeChanged(workspaceId: string, channelId: string, voiceMode: ChannelVoiceMode): void;
  /** The room's mode on this node (mesh when nobody is in it here). */
  callModeOf(workspaceId: string, channelId: string): 'mesh' | 'sfu';
  /** Stops accepting upgrades and closes every connection (1001). */
  /**
   * This node is shutting down: refuse new sockets and close every open one with 4005, which clients take as
   * "reconnect now, elsewhere" (they spread their reconnections themselves). close() still ends what remains.
   */
  drain(): void;
  close(): Promise<void>;
}

export const HEARTBEAT_INTERVAL_MS = 30_000;

/** How long a move waits for the other nodes' answers; a node that does not answer in time moved nothing. */
const MOVE_ANSWER_MS = 3_000;

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
  const onSessionEnded = options.onSessionEnded ?? (() => undefined);
  const rooms = options.rooms ?? createMemoryRoomDirectory();
  const cluster = options.cluster;
  /** Moves this node asked the others for, by request id: the answers collected so far. */
  const pendingMoves = new Map<string, (results: readonly MovedConnection[]) => void>();
  /**
   * When sessions and users were ended, remembered for longer than a ticket lives: a ticket minted before a
   * sign-out but presented after it (or consumed while the sign-out ran) must not open a socket.
   */
  const endedAt = new Map<string, number>();
  let closing = false;

  const roomBus =
    options.roomBus ?? createMemoryPubSub<RoomBusMessage>((error) => report('signalling: room listener failed', error));
  const sfu = options.sfu ?? null;
  const callModes = new CallModes({
    directory: rooms,
    bus: roomBus,
    sfu,
    thresholds: options.callModeThresholds ?? { meshMaxMembers: 6, meshReturnMembers: 4 },
    report,
  });

  const services = {
    rooms,
    callModes,
    sfu,
    isServerMuted: (workspaceId: string, userId: string) =>
      serverMutes.mutedWorkspacesOf(userId)?.has(workspaceId) ?? false,
    roomBus,
    eventLog: options.eventLog,
    eventBus: options.eventBus,
    presence: options.presence ?? createMemoryPresence(),
    canJoinRoom: options.canJoinRoom,
    relayPolicy:
      options.relayAddresses === undefined ? {} : { relayAddresses: relayAddressSet(options.relayAddresses) },
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    publishEvent: publishWorkspaceEvent,
    report,
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

  // Only a muted user's verdict can change with their rooms; everybody else's stays "not blocked".
  const stopWatchingVoice = rooms.watchVoice((userId) => {
    if (serverMutes.mutedWorkspacesOf(userId) !== undefined) mediaPolicyChanged(userId);
  });

  function tellOthers(message: ClusterMessage): void {
    cluster?.bus.publish(CLUSTER_TOPIC, message);
  }

  function endSessionHere(sessionId: string, why: 'ended' | 'refreshed'): number {
    rememberEnded(`s:${sessionId}`);
    if (why === 'ended') onSessionEnded(sessionId);
    return endWhere((c) => c.claims.sessionId === sessionId);
  }

  function closeUserHere(userId: string, workspaceId: string | undefined): number {
    rememberEnded(workspaceId === undefined ? `u:${userId}` : `u:${userId}:${workspaceId}`);
    // Named for the workspace, this is a removal from it: the client says so instead of "sign in again".
    const code = workspaceId === undefined ? WS_CLOSE_CODES.sessionEnded : WS_CLOSE_CODES.removedFromWorkspace;
    return endWhere(
      (c) => c.claims.userId === userId && (workspaceId ?? c.claims.workspaceId) === c.claims.workspaceId,
      code,
      workspaceId === undefined ? 'session ended' : 'removed from workspace',
    );
  }

  function closeRoomHere(workspaceId: string, channelId: string): number {
    const inRoom = [...connections].filter(
      (c) => c.claims.workspaceId === workspaceId && c.roomChannelId === channelId,
    );
    for (const connection of inRoom) connection.leaveRoom();
    return inRoom.length;
  }

  function setServerMutedHere(workspaceId: string, userId: string, muted: boolean): void {
    if (serverMutes.set(workspaceId, userId, muted)) mediaPolicyChanged(userId);
    // In an SFU room the media server stops forwarding the member as well (the relay drops it on the way in).
    for (const connection of byUser.get(userId) ?? []) connection.serverMuteChanged(workspaceId, muted);
  }

  function moveHere(workspaceId: string, userId: string, channelId: string | null): Promise<MovedConnection[]> {
    const inVoice = [...(byUser.get(userId) ?? [])].filter(
      (c) => c.claims.workspaceId === workspaceId && c.roomChannelId !== undefined,
    );
    return Promise.all(
      inVoice.map(async (c) => ({ fromChannelId: c.roomChannelId ?? '', outcome: await c.moveTo(channelId) })),
    );
  }

  function onClusterMessage(message: ClusterMessage): void {
    if (cluster === undefined || message.from === cluster.nodeId) return;
    switch (message.kind) {
      case 'sessionEnded':
        // Tickets are shared by the nodes: the sender voided them already.
        endSessionHere(message.sessionId, message.why);
        return;
      case 'userClosed':
        closeUserHere(message.userId, message.workspaceId);
        return;
      case 'roomClosed':
        closeRoomHere(message.workspaceId, message.channelId);
        return;
      case 'serverMute':
        setServerMutedHere(message.workspaceId, message.userId, message.muted);
        return;
      case 'voiceMode':
        void callModes.policyChanged(roomKey(message.workspaceId, message.channelId), message.voiceMode);
        return;
      case 'move': {
        const { requestId, from } = message;
        void moveHere(message.workspaceId, message.userId, message.channelId)
          .then((results) => tellOthers({ kind: 'moved', from: cluster.nodeId, to: from, requestId, results }))
          .catch((error: unknown) => report('signalling: move for another node failed', error));
        return;
      }
      case 'moved':
        if (message.to === cluster.nodeId) pendingMoves.get(message.requestId)?.(message.results);
        return;
    }
  }
  const stopCluster = cluster?.bus.subscribe(CLUSTER_TOPIC, onClusterMessage) ?? (() => undefined);

  /** Events for what the shared state changed on a dead node's behalf, or restored for this one. */
  function onMembershipChange(change: MembershipChange): void {
    const announce = <T extends WorkspaceEventType>(workspaceId: string, type: T, payload: WorkspaceEventPayload<T>) =>
      publishWorkspaceEvent(workspaceId, type, payload).catch((error: unknown) =>
        report(`signalling: could not publish ${type}`, error),
      );
    for (const { workspaceId, userId } of change.offline) void announce(workspaceId, 'member.offline', { userId });
    for (const { workspaceId, userId } of change.online) void announce(workspaceId, 'member.online', { userId });
    for (const { key, member } of change.leftRooms) {
      const { workspaceId, channelId } = roomKeyParts(key);
      services.roomBus.publish(roomTopic(key), { kind: 'peerLeft', channelId, peerId: member.peerId });
      void announce(workspaceId, 'room.memberLeft', { channelId, userId: member.userId, peerId: member.peerId });
    }
    for (const { key, member } of change.joinedRooms) {
      const { workspaceId, channelId } = roomKeyParts(key);
      services.roomBus.publish(roomTopic(key), { kind: 'peerJoined', channelId, peer: asRoomPeer(member) });
      const { selfMuted, selfDeafened } = member;
      void announce(workspaceId, 'room.memberJoined', {
        channelId,
        userId: member.userId,
        peerId: member.peerId,
        selfMuted,
        selfDeafened,
      });
    }
  }
  const stopMembershipChanges = options.membershipChanges?.(onMembershipChange) ?? (() => undefined);

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
    closeSession(sessionId, why = 'ended') {
      options.tickets.revokeSession(sessionId).catch((error: unknown) => report('signalling: revoke failed', error));
      if (cluster !== undefined) tellOthers({ kind: 'sessionEnded', from: cluster.nodeId, sessionId, why });
      return endSessionHere(sessionId, why);
    },
    closeUser(userId, workspaceId) {
      if (cluster !== undefined) {
        tellOthers({ kind: 'userClosed', from: cluster.nodeId, userId, ...(workspaceId ? { workspaceId } : {}) });
      }
      return closeUserHere(userId, workspaceId);
    },
    closeRoom(workspaceId, channelId) {
      if (cluster !== undefined) tellOthers({ kind: 'roomClosed', from: cluster.nodeId, workspaceId, channelId });
      return closeRoomHere(workspaceId, channelId);
    },
    connectionCount: () => connections.size,
    onlineUsers: (workspaceId, userIds) => services.presence.online(workspaceId, userIds),
    async voiceRooms(workspaceId) {
      return (await rooms.rooms(workspaceId)).map(({ channelId, members }) => ({
        channelId,
        peers: members.map(asRoomPeer),
      }));
    },
    async moveMember(workspaceId, userId, channelId) {
      const here = moveHere(workspaceId, userId, channelId);
      if (cluster === undefined) return here;
      // Connections on other nodes: the directory says how many rooms hold the user there; those nodes answer.
      const local = new Set<string>([...(byUser.get(userId) ?? [])].map((c) => c.peerId));
      const elsewhere = (await rooms.rooms(workspaceId))
        .flatMap(({ members }) => members)
        .filter((m) => m.userId === userId && !local.has(m.peerId)).length;
      if (elsewhere === 0) return here;
      const requestId = randomUUID();
      const remote = new Promise<MovedConnection[]>((resolve) => {
        const collected: MovedConnection[] = [];
        const timer = setTimeout(finish, MOVE_ANSWER_MS);
        function finish() {
          clearTimeout(timer);
          pendingMoves.delete(requestId);
          resolve(collected);
        }
        pendingMoves.set(requestId, (results) => {
          collected.push(...results);
          if (collected.length >= elsewhere) finish();
        });
      });
      tellOthers({ kind: 'move', from: cluster.nodeId, requestId, workspaceId, userId, channelId });
      return [...(await here), ...(await remote)];
    },
    setServerMuted(workspaceId, userId, muted) {
      if (cluster !== undefined) tellOthers({ kind: 'serverMute', from: cluster.nodeId, workspaceId, userId, muted });
      setServerMutedHere(workspaceId, userId, muted);
    },
    channelVoiceModeChanged(workspaceId, channelId, voiceMode) {
      if (cluster !== undefined) {
        tellOthers({ kind: 'voiceMode', from: cluster.nodeId, workspaceId, channelId, voiceMode });
      }
      void callModes.policyChanged(roomKey(workspaceId, channelId), voiceMode);
    },
    callModeOf: (workspaceId, channelId) => callModes.modeOf(roomKey(workspaceId, channelId)),
    isMediaBlocked(userId) {
      const muted = serverMutes.mutedWorkspacesOf(userId);
      if (muted === undefined) return false;
      // In voice on any node: the relay serving this allocation may not be the node holding the user's socket.
      const inVoice = rooms.voiceWorkspacesOf(userId);
      if (inVoice === undefined) return false;
      for (const workspaceId of inVoice) if (muted.has(workspaceId)) return true;
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
      stopCluster();
      stopMembershipChanges();
      stopWatchingVoice();
      callModes.close();
      for (const connection of [...connections]) connection.end(WS_CLOSE_CODES.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
