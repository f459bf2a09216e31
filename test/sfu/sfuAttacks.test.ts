import wrtc from '@roamhq/wrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import { roomKey } from '../../main/server/signalling/rooms';
import { WS_CLOSE_CODES, WS_MAX_SDP_CHARS } from '../../shared/ws';
import { listeningTcpPorts } from '../support/processSockets';
import { connectSocket, type WsTestClient } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, withSfu, type TestClient, type TestServer } from '../support/serverHarness';
import { launchBot, voiceChannelWithInvite } from '../support/voiceBots';

/*
 * What a member with a valid session can make the media server do: only what the server translates from whoot's
 * own messages, for its own connection in its own room. Each attack asserts the refusal and that nothing reached
 * Janus or changed there: the server's tap sees every request it sends Janus, and Janus's own lists say what it holds.
 */

let t: TestServer;
/** Every request the server sent Janus, in order (without the API secret). */
const toJanus: Readonly<Record<string, unknown>>[] = [];
let home: Awaited<ReturnType<typeof voiceChannelWithInvite>>;
let other: Awaited<ReturnType<typeof voiceChannelWithInvite>>;
let attacker: TestClient;
let homeBot: VoiceBot;
let victim: VoiceBot;
const pcs: RTCPeerConnection[] = [];

beforeAll(async () => {
  t = await startTestServer(withSfu(), undefined, { sfuTap: (request) => toJanus.push(request) });
  home = await voiceChannelWithInvite(t.server, { voiceMode: 'sfu', channelName: 'Home' });
  other = await voiceChannelWithInvite(t.server, { voiceMode: 'sfu', channelName: 'Elsewhere' });
  attacker = await signUpAndIn(t.server, 'mallory');
  await attacker.call('acceptInvite', { body: { code: home.invite.code } });
  // Someone publishing in the attacker's room, and a victim publishing in another workspace's room.
  homeBot = await launchBot(home.invite, 'homebot', { play: { kind: 'tone', frequency: 440 } });
  victim = await launchBot(other.invite, 'victim', { play: { kind: 'tone', frequency: 660 } });
  expect((await homeBot.join({ id: home.channel.id })).ok).toBe(true);
  expect((await victim.join({ id: other.channel.id })).ok).toBe(true);
  for (const key of [roomKey(other.workspace.id, other.channel.id), roomKey(home.workspace.id, home.channel.id)]) {
    while ((await t.server.sfu?.participants(key))?.length !== 1) await new Promise((r) => setTimeout(r, 100));
  }
}, 300_000);

afterAll(async () => {
  for (const pc of pcs) pc.close();
  await homeBot?.stop();
  await victim?.stop();
  await t?.close();
});

/** What the server asked Janus since `from`, keepalives aside (the other members' sessions send those on a timer). */
const sentSince = (from: number) => toJanus.slice(from).filter((request) => request['janus'] !== 'keepalive');

const homeKey = () => roomKey(home.workspace.id, home.channel.id);
const otherKey = () => roomKey(other.workspace.id, other.channel.id);

/** What Janus holds now: its rooms and both rooms' publishers. */
async function janusState() {
  return {
    rooms: await t.server.sfu?.roomCount(),
    home: await t.server.sfu?.participants(homeKey()),
    other: await t.server.sfu?.participants(otherKey()),
  };
}

/** A real offer for one sending audio m-line, as the app makes it. */
async function publishOffer(): Promise<string> {
  const pc = new wrtc.RTCPeerConnection() as unknown as RTCPeerConnection;
  pcs.push(pc);
  const source = new wrtc.nonstandard.RTCAudioSource();
  pc.addTransceiver(source.createTrack() as unknown as MediaStreamTrack, { direction: 'sendonly' });
  const offer = await pc.createOffer();
  return offer.sdp ?? '';
}

async function joinedSocket(): Promise<WsTestClient> {
  const { socket } = await connectSocket(t.server, attacker, home.workspace.id);
  socket.send({ type: 'room.join', channelId: home.channel.id });
  expect((await socket.next('room.joined')).mode).toBe('sfu');
  return socket;
}

