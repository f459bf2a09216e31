import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsProtocolsFor } from '../../shared/ws';
import type { RunningServer } from '../../main/server/serverApp';
import { TestClient as WsClient } from '../../main/server/signalling/testing/signallingHarness';
import { createTurnTestClient } from '../../main/server/turn/testing/turnTestClient';
import { startTestCluster, type TestCluster } from '../support/clusterHarness';
import { expectError, prepareCall, rawRequest, signedHeaders } from '../support/rawServerClient';
import { signIn, signUpAndIn, twoMembersInChannel, type TestClient } from '../support/serverHarness';

/**
 * Two server nodes on one PostgreSQL and one Redis, as behind a load balancer: attacks that try one node against
 * the other (each asserting the refusal and that nothing changed), and what must work across them (events,
 * resume, voice signalling, sign-out, server mutes).
 */

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0',
  'a=candidate:3 1 udp 41885439 127.0.0.1 50123 typ relay raddr 0.0.0.0 rport 0 generation 0',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

/** Fresh account names: every test signs up its own people in the cluster's one database. */
let counter = 0;
function names(): [string, string] {
  counter += 1;
  return [`ada${counter}`, `bob${counter}`];
}

/** Opens a WSS with the ticket and says whether the server took it (101) or refused it (its HTTP status). */
function upgrade(node: RunningServer, ticket: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${node.port}/v1/ws`, wsProtocolsFor(ticket), {
      rejectUnauthorized: false,
    });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('two nodes, one PostgreSQL, one Redis', () => {
  let c: TestCluster;
  let one: RunningServer;
  let two: RunningServer;
  beforeAll(async () => {
    c = await startTestCluster({ nodes: 2 });
    [one, two] = c.nodes as [RunningServer, RunningServer];
  });
  afterAll(async () => {
    await c?.close();
  });

  /** What a refused cross-node request must not have changed in the workspace. */
  async function workspaceState(workspaceId: string) {
    const scope = one.store.forWorkspace(workspaceId);
    return {
      channels: (await scope.channels.list()).map((channel) => channel.id).sort(),
      members: (await scope.members.list()).map((member) => `${member.userId}:${member.role}`).sort(),
      events: await scope.events.latestSeq(),
      audit: (await one.store.audit.head()).seq,
    };
  }

  describe('attacks across nodes', () => {
    it('refuses a signed request replayed to the other node: 401 replayed_nonce, and nothing changed', async () => {
      const { owner, workspace } = await twoMembersInChannel(one, names());
      const call = prepareCall(owner, 'createChannel', {
        params: { workspaceId: workspace.id },
        body: { name: 'replayed', relayOnly: true },
      });
      const headers = signedHeaders(owner, call);
      const first = await rawRequest(one, { method: call.method, path: call.path, body: call.body, headers });
      expect(first.status).toBe(201);
      const before = await workspaceState(workspace.id);

      const replay = await rawRequest(two, { method: call.method, path: call.path, body: call.body, headers });
      expectError(replay, 401, 'replayed_nonce');
      expect(await workspaceState(workspace.id)).toEqual(before);
    });

    it('opens one socket for one ticket presented to both nodes at once; the other gets 401', async () => {
      const { owner, workspace } = await twoMembersInChannel(one, names());
      const { ticket } = await owner.call('wsTicket', { body: { workspaceId: workspace.id } });
      const sockets = () => one.signalling.connectionCount() + two.signalling.connectionCount();
      const before = sockets();
      const [a, b] = await Promise.all([upgrade(one, ticket), upgrade(two, ticket)]);
      expect([a.status, b.status].sort()).toEqual([101, 401]);
      expect(sockets()).toBe(before + 1);
      // Used up on both: a third try on either node is refused too, and opens nothing.
      expect((await upgrade(one, ticket)).status).toBe(401);
      expect((await upgrade(two, ticket)).status).toBe(401);
      expect(sockets()).toBe(before + 1);
      a.ws?.terminate();
      b.ws?.terminate();
      // And a ticket minted through one node opens a socket on the other: the nodes share one ticket store.
      const elsewhere = await owner.call('wsTicket', { body: { workspaceId: workspace.id } });
      const opened = await upgrade(two, elsewhere.ticket);
      expect(opened.status).toBe(101);
      opened.ws?.terminate();
    });

    it('revokes the family when a used refresh token comes back through the other node, and closes its sockets', async () => {
      const { owner: ada, workspace } = await twoMembersInChannel(one, names());
      const again = await signIn(one, ada.email, ada.password);
      const used = again.grant.refreshToken;
      const { session: next } = await c.on(one, again)('refresh', { body: { refreshToken: used } });
      // The device carries on with the rotated session, and has a socket on node one with it.
      const device = c.rotated(again, next);
      const socket = await c.connect(one, device, workspace.id);
      const activeBefore = (await one.store.sessions.listActive(ada.user.id)).map((s) => s.id);
      expect(activeBefore).toContain(next.id);

      // A thief replays the used token to node two.
      await expect(c.on(two, again)('refresh', { body: { refreshToken: used } })).rejects.toMatchObject({
        code: 'invalid_refresh_token',
      });
      // The whole family is gone, on both nodes: the rotated token and its session fail everywhere.
      await expect(c.on(one, device)('refresh', { body: { refreshToken: next.refreshToken } })).rejects.toMatchObject({
        code: 'invalid_refresh_token',
      });
      await expect(c.on(one, device)('listSessions')).rejects.toMatchObject({ status: 401 });
      const activeAfter = (await one.store.sessions.listActive(ada.user.id)).map((s) => s.id);
      expect(activeAfter).toEqual(activeBefore.filter((id) => id !== next.id));
      // The socket on node one, opened by that family, is closed by node two's detection.
      expect((await socket.closed).code).toBe(4001);
    });

    it("answers a member of workspace A asking the other node for workspace B's ids like ids that do not exist", async () => {
      const a = await twoMembersInChannel(one, names());
      const b = await twoMembersInChannel(two, names());
      const before = await workspaceState(b.workspace.id);
      const onTwo = c.on(two, a.member);
      const refusals = [
        onTwo('listChannels', { params: { workspaceId: b.workspace.id } }),
        onTwo('listMembers', { params: { workspaceId: b.workspace.id } }),
        onTwo('voiceRooms', { params: { workspaceId: b.workspace.id } }),
        onTwo('wsTicket', { body: { workspaceId: b.workspace.id } }),
        onTwo('voiceCredentials', { body: { channelId: b.channel.id } }),
        onTwo('createChannel', { params: { workspaceId: b.workspace.id }, body: { name: 'intruder' } }),
      ];
      // Settled together: a refusal that arrives while an earlier one is awaited must not count as unhandled.
      for (const outcome of await Promise.allSettled(refusals)) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { status: 404 } });
      }
      expect(await workspaceState(b.workspace.id)).toEqual(before);
    });
  });

  describe('working across nodes', () => {
    it('carries offer, answer and candidates between members connected to different nodes', async () => {
      const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      const a = await c.connect(one, ada, workspace.id);
      const b = await c.connect(two, bob, workspace.id);
      a.send({ type: 'room.join', channelId: channel.id });
      expect(await a.next('room.joined')).toMatchObject({ peers: [] });
      b.send({ type: 'room.join', channelId: channel.id });
      expect((await b.next('room.joined')).peers).toEqual([
        { peerId: a.connectionId, userId: ada.user.id, selfMuted: false, selfDeafened: false },
      ]);
      await a.next('room.peerJoined', (m) => m.peer.peerId === b.connectionId);
      // Both nodes list the room the same way.
      for (const node of [one, two]) {
        const rooms = await node.signalling.voiceRooms(workspace.id);
        expect(
          rooms
            .find((room) => room.channelId === channel.id)
            ?.peers.map((p) => p.peerId)
            .sort(),
        ).toEqual([a.connectionId, b.connectionId].sort());
      }

      b.send({ type: 'signal', channelId: channel.id, to: a.connectionId, description: { type: 'offer', sdp: SDP } });
      const offer = await a.next('signal', (m) => m.description?.type === 'offer');
      expect(offer.from).toBe(b.connectionId);
      // The relay-only policy holds across nodes: the host candidate is gone, the relay one stays.
      expect(offer.description?.sdp).not.toContain('typ host');
      expect(offer.description?.sdp).toContain('typ relay');
      a.send({ type: 'signal', channelId: channel.id, to: b.connectionId, description: { type: 'answer', sdp: SDP } });
      expect((await b.next('signal', (m) => m.description?.type === 'answer')).from).toBe(a.connectionId);
      const relay = 'candidate:3 1 udp 41885439 127.0.0.1 50123 typ relay raddr 0.0.0.0 rport 0 generation 0';
      const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0';
      a.send({
        type: 'signal',
        channelId: channel.id,
        to: b.connectionId,
        candidate: { candidate: host, sdpMid: '0' },
      });
      a.send({
        type: 'signal',
        channelId: channel.id,
        to: b.connectionId,
        candidate: { candidate: relay, sdpMid: '0' },
      });
      expect((await b.next('signal', (m) => m.candidate !== undefined)).candidate?.candidate).toBe(relay);
      await b.barrier();
      expect(b.of('signal').filter((m) => m.candidate?.candidate === host)).toEqual([]);

      b.send({ type: 'room.leave', channelId: channel.id });
      await a.next('room.peerLeft', (m) => m.peerId === b.connectionId);
      a.ws.close();
      b.ws.close();
    });

    it('delivers an event posted through one node to a socket on the other, and shows presence from both', async () => {
      const { owner: ada, member: bob, workspace } = await twoMembersInChannel(one, names());
      const b = await c.connect(two, bob, workspace.id);
      const { channel } = await c.on(one, ada)('createChannel', {
        params: { workspaceId: workspace.id },
        body: { name: 'from-one', kind: 'text' },
      });
      const event = await b.next('event', (m) => m.event.type === 'channel.created');
      expect(event.event.type === 'channel.created' && event.event.payload.channel.id).toBe(channel.id);
      // Bob is online through node two; node one's member list says so.
      const { members } = await c.on(one, ada)('listMembers', { params: { workspaceId: workspace.id } });
      expect(members.find((m) => m.userId === bob.user.id)?.online).toBe(true);
      expect(members.find((m) => m.userId === ada.user.id)?.online).toBe(false);
      b.ws.close();
    });

    it('resumes a client that reconnects to the other node with no gap and no duplicate', async () => {
      const { owner: ada, member: bob, workspace } = await twoMembersInChannel(one, names());
      const first = await c.connect(one, bob, workspace.id);
      const post = (node: RunningServer, name: string) =>
        c.on(node, ada)('createChannel', { params: { workspaceId: workspace.id }, body: { name, kind: 'text' } });
      await post(one, 'before-1');
      await post(two, 'before-2');
      await first.next(
        'event',
        (m) => m.event.type === 'channel.created' && m.event.payload.channel.name === 'before-2',
      );
      const seen = first.of('event').map((m) => m.event.seq);
      const lastSeq = Math.max(...seen);
      first.ws.close();
      await first.closed;

      // Missed while away, posted through both nodes.
      const missed = [];
      for (const [index, node] of [one, two, one, two].entries()) missed.push(await post(node, `away-${index}`));

      const { ticket } = await c.on(one, bob)('wsTicket', { body: { workspaceId: workspace.id } });
      const ws = new WebSocket(`wss://127.0.0.1:${two.port}/v1/ws`, wsProtocolsFor(ticket), {
        rejectUnauthorized: false,
      });
      const second = new WsClient(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      second.send({ type: 'resume', workspaceId: workspace.id, lastSeq });
      expect((await second.next('welcome')).seq).toBe(lastSeq);
      await post(one, 'live');
      await second.next('event', (m) => m.event.type === 'channel.created' && m.event.payload.channel.name === 'live');
      const resumed = second.of('event').map((m) => m.event.seq);
      // Every sequence after the cursor exactly once, in order: no gap, no duplicate, whichever node appended it.
      expect(resumed).toEqual(Array.from({ length: resumed.length }, (_, i) => lastSeq + 1 + i));
      const createdNames = second
        .of('event')
        .flatMap((m) => (m.event.type === 'channel.created' ? [m.event.payload.channel.name] : []));
      expect(createdNames).toEqual([...missed.map((m) => m.channel.name), 'live']);
      second.ws.close();
    });

    it("closes the user's socket on the other node, and ends their allocation on its relay, at sign-out", async () => {
      const { member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      const socket = await c.connect(two, bob, workspace.id);
      // Credentials minted through node one; the allocation is on node two's relay (the relay secret is shared).
      const { iceServers } = await c.on(one, bob)('voiceCredentials', { body: { channelId: channel.id } });
      const server = iceServers[0];
      const turn = await createTurnTestClient({
        server: two.relay!.addresses.udp!,
        transport: 'udp',
        username: server!.username,
        password: server!.credential,
      });
      expect((await turn.allocate()).answer.errorCode).toBeNull();
      const active = () => two.relay!.stats().allocations.active;
      expect(active()).toBeGreaterThanOrEqual(1);
      const before = active();

      const started = performance.now();
      await c.on(one, bob)('signOut', { body: {} });
      const closed = await socket.closed;
      const closedAfterMs = performance.now() - started;
      expect(closed.code).toBe(4001);
      await expect.poll(active, { timeout: 1_000 }).toBe(before - 1);
      // The bound: a sign-out through one node reaches the other's sockets and relay within a second.
      expect(closedAfterMs).toBeLessThan(1_000);
      await turn.close();
    });

    it('blocks a server-muted member on both nodes while they are in voice through either', async () => {
      const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      const b = await c.connect(two, bob, workspace.id);
      b.send({ type: 'room.join', channelId: channel.id });
      await b.next('room.joined');
      await c.on(one, ada)('voiceMuteMember', { params: { workspaceId: workspace.id, userId: bob.user.id } });
      for (const node of [one, two]) await expect.poll(() => node.signalling.isMediaBlocked(bob.user.id)).toBe(true);
      b.send({ type: 'room.leave', channelId: channel.id });
      await b.next('room.left');
      for (const node of [one, two]) await expect.poll(() => node.signalling.isMediaBlocked(bob.user.id)).toBe(false);
      b.ws.close();
    });

    it('lets every node know who is in voice by the time the member hears room.joined and room.left', async () => {
      const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      await c.on(one, ada)('voiceMuteMember', { params: { workspaceId: workspace.id, userId: bob.user.id } });
      const b = await c.connect(two, bob, workspace.id);
      b.send({ type: 'room.join', channelId: channel.id });
      await b.next('room.joined');
      // No waiting: node one's relay asks this question synchronously, the moment media arrives.
      expect(one.signalling.isMediaBlocked(bob.user.id)).toBe(true);
      b.send({ type: 'room.leave', channelId: channel.id });
      await b.next('room.left');
      expect(one.signalling.isMediaBlocked(bob.user.id)).toBe(false);
      b.ws.close();
    });

    it('shows a member the events its own join caused before the answer to the next message it sends', async () => {
      const { member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      const b = await c.connect(two, bob, workspace.id);
      // Sent together: the barrier's answer must not overtake the event the join appended and published.
      b.send({ type: 'room.join', channelId: channel.id });
      await b.barrier();
      const types = b.received.map((m) => (m.type === 'event' ? m.event.type : m.type));
      expect(types.slice(types.indexOf('room.joined'))).toEqual(['room.joined', 'room.memberJoined', 'room.left']);
      b.ws.close();
    });

    it('moves a member whose socket is on the other node', async () => {
      const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(one, names());
      const { channel: standup } = await ada.call('createChannel', {
        params: { workspaceId: workspace.id },
        body: { name: 'Standup' },
      });
      const b = await c.connect(two, bob, workspace.id);
      b.send({ type: 'room.join', channelId: channel.id });
      await b.next('room.joined');
      await c.on(one, ada)('voiceMoveMember', {
        params: { workspaceId: workspace.id, userId: bob.user.id },
        body: { channelId: standup.id },
      });
      await b.next('room.left', (m) => m.channelId === channel.id);
      await b.next('room.joined', (m) => m.channelId === standup.id);
      b.ws.close();
    });
  });
});

