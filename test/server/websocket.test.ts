import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE_CODES, WS_MAX_FRAME_BYTES, WS_SUBPROTOCOL, wsProtocolsFor } from '../../shared/ws';
import {
  attemptUpgrade,
  connectSocket,
  mintTicket,
  openSocket,
  type UpgradeOutcome,
  type WsTestClient,
} from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Attacks on the WSS signalling endpoint of the real server: the upgrade gate refuses before a socket exists, a
 * socket acts only inside its own workspace, relay-only rooms never forward host or server-reflexive addresses,
 * and protocol abuse or sign-out ends the socket.
 */

let t: TestServer;
/** Owner of workspace A; eve is a member of A. */
let alice: TestClient;
let eve: TestClient;
/** Owner of workspace B. */
let bob: TestClient;
let wsA: string;
let wsB: string;
let relayChannelA: string;
let openChannelA: string;
let channelB: string;
const sockets: WsTestClient[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const signUp = (name: string) => signUpAndIn(t.server, name);
  [alice, eve, bob] = await Promise.all([signUp('alice'), signUp('eve'), signUp('bob')]);
  wsA = (await alice.call('createWorkspace', { body: { slug: 'ws-a', name: 'A' } })).workspace.id;
  wsB = (await bob.call('createWorkspace', { body: { slug: 'ws-b', name: 'B' } })).workspace.id;
  const channel = (workspaceId: string, owner: TestClient, name: string, relayOnly: boolean) =>
    owner.call('createChannel', { params: { workspaceId }, body: { name, relayOnly } }).then((r) => r.channel.id);
  relayChannelA = await channel(wsA, alice, 'relay', true);
  openChannelA = await channel(wsA, alice, 'direct', false);
  channelB = await channel(wsB, bob, 'b', true);
  const invite = await alice.call('createInvite', { params: { workspaceId: wsA }, body: {} });
  await eve.call('acceptInvite', { body: { code: invite.code } });
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await t?.close();
});

async function openSocketFor(client: TestClient, workspaceId: string) {
  const socket = await openSocket(t.server, client, workspaceId);
  sockets.push(socket);
  return socket;
}

async function connect(client: TestClient, workspaceId: string) {
  const { socket } = await connectSocket(t.server, client, workspaceId);
  sockets.push(socket);
  return socket;
}

/** A refusal seen by the `ws` client as 'unexpected-response', with no 'open' ever (checked after a pause). */
async function expectRefused(outcome: UpgradeOutcome, status: number, code: string) {
  if (outcome.kind === 'open') {
    outcome.ws.terminate();
    throw new Error(`the upgrade was accepted; expected ${status} ${code}`);
  }
  expect({ status: outcome.status, body: outcome.json }).toStrictEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  await sleep(50);
  expect(outcome.openedLater()).toBe(false);
}

const sameConnections = () => t.server.signalling.connectionCount();

/** Waits until the server has noticed the sockets this file closed, so connection counts compare exactly. */
async function settled() {
  const open = sockets.filter((s) => s.ws.readyState === s.ws.OPEN).length;
  for (let i = 0; i < 100 && sameConnections() > open; i += 1) await sleep(10);
}

