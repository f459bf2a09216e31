import { z } from 'zod';
import type { MembershipChange } from '../../signalling/clusterMessages';
import type { PresenceConnection, PresenceTracker } from '../../signalling/presence';
import {
  RoomRegistry,
  roomKeyParts,
  roomMemberSchema,
  voiceWatchers,
  type RoomDirectory,
  type RoomMember,
} from '../../signalling/rooms';
import type { RedisConnections } from './redisConnection';
import { createRedisPubSub } from './redisPubSub';

/**
 * Presence and voice-room membership over every node, in Redis, with each entry tagged by the node that holds its
 * socket, so a node that dies leaves no ghosts: every node heartbeats a key that expires (`liveness.ttlMs`), and
 * any node that finds another's key gone removes that node's entries in one script and publishes the offline and
 * left events (exactly once: the script runs once per dead node, the first caller gets the entries). A node that
 * finds its own key gone (Redis restarted empty, or it was taken for dead after a long pause) adds its entries
 * again; if it had been swept, it publishes them as new (online, joined), since the others were told it left.
 *
 * Keys, after the prefix: `node:{id}` (heartbeat), `nodes` (ids seen), `swept:{id}` (tombstone), `presence:{ws}:
 * {user}` (connection ids), `node-presence:{id}` (that node's presence entries), `voice-peers` (peer id -> member
 * with its room and node), `room:{ws}/{ch}` (peer ids), `rooms-of:{ws}` (room keys), `node-peers:{id}`. Scripts
 * touch keys they compute, which a single Redis (or a primary with replicas) allows; Redis Cluster does not.
 */

export interface Liveness {
  /** A node whose heartbeat key is older than this is dead. */
  readonly ttlMs: number;
  /** How often a node heartbeats and looks for dead nodes. */
  readonly intervalMs: number;
}

export const DEFAULT_LIVENESS: Liveness = { ttlMs: 15_000, intervalMs: 5_000 };

const storedMemberSchema = roomMemberSchema.extend({ key: z.string().max(200), node: z.string().max(64) });
type StoredMember = z.output<typeof storedMemberSchema>;

const CONNECT = `
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
if added == 1 and redis.call('SCARD', KEYS[1]) == 1 then return 1 end
return 0`;

const DISCONNECT = `
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if removed == 1 and redis.call('SCARD', KEYS[1]) == 0 then return 1 end
return 0`;

/** Shared by the room scripts: takes a peer out of its room (by its stored record), keeping the indexes right. */
const LEAVE_PEER = `
local function leave_peer(prefix, peer, stored)
  local member = cjson.decode(stored)
  redis.call('HDEL', prefix .. 'voice-peers', peer)
  local room = prefix .. 'room:' .. member.key
  redis.call('SREM', room, peer)
  redis.call('SREM', prefix .. 'node-peers:' .. member.node, peer)
  if redis.call('SCARD', room) == 0 then
    local workspace = string.match(member.key, '^([^/]+)/')
    redis.call('SREM', prefix .. 'rooms-of:' .. workspace, member.key)
  end
  return member
end
`;

/** ARGV: prefix, peer, key, member JSON, max size, node. Returns {1, others...} or {0}. */
const JOIN = `${LEAVE_PEER}
local prefix, peer, key, record, max, node = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local room = prefix .. 'room:' .. key
local current = redis.call('HGET', prefix .. 'voice-peers', peer)
local already = false
if current then already = cjson.decode(current).key == key end
if not already and redis.call('SCARD', room) >= max then return {0} end
if current and not already then leave_peer(prefix, peer, current) end
redis.call('HSET', prefix .. 'voice-peers', peer, record)
redis.call('SADD', room, peer)
redis.call('SADD', prefix .. 'rooms-of:' .. string.match(key, '^([^/]+)/'), key)
redis.call('SADD', prefix .. 'node-peers:' .. node, peer)
local result = {1}
for _, other in ipairs(redis.call('SMEMBERS', room)) do
  if other ~= peer then
    local stored = redis.call('HGET', prefix .. 'voice-peers', other)
    if stored then table.insert(result, stored) end
  end
end
return result`;

