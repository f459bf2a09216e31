import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../../test/support/selfSignedCertificate';
import { WS_MAX_FRAME_BYTES, WS_SUBPROTOCOL, wsProtocolsFor } from '../../../shared/ws';
import { createMemoryTicketStore } from './tickets';
import { startHarness, type Harness, type TestClient } from './testing/signallingHarness';

const certificate = makeSelfSignedCertificate();

const candidates = {
  host: 'candidate:1467250027 1 udp 2122260223 0f4d5e7a-3b2c-4d1e-9a8b-7c6d5e4f3a2b.local 54321 typ host generation 0 ufrag Xy9z network-id 1',
  srflx:
    'candidate:842163049 1 udp 1677729535 203.0.113.77 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xy9z network-cost 999',
  relay:
    'candidate:3591394571 1 udp 41885439 198.51.100.10 50123 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag Xy9z network-id 1',
};
const offerSdp = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 50123 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 198.51.100.10',
  `a=${candidates.host.replace(' ufrag Xy9z', '')}`,
  `a=${candidates.srflx.replace(' ufrag Xy9z', '')}`,
  `a=${candidates.relay.replace(' ufrag Xy9z', '')}`,
  'a=ice-ufrag:Xy9z',
  'a=mid:0',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

async function joined(client: TestClient, channelId: string) {
  client.send({ type: 'room.join', channelId });
  return client.next('room.joined', (m) => m.channelId === channelId);
}

describe('signalling handshake: authenticated before the upgrade', () => {
  let h: Harness;
  let clock = Date.now();
  beforeAll(async () => {
    h = await startHarness({
      certificate,
      tickets: createMemoryTicketStore({ now: () => clock }),
      allowedOrigins: ['app://whoot'],
    });
  });
  afterAll(() => h.close());

  it('refuses a request without a ticket, or with a bad, expired or used one, with 401 and no socket', async () => {
    const claims = h.world.member(h.world.workspace());
    expect(await h.attempt([])).toBe(401);
    expect(await h.attempt([WS_SUBPROTOCOL])).toBe(401);
    expect(await h.attempt(wsProtocolsFor(randomBytes(32).toString('base64url')))).toBe(401);
    expect(await h.attempt([WS_SUBPROTOCOL, 'ticket.not-a-ticket'])).toBe(401);

    const used = await h.mint(claims);
    expect(await h.attempt(wsProtocolsFor(used))).toBe(101);
    expect(await h.attempt(wsProtocolsFor(used))).toBe(401);

    const expired = await h.mint(claims);
    clock += 30_000;
    expect(await h.attempt(wsProtocolsFor(expired))).toBe(401);
  });

  it('refuses a ticket in the query string, and burns it', async () => {
    const ticket = await h.mint(h.world.member(h.world.workspace()));
    expect(await h.attempt([WS_SUBPROTOCOL], { path: `/v1/ws?ticket=${ticket}` })).toBe(400);
    expect(await h.attempt(wsProtocolsFor(ticket))).toBe(401);
  });

  it('refuses other paths, foreign origins and a missing version protocol without using the ticket up', async () => {
    const ticket = await h.mint(h.world.member(h.world.workspace()));
    expect(await h.attempt(wsProtocolsFor(ticket), { path: '/v1/other' })).toBe(404);
    expect(await h.attempt(wsProtocolsFor(ticket), { headers: { Origin: 'https://evil.example' } })).toBe(403);
    expect(await h.attempt([`ticket.${ticket}`])).toBe(400);
    expect(await h.attempt(wsProtocolsFor(ticket), { headers: { Origin: 'app://whoot' } })).toBe(101);
  });

  it('selects the version protocol and never echoes the ticket', async () => {
    const client = await h.connect(h.world.member(h.world.workspace()));
    expect(client.ws.protocol).toBe(WS_SUBPROTOCOL);
  });
});