describe('the upgrade gate', () => {
  it('opens a socket with a fresh ticket from the API (the control)', async () => {
    const minted = await mintTicket(alice, wsA);
    const outcome = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
    expect(outcome.kind).toBe('open');
    if (outcome.kind === 'open') {
      expect(outcome.ws.protocol).toBe(WS_SUBPROTOCOL);
      outcome.ws.terminate();
    }
    await settled();
  });

  it('refuses an upgrade without a ticket (401) before any socket exists', async () => {
    const before = sameConnections();
    await expectRefused(await attemptUpgrade(t.server, { protocols: [WS_SUBPROTOCOL] }), 401, 'missing_ticket');
    await expectRefused(await attemptUpgrade(t.server, { protocols: [] }), 401, 'missing_ticket');
    expect(sameConnections()).toBe(before);
  });

  it('refuses a garbage ticket (401)', async () => {
    const before = sameConnections();
    for (const garbage of ['garbage', 'A'.repeat(43), randomUUID()]) {
      const outcome = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(garbage) });
      await expectRefused(outcome, 401, 'invalid_ticket');
    }
    expect(sameConnections()).toBe(before);
  });

  it('refuses a ticket that was already used (401)', async () => {
    const minted = await mintTicket(alice, wsA);
    const first = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
    expect(first.kind).toBe('open');
    if (first.kind === 'open') first.ws.terminate();
    await settled();
    const second = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
    await expectRefused(second, 401, 'invalid_ticket');
  });

  it('refuses a ticket in the URL query (400), and burns it so the leaked copy never works', async () => {
    const minted = await mintTicket(alice, wsA);
    const before = sameConnections();
    const inQuery = await attemptUpgrade(t.server, {
      protocols: wsProtocolsFor(minted.ticket),
      path: `${minted.path}?ticket=${minted.ticket}`,
    });
    await expectRefused(inQuery, 400, 'query_not_allowed');
    const later = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
    await expectRefused(later, 401, 'invalid_ticket');
    // Only in the query, with no ticket protocol at all: still refused, still burnt.
    const other = await mintTicket(alice, wsA);
    const onlyQuery = await attemptUpgrade(t.server, {
      protocols: [WS_SUBPROTOCOL],
      path: `${other.path}?t=${other.ticket}`,
    });
    await expectRefused(onlyQuery, 400, 'query_not_allowed');
    const afterwards = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(other.ticket), path: other.path });
    await expectRefused(afterwards, 401, 'invalid_ticket');
    expect(sameConnections()).toBe(before);
  });

  it('refuses a ticket minted for a session that then signed out (401)', async () => {
    const frank = await signUpAndIn(t.server, 'frank');
    const invite = await alice.call('createInvite', { params: { workspaceId: wsA }, body: {} });
    await frank.call('acceptInvite', { body: { code: invite.code } });
    const minted = await mintTicket(frank, wsA);
    await frank.call('signOut');
    const before = sameConnections();
    const outcome = await attemptUpgrade(t.server, { protocols: wsProtocolsFor(minted.ticket), path: minted.path });
    // Sign-out voids the session's tickets (invalid_ticket); one consumed mid-sign-out is caught as session_ended.
    const code = outcome.kind === 'refused' ? (outcome.json as { error?: { code?: string } }).error?.code : 'opened';
    expect(['invalid_ticket', 'session_ended']).toContain(code);
    await expectRefused(outcome, 401, code!);
    expect(sameConnections()).toBe(before);
  });
});

describe('a socket stays inside its workspace', () => {
  it('a member of A joining a channel of B gets not_found, exactly like a random channel, and joins nothing', async () => {
    const bobSocket = await connect(bob, wsB);
    bobSocket.send({ type: 'room.join', channelId: channelB });
    await bobSocket.next('room.joined');
    // The join's event is logged after room.joined is sent: wait for it, or it lands after seqB is read.
    await bobSocket.next('event', (m) => m.event.type === 'room.memberJoined');
    const seqB = await t.server.store.forWorkspace(wsB).events.latestSeq();
    const seqA = await t.server.store.forWorkspace(wsA).events.latestSeq();

    const aliceSocket = await connect(alice, wsA);
    aliceSocket.send({ type: 'room.join', channelId: channelB });
    const foreign = await aliceSocket.next('error');
    aliceSocket.send({ type: 'room.join', channelId: randomUUID() });
    const random = await aliceSocket.next('error');
    expect(foreign).toEqual({ type: 'error', code: 'not_found', message: expect.any(String) });
    expect(foreign).toEqual(random);

    // No membership: alice is in no room, bob's room heard of no one, neither workspace logged a join.
    await aliceSocket.barrier();
    await bobSocket.barrier();
    expect(aliceSocket.of('room.joined')).toEqual([]);
    expect(bobSocket.of('room.peerJoined')).toEqual([]);
    const eventsB = await t.server.store.forWorkspace(wsB).events.since(seqB, 100);
    expect(eventsB).toEqual([]);
    const eventsA = await t.server.store.forWorkspace(wsA).events.since(seqA, 100);
    expect(eventsA.filter((e) => e.type.startsWith('room.'))).toEqual([]);
    // Signalling to bob's peer id from outside the room is refused like a random peer id, and never delivered.
    const offer = { type: 'offer', sdp: 'v=0\r\n' } as const;
    aliceSocket.send({ type: 'signal', channelId: channelB, to: bobSocket.connectionId, description: offer });
    const toBob = await aliceSocket.next('error');
    aliceSocket.send({ type: 'signal', channelId: channelB, to: randomUUID(), description: offer });
    expect(toBob).toEqual(await aliceSocket.next('error'));
    expect(toBob.code).toBe('not_found');
    await bobSocket.barrier();
    expect(bobSocket.of('signal')).toEqual([]);
  });
});

describe('a socket cannot read another workspace', () => {
  it("refuses resume with another workspace's id on a ticket for A, and sends none of B's events", async () => {
    const socket = await openSocketFor(alice, wsA);
    socket.send({ type: 'resume', workspaceId: wsB, lastSeq: 0 });
    expect((await socket.next('error')).code).toBe('invalid_message');
    // The connection never started: nothing of B (or A) was replayed to it.
    await bob.call('createChannel', { params: { workspaceId: wsB }, body: { name: 'secret-b' } });
    socket.send({ type: 'room.join', channelId: channelB });
    expect((await socket.next('error')).code).toBe('invalid_state');
    expect(socket.of('event')).toEqual([]);
    expect(socket.of('welcome')).toEqual([]);
  });
});

