import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import {
  WS_CLOSE_CODES,
  eventVisibleTo,
  parseClientMessage,
  type ClientMessage,
  type PresenceState,
  type ServerMessage,
  type VoiceSelfState,
  type WorkspaceEvent,
  type WorkspaceEventPayload,
  type WorkspaceEventType,
  type WsErrorCode,
} from '../../../shared/ws';
import type { CallMode, ChannelVoiceMode } from '../../../shared/voiceRoomState';
import type { SfuMember, SfuMemberInput } from '../sfu/sfuMember';
import type { CallModes } from './callModes';
import type { EventBus, EventLog } from './events';
import { WorkspaceEventStream } from './eventStream';
import type { PresenceTracker } from './presence';
import { TokenBucket } from './rateLimiter';
import {
  asRoomPeer,
  peerTopic,
  roomKey,
  roomTopic,
  type RoomBus,
  type RoomBusMessage,
  type RoomDirectory,
  type RoomMember,
} from './rooms';
import { keepTrickledCandidate, stripNonRelayCandidates, type RelayPolicy } from './sdpFilter';
import type { ConsumedTicket } from './tickets';

export interface JoinQuery {
  readonly userId: string;
  readonly workspaceId: string;
  readonly channelId: string;
}

export type JoinDecision =
  | {
      readonly ok: true;
      readonly relayOnly: boolean;
      /** The channel's voice policy: the room's size decides (`auto`, the default), or an admin forced one. */
      readonly voiceMode?: ChannelVoiceMode;
    }
  | { readonly ok: false };

/** Whether the user may be in the channel's room; an unknown channel and a forbidden one both answer `ok: false`. */
export type CanJoinRoom = (query: JoinQuery) => Promise<JoinDecision>;

/**
 * What a moderator's move did to one connection: `moved` (into the channel, or out of voice), `unchanged` (already
 * there), `not_in_room` (it left voice first), or why it could not enter: the channel is gone (`not_found`), full,
 * or the connection ended.
 */
export type RoomMove = 'moved' | 'unchanged' | 'not_in_room' | 'not_found' | 'room_full' | 'ended';

export interface ConnectionLimits {
  /** Time to send `hello` or `resume` after the upgrade. */
  readonly helloTimeoutMs: number;
  /** Token bucket for incoming messages. A room join trickles a few messages per peer, hence the burst. */
  readonly messageBurst: number;
  readonly messagesPerSecond: number;
  /** Invalid or rate-limited messages tolerated (refilled one per 10 s) before the connection is closed (1008). */
  readonly strikes: number;
  readonly maxRoomSize: number;
  /**
   * Token bucket for `voice.state` on its own: every one becomes a workspace event for every member, so a client
   * toggling mute in a loop must not flood the workspace even within the general message rate.
   */
  readonly voiceStateBurst: number;
  readonly voiceStatesPerSecond: number;
  /** Unsent bytes queued for one client before it is closed as a slow consumer (4003). */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  helloTimeoutMs: 10_000,
  messageBurst: 200,
  messagesPerSecond: 50,
  strikes: 10,
  maxRoomSize: 50,
  voiceStateBurst: 10,
  voiceStatesPerSecond: 2,
  maxBufferedBytes: 1024 * 1024,
};

/** How a connection enters the media server of an SFU room (main/server/sfu/sfuService.ts). */
export interface SfuEntry {
  openMember(key: string, input: SfuMemberInput): Promise<SfuMember>;
}