describe('rooms and signalling', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate });
  });
  afterAll(() => h.close());

  async function pairInRoom(relayOnly = true) {
    const ws = h.world.workspace();
    const channelId = h.world.channel(ws, relayOnly);
    const alice = await h.connect(h.world.member(ws));
    const bob = await h.connect(h.world.member(ws));
    expect(await joined(alice, channelId)).toMatchObject({ relayOnly, peers: [] });
    const bobJoined = await joined(bob, channelId);
    expect(bobJoined.peers).toEqual([
      { peerId: alice.connectionId, userId: expect.any(String), selfMuted: false, selfDeafened: false },
    ]);
    await alice.next('room.peerJoined', (m) => m.peer.peerId === bob.connectionId);
    return { ws, channelId, alice, bob };
  }

  it('relays offer, answer and candidates between two members of a room', async () => {
    const { channelId, alice, bob } = await pairInRoom(false);
    const offer = { type: 'offer' as const, sdp: offerSdp };
    alice.send({ type: 'signal', channelId, to: bob.connectionId, description: offer });
    expect(await bob.next('signal')).toEqual({
      type: 'signal',
      channelId,
      from: alice.connectionId,
      description: offer,
    });
    bob.send({ type: 'signal', channelId, to: alice.connectionId, description: { type: 'answer', sdp: offerSdp } });
    expect((await alice.next('signal')).description?.type).toBe('answer');
    const candidate = { candidate: candidates.host, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Xy9z' };
    alice.send({ type: 'signal', channelId, to: bob.connectionId, candidate });
    expect((await bob.next('signal')).candidate).toEqual(candidate);
  });

  it('drops non-relay candidates and strips them from SDP in a relay-only room', async () => {
    const { channelId, alice, bob } = await pairInRoom(true);
    const to = bob.connectionId;
    for (const candidate of [candidates.host, candidates.srflx, candidates.relay, '']) {
      alice.send({ type: 'signal', channelId, to, candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } });
    }
    alice.send({ type: 'signal', channelId, to, description: { type: 'offer', sdp: offerSdp } });
    await bob.next('signal', (m) => m.description !== undefined);
    const received = bob.of('signal');
    expect(received.map((m) => m.candidate?.candidate)).toEqual([candidates.relay, '', undefined]);
    const sdp = received[2]!.description!.sdp;
    expect(sdp).toBe(
      offerSdp
        .split('\r\n')
        .filter((l) => !/typ (host|srflx)/.test(l))
        .join('\r\n'),
    );
    expect(sdp).toContain('typ relay');
  });

  it('refuses to relay to a peer in another room, another workspace or nowhere, and delivers nothing', async () => {
    const { ws, channelId, alice, bob } = await pairInRoom();
    const carol = await h.connect(h.world.member(ws));
    await joined(carol, h.world.channel(ws));
    const otherWs = h.world.workspace();
    const dave = await h.connect(h.world.member(otherWs));
    await joined(dave, h.world.channel(otherWs));
    const candidate = { candidate: candidates.relay };

    carol.send({ type: 'signal', channelId, to: bob.connectionId, candidate });
    expect((await carol.next('error')).code).toBe('not_found');
    dave.send({ type: 'signal', channelId, to: bob.connectionId, candidate });
    expect((await dave.next('error')).code).toBe('not_found');
    alice.send({ type: 'signal', channelId, to: carol.connectionId, candidate });
    alice.send({ type: 'signal', channelId, to: dave.connectionId, candidate });
    alice.send({ type: 'signal', channelId, to: randomUUID(), candidate });
    alice.send({ type: 'signal', channelId, to: alice.connectionId, candidate });
    for (let i = 0; i < 4; i += 1) expect((await alice.next('error')).code).toBe('not_found');

    for (const client of [bob, carol, dave]) await client.barrier();
    for (const client of [bob, carol, dave]) expect(client.of('signal')).toEqual([]);
  });

  it('answers not_found for a channel of another workspace, exactly as for a missing one', async () => {
    const ws = h.world.workspace();
    const client = await h.connect(h.world.member(ws));
    client.send({ type: 'room.join', channelId: h.world.channel(h.world.workspace()) });
    client.send({ type: 'room.join', channelId: randomUUID() });
    const [foreign, missing] = [await client.next('error'), await client.next('error')];
    expect(foreign).toEqual(missing);
    expect(foreign.code).toBe('not_found');
  });

  it('keeps a connection in one room: joining another leaves the first, and a disconnect leaves too', async () => {
    const { ws, channelId, alice, bob } = await pairInRoom();
    const lounge = h.world.channel(ws);
    await joined(alice, lounge);
    await alice.next('room.left', (m) => m.channelId === channelId);
    expect(await bob.next('room.peerLeft')).toMatchObject({ channelId, peerId: alice.connectionId });
    await joined(bob, lounge);
    await alice.next('room.peerJoined', (m) => m.peer.peerId === bob.connectionId);
    bob.ws.close();
    expect(await alice.next('room.peerLeft')).toMatchObject({ channelId: lounge, peerId: bob.connectionId });
  });
});