const HOST = 'candidate:1 1 udp 2122260223 192.168.1.10 54321 typ host generation 0';
const SRFLX = 'candidate:2 1 udp 1686052607 203.0.113.5 54321 typ srflx raddr 192.168.1.10 rport 54321';
/** A relay candidate on the address the server hands out TURN credentials for (what a real client gathers). */
const relayCandidate = () =>
  `candidate:3 1 udp 41885439 ${t.server.config.relay.host ?? t.server.config.publicHost} 50000 typ relay raddr 203.0.113.5 rport 54321`;

describe('relay-only rooms', () => {
  async function pairIn(channelId: string) {
    const sender = await connect(alice, wsA);
    const receiver = await connect(eve, wsA);
    receiver.send({ type: 'room.join', channelId });
    await receiver.next('room.joined');
    sender.send({ type: 'room.join', channelId });
    const joined = await sender.next('room.joined');
    expect(joined.peers.map((p) => p.peerId)).toContain(receiver.connectionId);
    return { sender, receiver };
  }

  const candidate = (channelId: string, to: string, text: string) =>
    ({ type: 'signal', channelId, to, candidate: { candidate: text, sdpMid: '0', sdpMLineIndex: 0 } }) as const;

  it('drops host and srflx candidates and forwards the relay one', async () => {
    const RELAY = relayCandidate();
    const { sender, receiver } = await pairIn(relayChannelA);
    for (const text of [HOST, SRFLX, RELAY]) sender.send(candidate(relayChannelA, receiver.connectionId, text));
    const forwarded = await receiver.next('signal');
    expect(forwarded.candidate?.candidate).toBe(RELAY);
    expect(forwarded.from).toBe(sender.connectionId);
    await receiver.barrier();
    expect(receiver.of('signal').map((s) => s.candidate?.candidate)).toEqual([RELAY]);

    // Candidates inside an offer's SDP are stripped the same way.
    const sdp = ['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', `a=${HOST}`, `a=${SRFLX}`, `a=${RELAY}`, ''].join('\r\n');
    sender.send({
      type: 'signal',
      channelId: relayChannelA,
      to: receiver.connectionId,
      description: { type: 'offer', sdp },
    });
    const offer = await receiver.next('signal', (m) => m.description !== undefined);
    expect(offer.description?.sdp).toBe(['v=0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', `a=${RELAY}`, ''].join('\r\n'));
  });

  it('forwards every candidate in a channel that allows direct paths (the control)', async () => {
    const RELAY = relayCandidate();
    const { sender, receiver } = await pairIn(openChannelA);
    for (const text of [HOST, SRFLX, RELAY]) sender.send(candidate(openChannelA, receiver.connectionId, text));
    await receiver.next('signal', (m) => m.candidate?.candidate === RELAY);
    expect(receiver.of('signal').map((s) => s.candidate?.candidate)).toEqual([HOST, SRFLX, RELAY]);
  });
});

describe('protocol abuse and session end', () => {
  it('closes the socket on a frame over the size limit (1009)', async () => {
    const socket = await connect(alice, wsA);
    socket.ws.send(JSON.stringify({ type: 'presence.set', state: 'x'.repeat(WS_MAX_FRAME_BYTES) }));
    const closed = await socket.closed;
    expect(closed.code).toBe(WS_CLOSE_CODES.messageTooBig);
  });

  it('answers malformed JSON with an error message and keeps the connection', async () => {
    const socket = await connect(alice, wsA);
    socket.send('{"type": "room.join", ');
    expect(await socket.next('error')).toEqual({ type: 'error', code: 'invalid_message', message: expect.any(String) });
    socket.send('{"type":"hello","admin":true}');
    expect((await socket.next('error')).code).toBe('invalid_message');
    await socket.barrier();
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it("closes a session's open sockets at once on sign-out (4001), and only that session's", async () => {
    const grace = await signUpAndIn(t.server, 'grace');
    const invite = await alice.call('createInvite', { params: { workspaceId: wsA }, body: {} });
    await grace.call('acceptInvite', { body: { code: invite.code } });
    const first = await connect(grace, wsA);
    const second = await connect(grace, wsA);
    const bystander = await connect(alice, wsA);
    const started = Date.now();
    await grace.call('signOut');
    const [one, two] = await Promise.all([first.closed, second.closed]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(one.code).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(two.code).toBe(WS_CLOSE_CODES.sessionEnded);
    await bystander.barrier();
    expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
  });
});
