import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsProtocolsFor } from '../../shared/ws';
import {
  signUpAndIn,
  startTestServer,
  twoMembersInChannel,
  type TestClient as Account,
  type TestServer,
} from '../../test/support/serverHarness';
import { TestClient } from './signalling/testing/signallingHarness';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

/** Opens the WSS exactly as the desktop app will: a signed REST call mints a one-time ticket, the socket offers it. */
async function connect(account: Account, workspaceId: string): Promise<TestClient> {
  const { ticket, path } = await account.call('wsTicket', { body: { workspaceId } });
  const ws = new WebSocket(`wss://127.0.0.1:${t.server.port}${path}`, wsProtocolsFor(ticket), {
    rejectUnauthorized: false,
  });
  const client = new TestClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  client.send({ type: 'hello' });
  client.connectionId = (await client.next('welcome')).connectionId;
  return client;
}

const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0',
  'a=candidate:2 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.20 rport 54321 generation 0',
  'a=candidate:3 1 udp 41885439 127.0.0.1 50123 typ relay raddr 0.0.0.0 rport 0 generation 0',
  'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3F:2D:93:15:BC:EA:1B:B5:9C:45:1C:19',
  'a=rtpmap:111 opus/48000/2',
  '',
].join('\r\n');

describe('signalling through the whole server', () => {
  it('two members join a room, exchange offer, answer and candidates (relay only), and leave', async () => {
    const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(t.server);

    const a = await connect(ada, workspace.id);
    const b = await connect(bob, workspace.id);
    a.send({ type: 'room.join', channelId: channel.id });
    expect(await a.next('room.joined')).toMatchObject({ channelId: channel.id, relayOnly: true, peers: [] });
    b.send({ type: 'room.join', channelId: channel.id });
    const joined = await b.next('room.joined');
    expect(joined.peers).toEqual([
      { peerId: a.connectionId, userId: ada.user.id, selfMuted: false, selfDeafened: false },
    ]);
    await a.next('room.peerJoined', (m) => m.peer.peerId === b.connectionId);

    b.send({ type: 'signal', channelId: channel.id, to: a.connectionId, description: { type: 'offer', sdp: SDP } });
    const offer = await a.next('signal', (m) => m.description?.type === 'offer');
    expect(offer.from).toBe(b.connectionId);
    // The server strips host and srflx candidates from SDP in a relay-only room; the relay line stays.
    expect(offer.description?.sdp).not.toContain('typ host');
    expect(offer.description?.sdp).not.toContain('typ srflx');
    expect(offer.description?.sdp).toContain('typ relay');
    expect(offer.description?.sdp).toContain('a=fingerprint:sha-256 4A:AD');

    a.send({ type: 'signal', channelId: channel.id, to: b.connectionId, description: { type: 'answer', sdp: SDP } });
    expect((await b.next('signal', (m) => m.description?.type === 'answer')).from).toBe(a.connectionId);

    const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0';
    const relay = 'candidate:3 1 udp 41885439 127.0.0.1 50123 typ relay raddr 0.0.0.0 rport 0 generation 0';
    a.send({
      type: 'signal',
      channelId: channel.id,
      to: b.connectionId,
      candidate: { candidate: host, sdpMid: '0', sdpMLineIndex: 0 },
    });
    a.send({
      type: 'signal',
      channelId: channel.id,
      to: b.connectionId,
      candidate: { candidate: relay, sdpMid: '0', sdpMLineIndex: 0 },
    });
    const forwarded = await b.next('signal', (m) => m.candidate !== undefined);
    expect(forwarded.candidate?.candidate).toBe(relay);
    await b.barrier();
    expect(b.of('signal').filter((m) => m.candidate?.candidate === host)).toEqual([]);

    a.send({ type: 'room.leave', channelId: channel.id });
    await a.next('room.left', (m) => m.channelId === channel.id);
    await b.next('room.peerLeft', (m) => m.peerId === a.connectionId);
    a.ws.close();
    b.ws.close();
  });

  it('sign-out closes that session’s sockets at once and its tickets stop working', async () => {
    const ada = await signUpAndIn(t.server);
    const { workspace } = await ada.call('createWorkspace', { body: { slug: `out-${Date.now()}`, name: 'Out' } });
    const socket = await connect(ada, workspace.id);
    const spare = await ada.call('wsTicket', { body: { workspaceId: workspace.id } });
    await ada.call('signOut');
    expect((await socket.closed).code).toBe(4001);
    const refused = new WebSocket(`wss://127.0.0.1:${t.server.port}${spare.path}`, wsProtocolsFor(spare.ticket), {
      rejectUnauthorized: false,
    });
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('presence: a connected member shows online in the member list', async () => {
    const ada = await signUpAndIn(t.server);
    const { workspace } = await ada.call('createWorkspace', { body: { slug: `pr-${Date.now()}`, name: 'Pr' } });
    const before = await ada.call('listMembers', { params: { workspaceId: workspace.id } });
    expect(before.members[0]!.online).toBe(false);
    const socket = await connect(ada, workspace.id);
    const after = await ada.call('listMembers', { params: { workspaceId: workspace.id } });
    expect(after.members[0]!.online).toBe(true);
    socket.ws.close();
  });
});