/** ARGV: prefix, peer, key. Returns the record that left, or false. */
const LEAVE = `${LEAVE_PEER}
local current = redis.call('HGET', ARGV[1] .. 'voice-peers', ARGV[2])
if not current or cjson.decode(current).key ~= ARGV[3] then return false end
leave_peer(ARGV[1], ARGV[2], current)
return current`;

/** ARGV: prefix, peer, key, muted, deafened ('1'/'0'). Returns 1 when it changed anything. */
const SET_VOICE = `
local current = redis.call('HGET', ARGV[1] .. 'voice-peers', ARGV[2])
if not current then return 0 end
local member = cjson.decode(current)
if member.key ~= ARGV[3] then return 0 end
local muted, deafened = ARGV[4] == '1', ARGV[5] == '1'
if member.selfMuted == muted and member.selfDeafened == deafened then return 0 end
member.selfMuted = muted
member.selfDeafened = deafened
redis.call('HSET', ARGV[1] .. 'voice-peers', ARGV[2], cjson.encode(member))
return 1`;

/** ARGV: prefix, key. The room's member records. */
const MEMBERS = `
local result = {}
for _, peer in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'room:' .. ARGV[2])) do
  local stored = redis.call('HGET', ARGV[1] .. 'voice-peers', peer)
  if stored then table.insert(result, stored) end
end
return result`;

/** ARGV: prefix, workspace. Every member record of every room of the workspace. */
const ROOMS_OF = `
local result = {}
for _, key in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'rooms-of:' .. ARGV[2])) do
  for _, peer in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'room:' .. key)) do
    local stored = redis.call('HGET', ARGV[1] .. 'voice-peers', peer)
    if stored then table.insert(result, stored) end
  end
end
return result`;

/**
 * ARGV: prefix, dead node, force ('1': sweep even a live node, for this node's own close). Removes the node's
 * entries once: returns {offline presence entries}, {member records that left}; both empty when the node is alive
 * or already swept.
 */
const SWEEP_NODE = `${LEAVE_PEER}
local prefix, node, force = ARGV[1], ARGV[2], ARGV[3] == '1'
if not force and redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then return {{}, {}} end
local offline = {}
for _, entry in ipairs(redis.call('SMEMBERS', prefix .. 'node-presence:' .. node)) do
  local workspace, user, connection = string.match(entry, '^([^|]+)|([^|]+)|([^|]+)$')
  if workspace then
    local key = prefix .. 'presence:' .. workspace .. ':' .. user
    if redis.call('SREM', key, connection) == 1 and redis.call('SCARD', key) == 0 then table.insert(offline, entry) end
  end
end
redis.call('DEL', prefix .. 'node-presence:' .. node)
local left = {}
for _, peer in ipairs(redis.call('SMEMBERS', prefix .. 'node-peers:' .. node)) do
  local stored = redis.call('HGET', prefix .. 'voice-peers', peer)
  if stored and cjson.decode(stored).node == node then
    leave_peer(prefix, peer, stored)
    table.insert(left, stored)
  end
end
redis.call('DEL', prefix .. 'node-peers:' .. node)
redis.call('SREM', prefix .. 'nodes', node)
if not force then redis.call('SET', prefix .. 'swept:' .. node, '1', 'EX', 86400) end
return {offline, left}`;

/** What a mirror update says: a peer entered a room (with its record) or left one. */
const voiceNoticeSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('join'), member: storedMemberSchema }),
  z.strictObject({ op: z.literal('leave'), key: z.string().max(200), peerId: z.string().max(64) }),
]);
type VoiceNotice = z.output<typeof voiceNoticeSchema>;

const presenceEntry = ({ workspaceId, userId, connectionId }: PresenceConnection) =>
  `${workspaceId}|${userId}|${connectionId}`;

function parsePresenceEntry(entry: string): PresenceConnection | null {
  const [workspaceId, userId, connectionId, ...rest] = entry.split('|');
  if (workspaceId === undefined || userId === undefined || connectionId === undefined || rest.length > 0) return null;
  return { workspaceId, userId, connectionId };
}

