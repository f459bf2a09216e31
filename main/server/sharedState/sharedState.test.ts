import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { roomKey, type RoomMember } from '../signalling/rooms';
import { createSharedStateTestKit, SHARED_STATE_BACKENDS } from './sharedStateTestKit';

const ws = randomUUID();
const member = (relayOnly = true): RoomMember => ({
  peerId: randomUUID(),
  userId: randomUUID(),
  relayOnly,
  selfMuted: false,
  selfDeafened: false,
});
const byPeer = (members: readonly RoomMember[]) => [...members].sort((a, b) => a.peerId.localeCompare(b.peerId));
const T = 1_800_000_000;

/** The contract every shared state keeps, whether it lives in this process or in Redis. */
describe.each(SHARED_STATE_BACKENDS)('shared state (%s)', (backend) => {
  const kit = createSharedStateTestKit(backend);
  afterEach(() => kit.cleanup());

  describe('nonces', () => {
    it('accepts a nonce once while it could still be replayed, per session, and again after it expired', async () => {
      const { nonces } = await kit.node();
      expect(await nonces.remember('s1', 'n1', T + 60, T)).toBe(true);
      expect(await nonces.remember('s1', 'n1', T + 60, T + 30)).toBe(false);
      expect(await nonces.remember('s2', 'n1', T + 60, T)).toBe(true);
      expect(await nonces.remember('s1', 'n1', T + 121, T + 61)).toBe(true);
    });

    it('accepts exactly one of many requests racing with the same nonce', async () => {
      const { nonces } = await kit.node();
      const answers = await Promise.all(Array.from({ length: 20 }, () => nonces.remember('s', 'n', T + 60, T)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('buses', () => {
    it('delivers to the subscribers of a topic, in order, and stops after unsubscribe', async () => {
      const state = await kit.node();
      const heard: string[] = [];
      const other: string[] = [];
      const stop = state.roomBus.subscribe('room:a', (m) => heard.push(m.kind === 'peerLeft' ? m.peerId : ''));
      state.roomBus.subscribe('room:b', (m) => other.push(m.kind));
      await state.roomBus.settled?.();
      const channelId = randomUUID();
      const peers = [randomUUID(), randomUUID(), randomUUID()];
      for (const peerId of peers) state.roomBus.publish('room:a', { kind: 'peerLeft', channelId, peerId });
      await expect.poll(() => heard).toEqual(peers);
      stop();
      stop();
      state.roomBus.publish('room:a', { kind: 'peerLeft', channelId, peerId: randomUUID() });
      state.roomBus.publish('room:b', { kind: 'peerLeft', channelId, peerId: randomUUID() });
      await expect.poll(() => other).toEqual(['peerLeft']);
      expect(heard).toEqual(peers);
    });
  });

  describe('presence', () => {
    it('is online from the first connection to the last, counting each connection once', async () => {
      const { presence } = await kit.node();
      const userId = randomUUID();
      const laptop = { workspaceId: ws, userId, connectionId: randomUUID() };
      const phone = { ...laptop, connectionId: randomUUID() };
      expect(await presence.connected(laptop)).toBe(true);
      expect(await presence.connected(laptop)).toBe(false);
      expect(await presence.connected(phone)).toBe(false);
      expect(await presence.online(ws, [userId, randomUUID()])).toEqual(new Set([userId]));
      expect(await presence.online(randomUUID(), [userId])).toEqual(new Set());
      expect(await presence.disconnected(laptop)).toBe(false);
      expect(await presence.disconnected(laptop)).toBe(false);
      expect(await presence.disconnected(phone)).toBe(true);
      expect(await presence.online(ws, [userId])).toEqual(new Set());
    });
  });

  describe('voice rooms', () => {
    it('lists the members already present to a joiner, and enforces the room size', async () => {
      const { rooms } = await kit.node();
      const key = roomKey(ws, randomUUID());
      const [a, b, c, d] = [member(), member(), member(), member()];
      expect(await rooms.join(key, a, 3)).toEqual({ joined: true, others: [] });
      expect(await rooms.join(key, b, 3)).toEqual({ joined: true, others: [a] });
      const third = await rooms.join(key, c, 3);
      expect(third.joined && byPeer(third.others)).toEqual(byPeer([a, b]));
      expect(await rooms.join(key, d, 3)).toEqual({ joined: false, reason: 'room_full' });
      // Joining the room one is in again is no new member.
      expect((await rooms.join(key, a, 3)).joined).toBe(true);
      expect(byPeer(await rooms.members(key))).toEqual(byPeer([a, b, c]));
    });

    it('keeps a connection in one room at a time, and a late leave never undoes a newer join', async () => {
      const { rooms } = await kit.node();
      const [first, second] = [roomKey(ws, randomUUID()), roomKey(ws, randomUUID())];
      const a = member();
      await rooms.join(first, a, 10);
      await rooms.join(second, a, 10);
      expect(await rooms.members(first)).toEqual([]);
      await rooms.leave(first, a.peerId);
      expect(await rooms.members(second)).toEqual([a]);
      await rooms.leave(second, a.peerId);
      expect(await rooms.members(second)).toEqual([]);
      expect(await rooms.rooms(ws)).toEqual([]);
    });

    it('routes a signal only between two different members of the same room of the same workspace', async () => {
      const { rooms } = await kit.node();
      const channel = randomUUID();
      const key = roomKey(ws, channel);
      const otherRoom = roomKey(ws, randomUUID());
      const sameChannelOtherWorkspace = roomKey(randomUUID(), channel);
      const [a, b, c, d] = [member(), member(), member(), member()];
      await rooms.join(key, a, 10);
      await rooms.join(key, b, 10);
      await rooms.join(otherRoom, c, 10);
      await rooms.join(sameChannelOtherWorkspace, d, 10);
      expect(await rooms.recipient(key, a.peerId, b.peerId)).toEqual(b);
      expect(await rooms.recipient(key, a.peerId, a.peerId)).toBeNull();
      expect(await rooms.recipient(key, a.peerId, c.peerId)).toBeNull();
      expect(await rooms.recipient(key, c.peerId, a.peerId)).toBeNull();
      expect(await rooms.recipient(key, a.peerId, d.peerId)).toBeNull();
      expect(await rooms.recipient(sameChannelOtherWorkspace, d.peerId, a.peerId)).toBeNull();
      expect(await rooms.recipient(key, a.peerId, randomUUID())).toBeNull();
    });

    it("records a member's own mute and deafen, and says whether it changed", async () => {
      const { rooms } = await kit.node();
      const key = roomKey(ws, randomUUID());
      const a = member();
      await rooms.join(key, a, 10);
      expect(await rooms.setVoiceState(key, a.peerId, { selfMuted: true, selfDeafened: false })).toBe(true);
      expect(await rooms.setVoiceState(key, a.peerId, { selfMuted: true, selfDeafened: false })).toBe(false);
      expect(await rooms.members(key)).toEqual([{ ...a, selfMuted: true }]);
      expect(
        await rooms.setVoiceState(roomKey(ws, randomUUID()), a.peerId, { selfMuted: false, selfDeafened: true }),
      ).toBe(false);
      expect(await rooms.setVoiceState(key, randomUUID(), { selfMuted: true, selfDeafened: true })).toBe(false);
    });

    it("lists a workspace's rooms and no other workspace's, and knows which workspaces a user is in voice in", async () => {
      const { rooms } = await kit.node();
      const [lobby, standup] = [randomUUID(), randomUUID()];
      const elsewhere = randomUUID();
      const a = member();
      const b = { ...member(), userId: a.userId };
      const c = member();
      const changed: string[] = [];
      rooms.watchVoice((userId) => changed.push(userId));
      await rooms.join(roomKey(ws, lobby), a, 10);
      await rooms.join(roomKey(elsewhere, standup), b, 10);
      await rooms.join(roomKey(ws, standup), c, 10);
      const listed = (await rooms.rooms(ws)).sort((x, y) => x.channelId.localeCompare(y.channelId));
      expect(listed).toEqual(
        [
          { channelId: lobby, members: [a] },
          { channelId: standup, members: [c] },
        ].sort((x, y) => x.channelId.localeCompare(y.channelId)),
      );
      await expect.poll(() => rooms.voiceWorkspacesOf(a.userId)).toEqual(new Set([ws, elsewhere]));
      expect(changed).toContain(a.userId);
      await rooms.leave(roomKey(ws, lobby), a.peerId);
      await rooms.leave(roomKey(elsewhere, standup), b.peerId);
      await expect.poll(() => rooms.voiceWorkspacesOf(a.userId)).toBeUndefined();
    });
  });
});

/** What only a shared (Redis) state can show: two nodes that agree. */
describe('shared state across nodes (redis)', () => {
  const kit = createSharedStateTestKit('redis', { liveness: { ttlMs: 600, intervalMs: 200 } });
  afterEach(() => kit.cleanup());

  it('refuses on the second node a nonce the first accepted, and a ticket the first consumed', async () => {
    const [one, two] = [await kit.node(), await kit.node()];
    expect(await one.nonces.remember('s', 'n', T + 60, T)).toBe(true);
    expect(await two.nonces.remember('s', 'n', T + 60, T)).toBe(false);
    const claims = { sessionId: 'sess_0123456789abcdef', userId: randomUUID(), workspaceId: ws };
    const { ticket } = await one.tickets.mint(claims);
    const [first, second] = await Promise.all([one.tickets.consume(ticket), two.tickets.consume(ticket)]);
    expect([first, second].filter((claim) => claim !== null)).toHaveLength(1);
  });

  it('enforces a rate limit on the sum of what both nodes let through', async () => {
    const [one, two] = [await kit.node(), await kit.node()];
    const bucket = { capacity: 10, refillPerSecond: 0.001 };
    const [a, b] = [one.rateLimiter(bucket, 'x'), two.rateLimiter(bucket, 'x')];
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).take('ip:198.51.100.7', 1, T * 1000)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
  });

  it('sees one presence for a user connected through two nodes, offline only when the last connection closes', async () => {
    const [one, two] = [await kit.node(), await kit.node()];
    const userId = randomUUID();
    const viaOne = { workspaceId: ws, userId, connectionId: randomUUID() };
    const viaTwo = { ...viaOne, connectionId: randomUUID() };
    expect(await one.presence.connected(viaOne)).toBe(true);
    expect(await two.presence.connected(viaTwo)).toBe(false);
    expect(await two.presence.disconnected(viaTwo)).toBe(false);
    expect(await one.presence.online(ws, [userId])).toEqual(new Set([userId]));
    expect(await one.presence.disconnected(viaOne)).toBe(true);
  });

  it('counts members on every node against the room size, and routes between nodes', async () => {
    const [one, two] = [await kit.node(), await kit.node()];
    const key = roomKey(ws, randomUUID());
    const [a, b, c] = [member(), member(), member()];
    await one.rooms.join(key, a, 2);
    expect(await two.rooms.join(key, b, 2)).toEqual({ joined: true, others: [a] });
    expect(await one.rooms.join(key, c, 2)).toEqual({ joined: false, reason: 'room_full' });
    expect(await one.rooms.recipient(key, a.peerId, b.peerId)).toEqual(b);
    // The relay's synchronous question is answered from each node's copy, kept current by the others' notices.
    await expect.poll(() => one.rooms.voiceWorkspacesOf(b.userId)).toEqual(new Set([ws]));
  });

  it("removes a dead node's connections and voice peers once, and says who went offline and who left", async () => {
    const [survivor, dying] = [await kit.node(), await kit.node()];
    const changes: unknown[] = [];
    survivor.membershipChanges?.((change) => changes.push(change));
    const userId = randomUUID();
    const connection = { workspaceId: ws, userId, connectionId: randomUUID() };
    const key = roomKey(ws, randomUUID());
    const peer = { ...member(), userId };
    await dying.presence.connected(connection);
    await dying.rooms.join(key, peer, 10);
    (dying as unknown as { crash(): void }).crash();
    await expect
      .poll(() => changes, { timeout: 10_000 })
      .toEqual([{ offline: [connection], online: [], leftRooms: [{ key, member: peer }], joinedRooms: [] }]);
    expect(await survivor.presence.online(ws, [userId])).toEqual(new Set());
    expect(await survivor.rooms.members(key)).toEqual([]);
    await expect.poll(() => survivor.rooms.voiceWorkspacesOf(userId)).toBeUndefined();
  });
});
