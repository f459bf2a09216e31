import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/server/serverApp';
import { startTestCluster, type TestCluster } from '../support/clusterHarness';
import { expectError, prepareCall, rawRequest, signedHeaders } from '../support/rawServerClient';
import { startRedis, type RedisServer } from '../support/redis';
import { twoMembersInChannel } from '../support/serverHarness';
import { TEST_WAIT_MS } from '../support/testDeadlines';

/**
 * Faults in a cluster of three nodes with a Redis of its own: Redis restarted (empty) mid-test, and a node that
 * dies without a goodbye. Nodes notice a silent peer after 1.5 s here (15 s in production).
 */
describe('faults in a three-node cluster', () => {
  let redis: RedisServer;
  let c: TestCluster;
  let one: RunningServer;
  let two: RunningServer;
  let three: RunningServer;
  beforeAll(async () => {
    redis = await startRedis({ tag: 'faults' });
    c = await startTestCluster({ nodes: 3, redisUrl: redis.url, liveness: { ttlMs: 1_500, intervalMs: 300 } });
    [one, two, three] = c.nodes as [RunningServer, RunningServer, RunningServer];
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await redis?.stop();
  });

  const ready = async (node: RunningServer) => (await rawRequest(node, { method: 'GET', path: '/v1/ready' })).status;

  it('refuses while Redis is down (503, nothing changed), and recovers by itself with nothing accepted lost', async () => {
    const { owner: ada, member: bob, workspace } = await twoMembersInChannel(one, ['ada-r', 'bob-r']);
    const bobSocket = await c.connect(two, bob, workspace.id);
    const post = (name: string) =>
      c.on(one, ada)('createChannel', { params: { workspaceId: workspace.id }, body: { name, kind: 'text' } });
    const accepted = await post('before');
    await bobSocket.next('event', (m) => m.event.type === 'channel.created');
    const scope = one.store.forWorkspace(workspace.id);
    const state = async () => ({
      channels: (await scope.channels.list()).map((channel) => channel.name).sort(),
      events: await scope.events.latestSeq(),
    });

    await redis.kill(true);
    const before = await state();
    for (const node of [one, two]) {
      const call = prepareCall(ada, 'createChannel', {
        params: { workspaceId: workspace.id },
        body: { name: 'while-down', kind: 'text' },
      });
      const refused = await rawRequest(node, {
        method: call.method,
        path: call.path,
        body: call.body,
        headers: signedHeaders(ada, call),
      });
      expectError(refused, 503, 'shared_state_unavailable');
      expect(refused.headers['retry-after']).toBe('2');
    }
    // Sign-in needs the throttle's counts: refused too, not let through unchecked.
    await expect(
      c.on(two, ada)('signIn', { body: { email: ada.email, password: ada.password } }),
    ).rejects.toMatchObject({ status: 503 });
    expect(await state()).toEqual(before);
    await expect.poll(() => ready(one), { timeout: TEST_WAIT_MS }).toBe(503);
    expect((await rawRequest(one, { method: 'GET', path: '/v1/health' })).status).toBe(200);

    // Redis comes back empty, as one without persistence does.
    await redis.start();
    await expect.poll(() => ready(one), { timeout: TEST_WAIT_MS }).toBe(200);
    await expect.poll(() => ready(two), { timeout: TEST_WAIT_MS }).toBe(200);
    // Presence is rebuilt by the nodes' heartbeats: Bob, still connected through node two, is online again.
    await expect
      .poll(
        async () =>
          (await c.on(one, ada)('listMembers', { params: { workspaceId: workspace.id } })).members.find(
            (m) => m.userId === bob.user.id,
          )?.online,
        { timeout: TEST_WAIT_MS },
      )
      .toBe(true);
    // Events flow between nodes again, and Bob's socket, which lived through the outage, has every one exactly once.
    const after = await post('after');
    await bobSocket.next(
      'event',
      (m) => m.event.type === 'channel.created' && m.event.payload.channel.id === after.channel.id,
      5_000,
    );
    const seqs = bobSocket.of('event').map((m) => m.event.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i));
    // What was accepted before the outage is still there.
    expect((await scope.channels.list()).map((channel) => channel.id)).toContain(accepted.channel.id);
    bobSocket.ws.close();
  }, 60_000);

  it('removes a dead node’s sockets from presence and voice rooms, and tells the others once', async () => {
    const { owner: ada, member: cyd, workspace, channel } = await twoMembersInChannel(one, ['ada-d', 'cyd-d']);
    const adaSocket = await c.connect(one, ada, workspace.id);
    adaSocket.send({ type: 'room.join', channelId: channel.id });
    await adaSocket.next('room.joined');
    const cydSocket = await c.connect(three, cyd, workspace.id);
    cydSocket.send({ type: 'room.join', channelId: channel.id });
    await cydSocket.next('room.joined');
    await adaSocket.next('room.peerJoined', (m) => m.peer.peerId === cydSocket.connectionId);

    await c.crash(three);
    await adaSocket.next('room.peerLeft', (m) => m.peerId === cydSocket.connectionId, 10_000);
    await adaSocket.next(
      'event',
      (m) => m.event.type === 'member.offline' && m.event.payload.userId === cyd.user.id,
      10_000,
    );
    const { members } = await c.on(two, ada)('listMembers', { params: { workspaceId: workspace.id } });
    expect(members.find((m) => m.userId === cyd.user.id)?.online).toBe(false);
    const rooms = await two.signalling.voiceRooms(workspace.id);
    expect(rooms.flatMap((room) => room.peers.map((peer) => peer.userId))).toEqual([ada.user.id]);
    // Once: two survivors looked, one event each.
    await adaSocket.barrier();
    const offline = adaSocket
      .of('event')
      .filter((m) => m.event.type === 'member.offline' && m.event.payload.userId === cyd.user.id);
    expect(offline).toHaveLength(1);
    adaSocket.ws.close();
  }, 60_000);
});
