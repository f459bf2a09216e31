import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../../test/support/selfSignedCertificate';
import { WS_MAX_FRAME_BYTES } from '../../../shared/ws';
import { startHarness, type Harness, type TestClient } from './testing/signallingHarness';

/**
 * Self-mute and self-deafen as room voice state: kept by the server per connection, broadcast to the workspace as
 * `room.voiceState`, in every snapshot, and refused (with nothing changed) when it names a room the sender is not
 * in, is malformed or oversized, or comes faster than its own rate limit.
 */
const certificate = makeSelfSignedCertificate();

async function joined(
  client: TestClient,
  channelId: string,
  voice: { selfMuted?: boolean; selfDeafened?: boolean } = {},
) {
  client.send({ type: 'room.join', channelId, ...voice });
  return client.next('room.joined', (m) => m.channelId === channelId);
}

const voiceEvents = (client: TestClient) =>
  client.of('event').flatMap((m) => (m.event.type === 'room.voiceState' ? [m.event.payload] : []));

describe('room voice state (self-mute, self-deafen)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate, limits: { voiceStateBurst: 4, voiceStatesPerSecond: 0.001 } });
  });
  afterAll(() => h.close());

  async function room() {
    const ws = h.world.workspace();
    const channelId = h.world.channel(ws);
    const adaClaims = h.world.member(ws);
    const ada = await h.connect(adaClaims);
    const bob = await h.connect(h.world.member(ws));
    // Someone who only looks at the channel list: not in the room, still sees who is muted in it.
    const watcher = await h.connect(h.world.member(ws));
    await joined(ada, channelId);
    await joined(bob, channelId);
    return { ws, channelId, ada, adaClaims, bob, watcher };
  }

  it('broadcasts a mute to the whole workspace, keeps it in the snapshot and gives it to a joining client', async () => {
    const { ws, channelId, ada, bob, watcher } = await room();
    ada.send({ type: 'voice.state', channelId, selfMuted: true, selfDeafened: false });
    const expected = {
      channelId,
      userId: expect.any(String),
      peerId: ada.connectionId,
      selfMuted: true,
      selfDeafened: false,
    };
    for (const client of [bob, watcher]) {
      const event = await client.next('event', (m) => m.event.type === 'room.voiceState');
      expect(event.event.payload).toEqual(expected);
    }
    expect(await h.signalling.voiceRooms(ws)).toEqual([
      {
        channelId,
        peers: [
          { peerId: ada.connectionId, userId: expect.any(String), selfMuted: true, selfDeafened: false },
          { peerId: bob.connectionId, userId: expect.any(String), selfMuted: false, selfDeafened: false },
        ],
      },
    ]);
    const carol = await h.connect(h.world.member(ws));
    const snapshot = await joined(carol, channelId, { selfDeafened: true });
    expect(snapshot.peers.find((peer) => peer.peerId === ada.connectionId)).toMatchObject({ selfMuted: true });
    // Joining deafened is announced with the join itself.
    const joinedEvent = await watcher.next(
      'event',
      (m) => m.event.type === 'room.memberJoined' && m.event.payload.peerId === carol.connectionId,
    );
    expect(joinedEvent.event.payload).toMatchObject({ selfMuted: false, selfDeafened: true });
    const peerJoined = await ada.next('room.peerJoined', (m) => m.peer.peerId === carol.connectionId);
    expect(peerJoined.peer).toMatchObject({ selfDeafened: true });
  });

  it('publishes nothing when the state did not change', async () => {
    const { ws, channelId, ada, watcher } = await room();
    const before = await h.eventLog.latestSeq(ws);
    ada.send({ type: 'voice.state', channelId, selfMuted: false, selfDeafened: false });
    await ada.barrier();
    await watcher.barrier();
    expect(await h.eventLog.latestSeq(ws)).toBe(before);
  });

  it('refuses a state for another room, another workspace or no room with not_found, and changes nothing', async () => {
    const { ws, channelId, ada, bob, watcher } = await room();
    const lounge = h.world.channel(ws);
    const elsewhere = h.world.workspace();
    const foreignChannel = h.world.channel(elsewhere);
    const stranger = await h.connect(h.world.member(elsewhere));
    await joined(stranger, foreignChannel);
    const seqs = [await h.eventLog.latestSeq(ws), await h.eventLog.latestSeq(elsewhere)];
    const snapshots = [await h.signalling.voiceRooms(ws), await h.signalling.voiceRooms(elsewhere)];

    // Ada names a room of her workspace she is not in, another workspace's room, and a channel that exists nowhere.
    for (const target of [lounge, foreignChannel, randomUUID()]) {
      ada.send({ type: 'voice.state', channelId: target, selfMuted: true, selfDeafened: true });
      expect(await ada.next('error')).toEqual({
        type: 'error',
        code: 'not_found',
        message: 'You are not in that room.',
      });
    }
    // A member of another workspace names Ada's room.
    stranger.send({ type: 'voice.state', channelId, selfMuted: true, selfDeafened: true });
    expect((await stranger.next('error')).code).toBe('not_found');
    // The watcher is in no room at all.
    watcher.send({ type: 'voice.state', channelId, selfMuted: true, selfDeafened: false });
    expect((await watcher.next('error')).code).toBe('not_found');

    for (const client of [ada, bob, watcher, stranger]) await client.barrier();
    expect([await h.eventLog.latestSeq(ws), await h.eventLog.latestSeq(elsewhere)]).toEqual(seqs);
    expect([await h.signalling.voiceRooms(ws), await h.signalling.voiceRooms(elsewhere)]).toEqual(snapshots);
    for (const client of [ada, bob, watcher, stranger]) expect(voiceEvents(client)).toEqual([]);
  });

  it.each([
    [
      'a string for a boolean',
      (channelId: string) => ({ type: 'voice.state', channelId, selfMuted: 'yes', selfDeafened: false }),
    ],
    ['a missing field', (channelId: string) => ({ type: 'voice.state', channelId, selfMuted: true })],
    [
      'an extra field',
      (channelId: string) => ({
        type: 'voice.state',
        channelId,
        selfMuted: true,
        selfDeafened: false,
        userId: randomUUID(),
      }),
    ],
    ['a non-random channel id', () => ({ type: 'voice.state', channelId: '1', selfMuted: true, selfDeafened: false })],
    [
      'an oversized field inside the frame limit',
      (channelId: string) => ({
        type: 'voice.state',
        channelId,
        selfMuted: true,
        selfDeafened: false,
        note: 'x'.repeat(60_000),
      }),
    ],
  ])('refuses %s with invalid_message and changes nothing', async (_name, make) => {
    const { ws, channelId, ada, bob } = await room();
    const seq = await h.eventLog.latestSeq(ws);
    const snapshot = await h.signalling.voiceRooms(ws);
    ada.send(JSON.stringify(make(channelId)));
    expect((await ada.next('error')).code).toBe('invalid_message');
    await ada.barrier();
    await bob.barrier();
    expect(await h.eventLog.latestSeq(ws)).toBe(seq);
    expect(await h.signalling.voiceRooms(ws)).toEqual(snapshot);
    expect(voiceEvents(bob)).toEqual([]);
  });

  it('closes the connection (1009) on an oversized frame, and the room forgets it without any mute', async () => {
    const { ws, channelId, ada, bob } = await room();
    const padding = 'x'.repeat(WS_MAX_FRAME_BYTES);
    ada.send(JSON.stringify({ type: 'voice.state', channelId, selfMuted: true, selfDeafened: true, padding }));
    expect((await ada.closed).code).toBe(1009);
    await bob.next('room.peerLeft', (m) => m.peerId === ada.connectionId);
    expect(voiceEvents(bob)).toEqual([]);
    expect((await h.signalling.voiceRooms(ws))[0]?.peers).toEqual([
      { peerId: bob.connectionId, userId: expect.any(String), selfMuted: false, selfDeafened: false },
    ]);
  });

  it('refuses changes beyond its own rate limit with rate_limited, keeping the last accepted state', async () => {
    const { ws, channelId, ada, bob } = await room();
    // The limit is 4 at once here (refill is negligible): the fifth change is dropped.
    const states = [true, false, true, false, true];
    for (const selfMuted of states) ada.send({ type: 'voice.state', channelId, selfMuted, selfDeafened: false });
    expect(await ada.next('error')).toMatchObject({ code: 'rate_limited' });
    await ada.barrier();
    await bob.barrier();
    await expect.poll(() => voiceEvents(bob).length).toBe(4);
    expect(voiceEvents(bob).map((event) => event.selfMuted)).toEqual([true, false, true, false]);
    expect(
      (await h.signalling.voiceRooms(ws))[0]?.peers.find((peer) => peer.peerId === ada.connectionId),
    ).toMatchObject({
      selfMuted: false,
    });
  });

  it("keeps a member's state when a moderator moves them to another room", async () => {
    const { ws, channelId, ada, adaClaims, watcher } = await room();
    ada.send({ type: 'voice.state', channelId, selfMuted: true, selfDeafened: true });
    await watcher.next('event', (m) => m.event.type === 'room.voiceState');
    const stage = h.world.channel(ws);
    await h.signalling.moveMember(ws, adaClaims.userId, stage);
    const moved = await watcher.next(
      'event',
      (m) => m.event.type === 'room.memberJoined' && m.event.payload.channelId === stage,
    );
    expect(moved.event.payload).toMatchObject({ selfMuted: true, selfDeafened: true });
  });
});

describe('removal from a workspace', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate });
  });
  afterAll(() => h.close());

  it('closes with 4004 (removed), not 4001 (session ended), so the app can say what happened', async () => {
    const ws = h.world.workspace();
    const claims = h.world.member(ws);
    const client = await h.connect(claims);
    expect(h.signalling.closeUser(claims.userId, ws)).toBe(1);
    expect(await client.closed).toEqual({ code: 4004, reason: 'removed from workspace' });
    const everywhere = await h.connect({ ...claims, workspaceId: h.world.workspace() });
    expect(h.signalling.closeUser(claims.userId)).toBe(1);
    expect((await everywhere.closed).code).toBe(4001);
  });
});