function parseStored(text: unknown): StoredMember | null {
  if (typeof text !== 'string') return null;
  try {
    const parsed = storedMemberSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const asMember = ({ peerId, userId, relayOnly, selfMuted, selfDeafened }: StoredMember): RoomMember => ({
  peerId,
  userId,
  relayOnly,
  selfMuted,
  selfDeafened,
});

export interface RedisMembership {
  readonly presence: PresenceTracker;
  readonly rooms: RoomDirectory;
  membershipChanges(listener: (change: MembershipChange) => void): () => void;
  /** Heartbeats once and sweeps dead nodes now (the timer does it every `intervalMs`); tests call it. */
  beat(): Promise<void>;
  /** Waits for this node's updates in flight, removes what is left of its entries, and stops heartbeating. */
  close(): Promise<void>;
  /** Stops heartbeating and leaves every entry in place, as a process that died would (tests). */
  abandon(): void;
}

export async function startRedisMembership(
  redis: RedisConnections,
  options: {
    readonly nodeId: string;
    readonly liveness?: Liveness;
    readonly report: (message: string, error?: unknown) => void;
  },
): Promise<RedisMembership> {
  const { nodeId, report } = options;
  const liveness = options.liveness ?? DEFAULT_LIVENESS;
  const p = redis.prefix;
  const watchers = voiceWatchers();
  const changeListeners = new Set<(change: MembershipChange) => void>();
  /** What this node holds, to add again after Redis lost it. */
  const localPresence = new Map<string, PresenceConnection>();
  const localPeers = new Map<string, { key: string; member: RoomMember }>();
  /** Every node's voice peers, for the relay's synchronous question. */
  const mirror = new RoomRegistry();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  const notices = createRedisPubSub<VoiceNotice>(redis, {
    namespace: 'voice',
    schema: voiceNoticeSchema,
    retryForMs: 60_000,
    report,
  });

  /**
   * Tells every node's copy of who is in voice where, and resolves once Redis has taken the notice (so a join or a
   * leave answered after it is known to the relays' question on every node); kept for a retry if Redis refuses.
   */
  async function announce(notice: VoiceNotice): Promise<void> {
    await notices.publishNow('all', notice).catch(() => notices.publish('all', notice));
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    const done = () => inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  function applyNotice(notice: VoiceNotice): void {
    if (notice.op === 'join') {
      const { key, ...rest } = notice.member;
      const before = mirror.roomOf(rest.peerId);
      mirror.join(key, asMember(rest as StoredMember));
      if (before !== key) watchers.notify(rest.userId);
    } else {
      const left = mirror.leave(notice.peerId, notice.key);
      if (left !== undefined) watchers.notify(left.userId);
    }
  }

  /** Rebuilds the mirror from Redis (at start, and after a gap in the notices). */
  async function reloadMirror(): Promise<void> {
    const all = await redis.run((command) => command.hgetall(`${p}voice-peers`));
    const before = new Set<string>();
    for (const { members } of mirror.roomsWithPrefix('')) for (const m of members) before.add(m.userId);
    mirror.clear();
    const after = new Set<string>();
    for (const text of Object.values(all)) {
      const stored = parseStored(text);
      if (stored === null) continue;
      mirror.join(stored.key, asMember(stored));
      after.add(stored.userId);
    }
    for (const userId of new Set([...before, ...after])) watchers.notify(userId);
  }

  const stopNotices = notices.subscribe('all', applyNotice, () => {
    reloadMirror().catch((error: unknown) => report('shared state: voice mirror reload failed', error));
  });
  await notices.settled?.();

  function emit(change: MembershipChange): void {
    const empty =
      change.offline.length + change.online.length + change.leftRooms.length + change.joinedRooms.length === 0;
    if (empty) return;
    for (const listener of [...changeListeners]) {
      try {
        listener(change);
      } catch (error) {
        report('shared state: membership listener failed', error);
      }
    }
  }

  const presenceKeys = (c: PresenceConnection) => [
    `${p}presence:${c.workspaceId}:${c.userId}`,
    `${p}node-presence:${nodeId}`,
  ];

  async function addPresence(connection: PresenceConnection): Promise<boolean> {
    const first = await redis.run((command) =>
      command.eval(CONNECT, 2, ...presenceKeys(connection), connection.connectionId, presenceEntry(connection)),
    );
    return first === 1;
  }

  async function joinRoom(key: string, member: RoomMember, maxSize: number): Promise<RoomMember[] | null> {
    const record: StoredMember = { ...member, key, node: nodeId };
    const reply = (await redis.run((command) =>
      command.eval(JOIN, 0, p, member.peerId, key, JSON.stringify(record), String(maxSize), nodeId),
    )) as [number, ...string[]];
    const [joined, ...others] = reply;
    if (joined !== 1) return null;
    localPeers.set(member.peerId, { key, member });
    applyNotice({ op: 'join', member: record });
    await announce({ op: 'join', member: record });
    return others
      .map(parseStored)
      .filter((m): m is StoredMember => m !== null)
      .map(asMember);
  }

  const presence: PresenceTracker = {
    connected(connection) {
      localPresence.set(connection.connectionId, connection);
      return track(addPresence(connection));
    },
    disconnected(connection) {
      localPresence.delete(connection.connectionId);
      return track(
        redis.run(async (command) => {
          const last = await command.eval(
            DISCONNECT,
            2,
            ...presenceKeys(connection),
            connection.connectionId,
            presenceEntry(connection),
          );
          return last === 1;
        }),
      );
    },
    async online(workspaceId, userIds) {
      if (userIds.length === 0) return new Set();
      const counts = await redis.run(async (command) => {
        const pipeline = command.pipeline();
        for (const userId of userIds) pipeline.exists(`${p}presence:${workspaceId}:${userId}`);
        return (await pipeline.exec()) ?? [];
      });
      return new Set(userIds.filter((_, index) => counts[index]?.[0] === null && counts[index]?.[1] === 1));
    },
  };

  const rooms: RoomDirectory = {
    async join(key, member, maxSize) {
      const others = await track(joinRoom(key, member, maxSize));
      return others === null ? { joined: false, reason: 'room_full' } : { joined: true, others };
    },
    leave(key, peerId) {
      const local = localPeers.get(peerId);
      if (local?.key === key) localPeers.delete(peerId);
      return track(
        redis.run(async (command) => {
          const left = await command.eval(LEAVE, 0, p, peerId, key);
          if (left === null) return;
          applyNotice({ op: 'leave', key, peerId });
          await announce({ op: 'leave', key, peerId });
        }),
      );
    },
    setVoiceState(key, peerId, state) {
      const local = localPeers.get(peerId);
      if (local?.key === key) localPeers.set(peerId, { key, member: { ...local.member, ...state } });
      return track(
        redis.run(async (command) => {
          const changed = await command.eval(
            SET_VOICE,
            0,
            p,
            peerId,
            key,
            state.selfMuted ? '1' : '0',
            state.selfDeafened ? '1' : '0',
          );
          return changed === 1;
        }),
      );
    },
    async members(key) {
      const records = (await redis.run((command) => command.eval(MEMBERS, 0, p, key))) as string[];
      return records
        .map(parseStored)
        .filter((m): m is StoredMember => m !== null && m.key === key)
        .map(asMember);
    },
    async recipient(key, from, to) {
      if (from === to) return null;
      const [sender, target] = (await redis.run((command) => command.hmget(`${p}voice-peers`, from, to))).map(
        parseStored,
      );
      if (sender?.key !== key || target?.key !== key) return null;
      return asMember(target);
    },
    async rooms(workspaceId) {
      const records = (await redis.run((command) => command.eval(ROOMS_OF, 0, p, workspaceId))) as string[];
      const byRoom = new Map<string, RoomMember[]>();
      for (const stored of records.map(parseStored)) {
        if (stored === null || roomKeyParts(stored.key).workspaceId !== workspaceId) continue;
        const { channelId } = roomKeyParts(stored.key);
        const list = byRoom.get(channelId) ?? [];
        list.push(asMember(stored));
        byRoom.set(channelId, list);
      }
      return [...byRoom].map(([channelId, members]) => ({ channelId, members }));
    },
    voiceWorkspacesOf: (userId) => mirror.voiceWorkspacesOf(userId),
    watchVoice: (listener) => watchers.watch(listener),
  };

  /** Removes a node's entries; the change it returns is what the others must be told. */
  async function sweep(node: string, force: boolean): Promise<MembershipChange> {
    const [offline, left] = (await redis.run((command) => command.eval(SWEEP_NODE, 0, p, node, force ? '1' : '0'))) as [
      string[],
      string[],
    ];
    const leftRooms = left
      .map(parseStored)
      .filter((m): m is StoredMember => m !== null)
      .map((stored) => ({ key: stored.key, member: asMember(stored) }));
    for (const { key, member } of leftRooms) {
      applyNotice({ op: 'leave', key, peerId: member.peerId });
      notices.publish('all', { op: 'leave', key, peerId: member.peerId });
    }
    return {
      offline: offline.map(parsePresenceEntry).filter((c): c is PresenceConnection => c !== null),
      online: [],
      leftRooms,
      joinedRooms: [],
    };
  }

  /** Adds this node's entries again; when it had been swept, they are announced as new. */
  async function restore(): Promise<void> {
    const swept = (await redis.run((command) => command.getdel(`${p}swept:${nodeId}`))) !== null;
    const online: PresenceConnection[] = [];
    for (const connection of [...localPresence.values()]) {
      if ((await addPresence(connection)) && swept) online.push(connection);
    }
    const joinedRooms: { key: string; member: RoomMember }[] = [];
    for (const { key, member } of [...localPeers.values()]) {
      // A room a dead node's peers left has space again; a restored member is never refused.
      if ((await joinRoom(key, member, Number.MAX_SAFE_INTEGER)) !== null && swept) joinedRooms.push({ key, member });
    }
    report(`shared state: re-announced ${localPresence.size} connections and ${localPeers.size} voice peers`);
    emit({ offline: [], online, leftRooms: [], joinedRooms });
  }

  let beating: Promise<void> | null = null;
  async function heartbeatAndSweep(): Promise<void> {
    const previous = await redis.run(async (command) => {
      const [[, was]] = (await command
        .multi()
        .set(`${p}node:${nodeId}`, '1', 'PX', liveness.ttlMs, 'GET')
        .sadd(`${p}nodes`, nodeId)
        .exec()) as [[Error | null, string | null], unknown];
      return was;
    });
    if (previous === null && (localPresence.size > 0 || localPeers.size > 0)) await restore();
    const nodes = await redis.run((command) => command.smembers(`${p}nodes`));
    for (const node of nodes) {
      if (node === nodeId) continue;
      emit(await sweep(node, false));
    }
  }

  function beat(): Promise<void> {
    beating ??= heartbeatAndSweep().finally(() => {
      beating = null;
    });
    return beating;
  }

  await redis.run((command) => command.del(`${p}swept:${nodeId}`));
  await beat();
  await reloadMirror();
  const timer = setInterval(() => {
    if (closed) return;
    beat().catch((error: unknown) => report('shared state: heartbeat failed', error));
  }, liveness.intervalMs);
  timer.unref();

  return {
    presence,
    rooms,
    membershipChanges(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    beat,
    abandon() {
      closed = true;
      clearInterval(timer);
      stopNotices();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...inFlight, beating]);
      stopNotices();
      try {
        // Whatever this node still holds goes with it; the sockets have closed, and their events were published.
        const change = await sweep(nodeId, true);
        if (change.offline.length + change.leftRooms.length > 0) emit(change);
        await redis.run((command) => command.del(`${p}node:${nodeId}`));
      } catch (error) {
        // Redis is away: the others sweep this node once its heartbeat key expires.
        report('shared state: could not remove this node at close', error);
      }
    },
  };
}