describe('a member cannot reach past the server to Janus', () => {
  it('Janus listens on no TCP port, and its API socket sits in the data directory, not open to other users', async () => {
    const pid = t.server.sfu?.pid();
    expect(pid).toBeTypeOf('number');
    expect(listeningTcpPorts(pid ?? 0)).toEqual([]);
  });

  it('refuses raw Janus messages over the WSS, and none of them reaches Janus', async () => {
    const { socket } = await connectSocket(t.server, attacker, home.workspace.id);
    const state = await janusState();
    const before = { sent: toJanus.length, state };
    const raw = [
      { janus: 'create' },
      { janus: 'attach', plugin: 'janus.plugin.videoroom', session_id: 1 },
      { janus: 'message', body: { request: 'create', room: 'mine', permanent: true } },
      { janus: 'message', body: { request: 'list' } },
      { type: 'janus', janus: 'info' },
      { type: 'sfu.offer', channelId: home.channel.id, sdp: 'v=0', janus: 'message' },
      { type: 'sfu.join', channelId: home.channel.id, room: 'any-room' },
      { type: 'sfu.create', room: 'mine' },
    ];
    for (const message of raw) {
      socket.send(JSON.stringify(message));
      expect((await socket.next('error')).code).toBe('invalid_message');
    }
    await socket.barrier();
    expect(sentSince(before.sent)).toEqual([]);
    expect(await janusState()).toEqual(before.state);
    socket.ws.close();
  });

  it("refuses another workspace's room however it is named, and sends Janus nothing for it", async () => {
    const { socket } = await connectSocket(t.server, attacker, home.workspace.id);
    const state = await janusState();
    const before = { sent: toJanus.length, state };
    socket.send({ type: 'room.join', channelId: other.channel.id });
    expect((await socket.next('error')).code).toBe('not_found');
    const offer = await publishOffer();
    for (const message of [
      { type: 'sfu.offer', channelId: other.channel.id, sdp: offer },
      { type: 'sfu.answer', channelId: other.channel.id, sdp: offer },
      { type: 'sfu.restart', channelId: other.channel.id },
      {
        type: 'sfu.candidate',
        channelId: other.channel.id,
        link: 'publish',
        candidate: { candidate: 'candidate:1 1 udp 1 203.0.113.9 5000 typ relay raddr 0.0.0.0 rport 0' },
      },
    ] as const) {
      socket.send(message);
      expect((await socket.next('error')).code).toBe('not_found');
    }
    await socket.barrier();
    expect(sentSince(before.sent)).toEqual([]);
    expect(await janusState()).toEqual(before.state);
    socket.ws.close();
  });

  it('publishes one microphone per connection: a second stream, video or data is refused, a new offer renegotiates the same feed', async () => {
    const socket = await joinedSocket();
    await expect.poll(() => t.server.sfu?.participants(homeKey())).toHaveLength(2);
    const offer = await publishOffer();
    socket.send({ type: 'sfu.offer', channelId: home.channel.id, sdp: offer });
    await socket.next('sfu.answer');
    const published = toJanus.filter((request) => (request['body'] as { request?: string })?.request === 'publish');
    const sentBefore = toJanus.length;
    const audio = offer.slice(offer.indexOf('m=audio'));
    const refused = [
      offer + audio.replace('a=mid:0', 'a=mid:1'),
      offer +
        'm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n',
      offer + 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n',
      offer.replace('a=sendonly', 'a=sendrecv'),
    ];
    for (const sdp of refused) {
      socket.send({ type: 'sfu.offer', channelId: home.channel.id, sdp });
      expect((await socket.next('error')).code).toBe('invalid_message');
    }
    await socket.barrier();
    expect(sentSince(sentBefore)).toEqual([]);
    // A new offer (as an ICE restart sends) renegotiates the one feed: Janus is told `configure`, not `publish`.
    socket.send({ type: 'sfu.offer', channelId: home.channel.id, sdp: await publishOffer() });
    await socket.next('sfu.answer');
    const after = toJanus.slice(sentBefore).map((request) => (request['body'] as { request?: string })?.request);
    expect(after).toContain('configure');
    expect(toJanus.filter((request) => (request['body'] as { request?: string })?.request === 'publish')).toHaveLength(
      published.length,
    );
    expect(await t.server.sfu?.participants(homeKey())).toEqual(
      [homeBot.socket.connectionId(), socket.connectionId].sort(),
    );
    socket.ws.close();
    await expect.poll(() => t.server.sfu?.participants(homeKey())).toHaveLength(1);
  });

  it('cannot name a feed to receive: it is sent exactly the other members of its own room', async () => {
    const socket = await joinedSocket();
    try {
      // The server subscribes it to the home room's publisher, and nobody else.
      const offer = await socket.next('sfu.offer');
      expect(offer.streams.map((stream) => stream.peerId)).toEqual([homeBot.socket.connectionId()]);
      const sentBefore = toJanus.length;
      const victimFeed = victim.socket.connectionId() ?? '';
      for (const message of [
        { type: 'sfu.restart', channelId: home.channel.id, feed: victimFeed },
        { type: 'sfu.answer', channelId: home.channel.id, sdp: 'v=0', streams: [{ feed: victimFeed }] },
        { type: 'sfu.subscribe', channelId: home.channel.id, feed: victimFeed },
      ]) {
        socket.send(JSON.stringify(message));
        expect((await socket.next('error')).code).toBe('invalid_message');
      }
      await socket.barrier();
      expect(sentSince(sentBefore)).toEqual([]);
      // Nothing the server ever asked Janus for this room's members names the other workspace's publisher.
      const forHome = toJanus.filter((request) => JSON.stringify(request).includes('"ptype":"subscriber"'));
      expect(forHome.length).toBeGreaterThan(0);
      expect(socket.of('sfu.offer').flatMap((m) => m.streams.map((stream) => stream.peerId))).not.toContain(victimFeed);
    } finally {
      socket.ws.close();
    }
  });

  it('a 1 MB SDP closes the socket (frame too big) and reaches nothing; one just over the SDP limit is refused', async () => {
    const socket = await joinedSocket();
    // Its member is open (the server subscribed it to the room's publisher) before anything is counted.
    await socket.next('sfu.offer');
    const sentBefore = toJanus.length;
    socket.send({
      type: 'sfu.offer',
      channelId: home.channel.id,
      sdp: `v=0\r\n${'a=x\r\n'.repeat(WS_MAX_SDP_CHARS / 5 + 10)}`,
    });
    expect((await socket.next('error')).code).toBe('invalid_message');
    socket.send({ type: 'sfu.offer', channelId: home.channel.id, sdp: 'v=0\r\n' + 'a'.repeat(1024 * 1024) });
    expect((await socket.closed).code).toBe(WS_CLOSE_CODES.messageTooBig);
    // Its member leaves the room (its socket is gone); nothing it sent was passed on.
    const passedOn = sentSince(sentBefore).filter((request) => request['janus'] !== 'destroy');
    expect(passedOn).toEqual([]);
    await expect.poll(() => t.server.sfu?.participants(homeKey())).toEqual([homeBot.socket.connectionId()]);
  });

  it('host and server-reflexive candidates never reach Janus, in the offer or trickled, nor a relay candidate naming another address', async () => {
    const socket = await joinedSocket();
    const offer = await publishOffer();
    const audioStart = offer.indexOf('a=mid:0');
    const host = 'a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0';
    const srflx = 'a=candidate:2 1 udp 1686052607 198.51.100.9 54321 typ srflx raddr 192.168.1.20 rport 54321';
    const withCandidates = `${offer.slice(0, audioStart)}${host}\r\n${srflx}\r\n${offer.slice(audioStart)}`;
    const sentBefore = toJanus.length;
    socket.send({ type: 'sfu.offer', channelId: home.channel.id, sdp: withCandidates });
    await socket.next('sfu.answer');
    for (const candidate of [
      'candidate:3 1 udp 2122260223 10.0.0.7 40000 typ host generation 0',
      'candidate:4 1 udp 1686052607 198.51.100.9 40000 typ srflx raddr 10.0.0.7 rport 40000',
      'candidate:5 1 udp 41885439 10.0.0.7 40000 typ relay raddr 0.0.0.0 rport 0',
    ]) {
      socket.send({ type: 'sfu.candidate', channelId: home.channel.id, link: 'publish', candidate: { candidate } });
    }
    await socket.barrier();
    const sent = JSON.stringify(toJanus.slice(sentBefore));
    expect(sent).toContain('"request":"publish"');
    for (const needle of ['typ host', 'typ srflx', '192.168.1.20', '10.0.0.7', '198.51.100.9']) {
      expect(sent).not.toContain(needle);
    }
    expect(toJanus.slice(sentBefore).filter((request) => request['janus'] === 'trickle')).toEqual([]);
    socket.ws.close();
  });
});