describe('message limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate, limits: { messageBurst: 20, messagesPerSecond: 1, strikes: 3 } });
  });
  afterAll(() => h.close());

  it('closes the connection with 1009 on a frame over the maximum size', async () => {
    const client = await h.connect(h.world.member(h.world.workspace()));
    client.ws.send('x'.repeat(WS_MAX_FRAME_BYTES + 1));
    expect((await client.closed).code).toBe(1009);
  });

  it('answers malformed JSON and unknown fields with an error, and closes (1008) on repeated abuse', async () => {
    const client = await h.connect(h.world.member(h.world.workspace()));
    client.send('{"type":');
    expect(await client.next('error')).toMatchObject({ code: 'invalid_message', message: 'The message is not JSON.' });
    client.send(JSON.stringify({ type: 'room.join', channelId: randomUUID(), extra: 1 }));
    expect((await client.next('error')).code).toBe('invalid_message');
    client.ws.send(Buffer.from('{}'), { binary: true });
    client.send('[]');
    expect((await client.closed).code).toBe(1008);
  });

  it('requires hello first, and rate-limits a flood', async () => {
    const claims = h.world.member(h.world.workspace());
    const early = await h.open(claims);
    early.send({ type: 'room.join', channelId: randomUUID() });
    expect((await early.next('error')).code).toBe('invalid_state');
    early.send({ type: 'hello' });
    await early.next('welcome');
    early.send({ type: 'hello' });
    expect((await early.next('error')).code).toBe('invalid_state');

    const flood = await h.connect(h.world.member(h.world.workspace()));
    for (let i = 0; i < 25; i += 1) flood.send({ type: 'presence.set', state: i % 2 === 0 ? 'idle' : 'active' });
    expect((await flood.next('error')).code).toBe('rate_limited');
  });
});

describe('liveness', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate, heartbeatIntervalMs: 60, limits: { helloTimeoutMs: 300 } });
  });
  afterAll(() => h.close());

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const ws = h.world.workspace();
    const silent = await h.connect(h.world.member(ws), undefined, { autoPong: false });
    const healthy = await h.connect(h.world.member(ws));
    const started = Date.now();
    expect((await silent.closed).code).toBe(1006);
    expect(Date.now() - started).toBeLessThan(1_000);
    await healthy.barrier();
    expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
  });

  it('closes a socket that never says hello', async () => {
    const client = await h.open(h.world.member(h.world.workspace()));
    expect((await client.closed).code).toBe(4002);
  });
});

// Revocation with the server's own liveness timers: a 60 ms heartbeat also ends a healthy socket whose test process
// (the same process as its server) stalls past two pings, which on a saturated machine happened mid-test.
describe('revocation', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ certificate });
  });
  afterAll(() => h.close());

  it('closeSession closes that session at once, voids its tickets and leaves other sessions alone', async () => {
    const ws = h.world.workspace();
    const claims = h.world.member(ws);
    const channelId = h.world.channel(ws);
    const [first, second] = [await h.connect(claims), await h.connect(claims)];
    const other = await h.connect({ ...claims, sessionId: 'sess_other0123456789' });
    await joined(first, channelId);
    await joined(other, channelId);
    const unused = await h.mint(claims);

    const started = Date.now();
    expect(h.signalling.closeSession(claims.sessionId)).toBe(2);
    expect(await other.next('room.peerLeft')).toMatchObject({ peerId: first.connectionId });
    expect(await first.closed).toEqual({ code: 4001, reason: 'session ended' });
    expect((await second.closed).code).toBe(4001);
    expect(Date.now() - started).toBeLessThan(500);
    expect(await h.attempt(wsProtocolsFor(unused))).toBe(401);
    await other.barrier();
  });

  it('closeUser with a workspace closes only that workspace and refuses tickets minted before', async () => {
    const wsA = h.world.workspace();
    const claims = h.world.member(wsA);
    const elsewhere = { ...claims, workspaceId: h.world.workspace() };
    const [inA, inB] = [await h.connect(claims), await h.connect(elsewhere)];
    const minted = await h.mint(claims);
    expect(h.signalling.closeUser(claims.userId, wsA)).toBe(1);
    expect((await inA.closed).code).toBe(4004);
    expect(await h.attempt(wsProtocolsFor(minted))).toBe(401);
    await inB.barrier();
  });
});