/** What every connection of one server shares. */
export interface ConnectionServices {
  /** Who is in which room, on every node. */
  readonly rooms: RoomDirectory;
  readonly roomBus: RoomBus;
  readonly eventLog: EventLog;
  readonly eventBus: EventBus;
  readonly presence: PresenceTracker;
  readonly canJoinRoom: CanJoinRoom;
  readonly relayPolicy: RelayPolicy;
  readonly limits: ConnectionLimits;
  /** Each room's mode (mesh or SFU), decided on this node. */
  readonly callModes: CallModes;
  /** The media server, when the server has one. */
  readonly sfu: SfuEntry | null;
  /** Whether the user is server-muted in the workspace now (an SFU member starts muted at Janus if so). */
  isServerMuted(workspaceId: string, userId: string): boolean;
  publishEvent<T extends WorkspaceEventType>(
    workspaceId: string,
    type: T,
    payload: WorkspaceEventPayload<T>,
  ): Promise<WorkspaceEvent>;
  report(message: string, error?: unknown): void;
  /** Called once when the connection ends, whatever ended it. */
  forget(connection: ClientConnection): void;
}

type Phase = 'awaitingHello' | 'starting' | 'ready' | 'ended';

interface CurrentRoom {
  readonly key: string;
  readonly channelId: string;
  readonly relayOnly: boolean;
  readonly unsubscribe: () => void;
  mode: CallMode;
  /** This connection's member of the room's SFU, while the room is one (opening, open, or null if it failed). */
  sfu: Promise<SfuMember | null> | null;
}

/**
 * The same live event goes to every connection of its workspace: serialize and encode it once (a string would be
 * UTF-8 encoded again for each of the hundreds of sockets it goes to).
 */