describe('a rate limit split across nodes', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster({
      nodes: 2,
      overrides: {
        rateLimits: {
          default: {
            ip: { capacity: 10_000, refillPerSecond: 1000 },
            session: { capacity: 8, refillPerSecond: 0.001 },
          },
          auth: {
            ip: { capacity: 10_000, refillPerSecond: 1000 },
            session: { capacity: 10_000, refillPerSecond: 1000 },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await c?.close();
  });

  it('lets through what one bucket allows, summed over both nodes; the rest get 429 and change nothing', async () => {
    const [one, two] = c.nodes as [RunningServer, RunningServer];
    const setup = await signUpAndIn(one, 'ada');
    const { workspace } = await setup.call('createWorkspace', { body: { slug: 'split-limit', name: 'Split' } });
    // A fresh session: a full bucket of 8.
    const ada: TestClient = await signIn(one, setup.email, setup.password);
    const calls = Array.from({ length: 12 }, (_, index) =>
      c
        .on(index % 2 === 0 ? one : two, ada)('createChannel', {
          params: { workspaceId: workspace.id },
          body: { name: `c${index}`, kind: 'text' },
        })
        .then(
          () => 201,
          (error: { status?: number }) => error.status ?? 0,
        ),
    );
    const statuses = await Promise.all(calls);
    expect(statuses.filter((status) => status === 201)).toHaveLength(8);
    expect(statuses.filter((status) => status === 429)).toHaveLength(4);
    const channels = await one.store.forWorkspace(workspace.id).channels.list();
    expect(channels).toHaveLength(8);
  });
});