const eventFrames = new WeakMap<WorkspaceEvent, Buffer>();
function eventFrame(event: WorkspaceEvent): Buffer {
  let frame = eventFrames.get(event);
  if (frame === undefined) {
    eventFrames.set(event, (frame = Buffer.from(JSON.stringify({ type: 'event', event }), 'utf8')));
  }
  return frame;
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * One authenticated socket: the protocol of shared/ws.ts for one session in one workspace. Messages are handled
 * one at a time in arrival order (a `signal` right after `room.join` must see the join), after a rate limit and
 * schema check that cost nothing to a well-behaved client.
 */
export class ClientConnection {
  /** The peer id other members of a room see; random per connection. */
  readonly peerId = randomUUID();
  private phase: Phase = 'awaitingHello';
  private answeredPing = true;
  private room: CurrentRoom | undefined;
  private stream: WorkspaceEventStream | undefined;
  private unsubscribePeer: () => void = () => {};
  private counted = false;
  private presenceState: PresenceState = 'active';
  private queue: Promise<void> = Promise.resolve();
  /**
   * The workspace events this connection's own actions published (its join, leave, presence), until its stream has
   * passed them. The next message waits for them, so a client sees what it caused before the answer to whatever it
   * sends next, as on one node, even when the event comes back through a shared bus.
   */
  private ownEvents: Promise<void> = Promise.resolve();
  private readonly messages: TokenBucket;
  private readonly voiceStates: TokenBucket;
  private readonly strikes: TokenBucket;
  /** This connection's own mute and deafen; kept when a moderator moves it to another room. */
  private voice: VoiceSelfState = { selfMuted: false, selfDeafened: false };
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: WebSocket,
    readonly claims: ConsumedTicket,
    private readonly services: ConnectionServices,
  ) {
    const { limits } = services;
    this.messages = new TokenBucket(limits.messageBurst, limits.messagesPerSecond);
    this.voiceStates = new TokenBucket(limits.voiceStateBurst, limits.voiceStatesPerSecond);
    this.strikes = new TokenBucket(limits.strikes, 0.1);
    this.helloTimer = setTimeout(() => this.end(WS_CLOSE_CODES.helloTimeout, 'hello timeout'), limits.helloTimeoutMs);
    socket.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    socket.on('pong', () => (this.answeredPing = true));
    // ws closes the socket itself on protocol errors (1002, 1007, 1009); 'close' follows and cleans up.
    socket.on('error', () => {});
    socket.on('close', () => this.cleanUp());
  }

  get roomChannelId(): string | undefined {
    return this.room?.channelId;
  }

  /** Called every heartbeat interval: a connection that did not answer the previous ping is cut off. */
  heartbeat(): void {
    if (this.phase === 'ended') return;
    if (!this.answeredPing) {
      this.end(null, 'heartbeat missed');
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
  }

  /** Closes now: nothing more is sent or handled, and room peers learn at once that this peer left. */
  end(code: number | null, reason: string): void {
    if (this.phase === 'ended') return;
    this.cleanUp();
    if (code === null) {
      this.socket.terminate();
      return;
    }
    this.socket.close(code, reason);
    // The close handshake is a courtesy; a peer that does not answer it is cut off.
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }

  /**
   * Removes the connection from its room (channel deleted or access revoked) and tells it so. Queued behind the
   * client's own messages, like a move, so the `room.left` never overtakes the answer to a join it sent before.
   */
  leaveRoom(): void {
    this.queue = this.queue
      .then(() => this.exitRoom(true))
      .catch((error: unknown) => this.services.report('signalling: leaving a room failed', error));
  }

  /**
   * A moderator moves this connection to another room of its workspace, or out of voice (null): the client gets
   * `room.left` and, for a move, `room.joined`, exactly as if it had asked. Queued behind the client's own messages,
   * so a move and the client's join or leave never interleave; only a connection in a room is moved.
   */
  moveTo(channelId: string | null): Promise<RoomMove> {
    const done = this.queue.then(() => this.move(channelId));
    this.queue = done.then(
      () => undefined,
      (error: unknown) => {
        this.services.report('signalling: move failed', error);
        this.end(WS_CLOSE_CODES.internalError, 'internal error');
      },
    );
    return done;
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.phase === 'ended') return;
    if (!this.messages.take()) {
      this.strike('rate_limited', 'Too many messages; the last one was dropped.');
      return;
    }
    if (isBinary) {
      this.strike('invalid_message', 'Binary frames are not part of the protocol.');
      return;
    }
    const parsed = parseClientMessage(frameText(data));
    if (!parsed.ok) {
      this.strike('invalid_message', parsed.error.message);
      return;
    }
    this.queue = this.queue
      .then(() => this.ownEvents)
      .then(() => this.dispatch(parsed.value))
      .catch((error: unknown) => {
        this.services.report('signalling: message handler failed', error);
        this.end(WS_CLOSE_CODES.internalError, 'internal error');
      });
  }

  private strike(code: WsErrorCode, message: string): void {
    this.sendError(code, message);
    if (!this.strikes.take()) this.end(WS_CLOSE_CODES.policyViolation, 'too many invalid messages');
  }

  private async dispatch(message: ClientMessage): Promise<void> {
    if (this.phase === 'ended') return;
    if (message.type === 'hello' || message.type === 'resume') return this.start(message);
    if (this.phase !== 'ready') return this.sendError('invalid_state', 'Send hello or resume first.');
    switch (message.type) {
      case 'room.join':
        return this.join(message.channelId, message);
      case 'room.leave':
        if (this.room?.channelId === message.channelId) await this.exitRoom(true);
        else this.send({ type: 'room.left', channelId: message.channelId });
        return;
      case 'signal':
        return this.relaySignal(message);
      case 'presence.set':
        return this.setPresence(message.state);
      case 'voice.state':
        return this.setVoiceState(message);
      case 'sfu.offer':
      case 'sfu.answer':
      case 'sfu.candidate':
      case 'sfu.restart':
        return this.relaySfu(message);
    }
  }

  private async start(message: Extract<ClientMessage, { type: 'hello' | 'resume' }>): Promise<void> {
    if (this.phase !== 'awaitingHello') return this.sendError('invalid_state', 'This connection has already started.');
    const { userId, workspaceId } = this.claims;
    if (message.type === 'resume' && message.workspaceId !== workspaceId) {
      return this.sendError('invalid_message', 'That sequence belongs to another workspace than this connection.');
    }
    clearTimeout(this.helloTimer);
    this.phase = 'starting';
    const { services } = this;
    this.unsubscribePeer = services.roomBus.subscribe(peerTopic(this.peerId), (m) => this.onRoomMessage(m));
    this.stream = new WorkspaceEventStream({
      workspaceId,
      log: services.eventLog,
      bus: services.eventBus,
      sink: {
        ready: (seq) => this.send({ type: 'welcome', userId, connectionId: this.peerId, workspaceId, seq }),
        // A private event (a read marker) moves the cursor of every stream but reaches only its user's sockets.
        event: (event) => {
          if (eventVisibleTo(event, userId)) this.sendText(eventFrame(event));
        },
        resync: (reason, seq) => this.send({ type: 'resync', workspaceId, reason, seq }),
        failed: (error) => {
          services.report('signalling: event log failed', error);
          this.end(WS_CLOSE_CODES.internalError, 'internal error');
        },
        drained: () => this.drained(),
      },
    });
    // Signals for this peer may come from other nodes as soon as the welcome names it: be listening by then.
    await services.roomBus.settled?.();
    await this.stream.start(message.type === 'hello' ? 'latest' : { after: message.lastSeq });
    // The connection may have ended while the replay ran (the compiler cannot see that across the await).
    if ((this.phase as Phase) === 'ended') return;
    this.phase = 'ready';
    this.counted = true;
    if (await services.presence.connected(this.presenceEntry())) this.publish('member.online', { userId });
  }

  private presenceEntry() {
    return { workspaceId: this.claims.workspaceId, userId: this.claims.userId, connectionId: this.peerId };
  }

  private async join(channelId: string, asked: Partial<VoiceSelfState>): Promise<void> {
    const key = roomKey(this.claims.workspaceId, channelId);
    const voice = {
      selfMuted: asked.selfMuted ?? this.voice.selfMuted,
      selfDeafened: asked.selfDeafened ?? this.voice.selfDeafened,
    };
    if (this.room?.key === key) {
      const room = this.room;
      const peers = (await this.services.rooms.members(key)).filter((m) => m.peerId !== this.peerId);
      this.sendJoined(channelId, room.relayOnly, peers, room.mode);
      await this.applyVoiceState(voice);
      return;
    }
    this.voice = voice;
    const entered = await this.enterRoom(channelId);
    if (entered === 'not_found') this.sendError('not_found', 'No such channel.');
    else if (entered === 'room_full') this.sendError('room_full', 'The room is full.');
  }

  private async move(channelId: string | null): Promise<RoomMove> {
    if (this.phase === 'ended') return 'ended';
    if (this.room === undefined) return 'not_in_room';
    if (channelId === null) {
      await this.exitRoom(true);
      return 'moved';
    }
    if (this.room.channelId === channelId) return 'unchanged';
    return this.enterRoom(channelId);
  }

  /** Leaves the current room (if any) for the channel's, when the user may be there and it has space. */
  private async enterRoom(channelId: string): Promise<'moved' | 'not_found' | 'room_full' | 'ended'> {
    const { userId, workspaceId } = this.claims;
    const key = roomKey(workspaceId, channelId);
    const { rooms, roomBus, limits, callModes } = this.services;
    const decision = await this.services.canJoinRoom({ userId, workspaceId, channelId });
    if (this.phase === 'ended') return 'ended';
    if (!decision.ok) return 'not_found';
    const policy = decision.voiceMode ?? 'auto';
    const self: RoomMember = { peerId: this.peerId, userId, relayOnly: decision.relayOnly, ...this.voice };
    // Listen before the join is known (members who join next announce themselves on the room's topic, possibly
    // from another node); what happened before the join is in the snapshot the join returns.
    const unsubscribe = roomBus.subscribe(
      roomTopic(key),
      (m) => this.onRoomMessage(m),
      () => this.onRoomGap(key),
    );
    let joined: Awaited<ReturnType<RoomDirectory['join']>>;
    try {
      await roomBus.settled?.();
      // The directory counts every node's members and takes the peer out of its previous room in the same step.
      joined = await rooms.join(key, self, callModes.maxMembers(policy, limits.maxRoomSize));
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (!joined.joined) {
      unsubscribe();
      return 'room_full';
    }
    // The connection may have ended while the directory answered (the compiler cannot see that across the await).
    if ((this.phase as Phase) === 'ended') {
      unsubscribe();
      await rooms.leave(key, this.peerId);
      return 'ended';
    }
    void this.exitRoom(true, { inDirectory: false });
    const others = joined.others;
    const room: CurrentRoom = { key, channelId, relayOnly: decision.relayOnly, unsubscribe, mode: 'mesh', sfu: null };
    this.room = room;
    // A join that takes the room over the line moves the others to the SFU before they hear of the newcomer.
    const decided = callModes.joined(key, policy, others.length + 1);
    room.mode = decided.mode;
    decided.announce();
    this.sendJoined(channelId, decision.relayOnly, others, room.mode);
    if (room.mode === 'sfu') this.openSfu(room);
    roomBus.publish(roomTopic(key), { kind: 'peerJoined', channelId, peer: asRoomPeer(self) });
    this.publish('room.memberJoined', { channelId, userId, peerId: this.peerId, ...this.voice });
    return 'moved';
  }

  private sendJoined(channelId: string, relayOnly: boolean, peers: readonly RoomMember[], mode: CallMode) {
    this.send({ type: 'room.joined', channelId, relayOnly, peers: peers.map(asRoomPeer), mode });
  }

  /** Enters the room's SFU: the member's Janus session and publisher join, awaited by its sfu.* messages. */
  private openSfu(room: CurrentRoom): void {
    const entry = this.services.sfu;
    if (entry === null || room.sfu !== null) return;
    const { workspaceId, userId } = this.claims;
    room.sfu = entry
      .openMember(room.key, {
        channelId: room.channelId,
        peerId: this.peerId,
        serverMuted: this.services.isServerMuted(workspaceId, userId),
        relay: this.services.relayPolicy,
        send: (message) => {
          if (this.room === room && room.mode === 'sfu') this.send(message);
        },
        report: this.services.report,
      })
      .then(
        (member) => {
          // Left the room, or it went back to a mesh, while the member was opening.
          if (this.room !== room || room.mode !== 'sfu') {
            member.close();
            return null;
          }
          return member;
        },
        (error: unknown) => {
          this.services.report('sfu: could not open a member', error);
          return null;
        },
      );
  }

  private closeSfu(room: CurrentRoom): void {
    const opening = room.sfu;
    room.sfu = null;
    void opening?.then((member) => member?.close());
  }

  /** A moderator's server mute changed: in an SFU room Janus stops (or resumes) forwarding this member. */
  serverMuteChanged(workspaceId: string, muted: boolean): void {
    if (workspaceId !== this.claims.workspaceId) return;
    void this.room?.sfu?.then((member) => member?.setServerMuted(muted));
  }

  /**
   * The member's SFU messages go to its own member of its own room and nowhere else: a channelId that is not the
   * sender's room gets not_found, as a signal does; in a mesh room they are refused.
   */
  private async relaySfu(message: Extract<ClientMessage, { type: `sfu.${string}` }>): Promise<void> {
    const room = this.room;
    if (room === undefined || room.channelId !== message.channelId) {
      return this.sendError('not_found', 'You are not in that room.');
    }
    if (room.mode !== 'sfu' || room.sfu === null) {
      return this.sendError('invalid_state', 'This room is not using the media server now.');
    }
    const member = await room.sfu;
    if (member === null || this.room !== room || room.mode !== 'sfu') {
      return this.sendError('invalid_state', 'This room is not using the media server now.');
    }
    const handled = await member.handle(message);
    if (handled.ok) return;
    if (handled.error.code === 'sdp_refused') this.strike('invalid_message', handled.error.message);
    else this.sendError(handled.error.code === 'invalid_state' ? 'invalid_state' : 'internal', handled.error.message);
  }

  /**
   * The member's own mute and deafen, for the room it is in. Scoped like a signal: a `channelId` that is not the
   * sender's room (another room, another workspace's channel, none) gets the same not_found and changes nothing.
   */
  private async setVoiceState(message: Extract<ClientMessage, { type: 'voice.state' }>): Promise<void> {
    if (!this.voiceStates.take()) {
      this.strike('rate_limited', 'Too many voice state changes; the last one was dropped.');
      return;
    }
    if (this.room?.channelId !== message.channelId) return this.sendError('not_found', 'You are not in that room.');
    await this.applyVoiceState({ selfMuted: message.selfMuted, selfDeafened: message.selfDeafened });
  }

  private async applyVoiceState(voice: VoiceSelfState): Promise<void> {
    this.voice = voice;
    const room = this.room;
    if (room === undefined || !(await this.services.rooms.setVoiceState(room.key, this.peerId, voice))) return;
    if (this.room !== room) return;
    const { channelId } = room;
    this.publish('room.voiceState', { channelId, userId: this.claims.userId, peerId: this.peerId, ...voice });
  }

  /**
   * Leaves the current room here and, unless a join already moved the peer there (`inDirectory: false`), in the
   * directory. The directory's leave names the room, so it can never undo a later join; the client hears
   * `room.left` once the directory has the leave (every node then knows, the relay's question included). With
   * `inDirectory: false` it hears it at once, before the `room.joined` of the room the join moved it to.
   */
  private async exitRoom(
    tellClient: boolean,
    options: { inDirectory: boolean } = { inDirectory: true },
  ): Promise<void> {
    const room = this.room;
    if (room === undefined) return;
    this.room = undefined;
    this.closeSfu(room);
    const left = options.inDirectory
      ? this.services.rooms
          .leave(room.key, this.peerId)
          .catch((error: unknown) => this.services.report('signalling: room leave failed', error))
      : undefined;
    // One fewer member may take the room back under the line (or empty it).
    void (left ?? Promise.resolve())
      .then(() => this.services.callModes.reevaluate(room.key))
      .catch((error: unknown) => this.services.report('signalling: call mode check failed', error));
    room.unsubscribe();
    const { channelId } = room;
    this.services.roomBus.publish(roomTopic(room.key), { kind: 'peerLeft', channelId, peerId: this.peerId });
    if (tellClient) {
      // Awaited only when there is something to wait for: a join's `room.left` must go before its `room.joined`.
      if (left !== undefined) await left;
      if (this.phase !== 'ended') this.send({ type: 'room.left', channelId });
    }
    this.publish('room.memberLeft', { channelId, userId: this.claims.userId, peerId: this.peerId });
  }

  private async relaySignal(message: Extract<ClientMessage, { type: 'signal' }>): Promise<void> {
    const room = this.room;
    if (room?.channelId === message.channelId && room.mode === 'sfu') {
      return this.sendError('invalid_state', 'This room goes through the media server: use sfu messages.');
    }
    const target =
      room?.channelId === message.channelId
        ? await this.services.rooms.recipient(room.key, this.peerId, message.to)
        : null;
    // The same answer for a peer in another room, another workspace or nowhere: nothing to learn from probing.
    if (room === undefined || target === null) return this.sendError('not_found', 'No such peer in this room.');
    const { relayPolicy, roomBus } = this.services;
    const relayOnly = room.relayOnly || target.relayOnly;
    const base = { kind: 'signal', channelId: room.channelId, from: this.peerId, to: target.peerId } as const;
    if (message.candidate !== undefined) {
      // Dropped without a word: a client that follows the channel policy never gathers such candidates.
      if (relayOnly && !keepTrickledCandidate(message.candidate.candidate, relayPolicy)) return;
      roomBus.publish(peerTopic(target.peerId), { ...base, candidate: message.candidate });
    } else if (message.description !== undefined) {
      const { type, sdp } = message.description;
      const description = { type, sdp: relayOnly ? stripNonRelayCandidates(sdp, relayPolicy) : sdp };
      roomBus.publish(peerTopic(target.peerId), { ...base, description });
    }
  }

  private setPresence(state: PresenceState): void {
    if (state === this.presenceState) return;
    this.presenceState = state;
    this.publish('presence.changed', { userId: this.claims.userId, state });
  }

  /**
   * Room messages may have been lost (a shared bus reconnected): the client gets a fresh `room.joined` snapshot of
   * the room, as when it asks to join the room it is in, and reconciles its peers with it.
   */
  private onRoomGap(key: string): void {
    const room = this.room;
    if (room?.key !== key || this.phase === 'ended') return;
    this.queue = this.queue
      .then(async () => {
        if (this.room !== room) return;
        const peers = (await this.services.rooms.members(key)).filter((m) => m.peerId !== this.peerId);
        if (this.room === room) this.sendJoined(room.channelId, room.relayOnly, peers, room.mode);
      })
      .catch((error: unknown) => this.services.report('signalling: room snapshot failed', error));
  }

  private onRoomMessage(message: RoomBusMessage): void {
    if (this.phase === 'ended' || this.room?.channelId !== message.channelId) return;
    const { channelId } = message;
    switch (message.kind) {
      case 'peerJoined':
        if (message.peer.peerId !== this.peerId) this.send({ type: 'room.peerJoined', channelId, peer: message.peer });
        return;
      case 'peerLeft':
        if (message.peerId !== this.peerId) this.send({ type: 'room.peerLeft', channelId, peerId: message.peerId });
        return;
      case 'mode': {
        const room = this.room;
        if (room === undefined || room.mode === message.mode) return;
        room.mode = message.mode;
        this.send({ type: 'room.mode', channelId, mode: message.mode, reason: message.reason });
        if (message.mode === 'sfu') this.openSfu(room);
        else this.closeSfu(room);
        return;
      }
      case 'signal': {
        if (message.to !== this.peerId) return;
        const { from, description, candidate } = message;
        if (description !== undefined) this.send({ type: 'signal', channelId, from, description });
        else if (candidate !== undefined) this.send({ type: 'signal', channelId, from, candidate });
        return;
      }
    }
  }

  private publish<T extends WorkspaceEventType>(type: T, payload: WorkspaceEventPayload<T>): void {
    const delivered = this.services.publishEvent(this.claims.workspaceId, type, payload).then(
      (event) => {
        this.stream?.offer(event);
        return this.stream?.reached(event.seq);
      },
      (error: unknown) => this.services.report(`signalling: could not publish ${type}`, error),
    );
    this.ownEvents = Promise.all([this.ownEvents, delivered]).then(() => undefined);
  }

  private send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  private sendError(code: WsErrorCode, message: string): void {
    this.send({ type: 'error', code, message });
  }

  /** A text frame; `text` may be UTF-8 bytes already encoded. */
  private sendText(text: string | Buffer): void {
    if (this.phase === 'ended' || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.services.limits.maxBufferedBytes) {
      this.end(WS_CLOSE_CODES.slowConsumer, 'too slow');
      return;
    }
    this.socket.send(text, { binary: false });
  }

  /** Resolves when at most half the slow-consumer limit is still unsent (or the connection ended). */
  private async drained(): Promise<void> {
    const low = this.services.limits.maxBufferedBytes / 2;
    while (this.phase !== 'ended' && this.socket.bufferedAmount > low) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Runs once, however the connection ended: leaves the room, stops the streams, maybe marks the user offline. */
  private cleanUp(): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    clearTimeout(this.helloTimer);
    this.stream?.close();
    void this.exitRoom(false);
    this.unsubscribePeer();
    const { userId } = this.claims;
    if (this.counted) {
      this.services.presence
        .disconnected(this.presenceEntry())
        .then((last) => {
          if (last) this.publish('member.offline', { userId });
        })
        .catch((error: unknown) => this.services.report('signalling: presence update failed', error));
    }
    this.services.forget(this);
  }
}
