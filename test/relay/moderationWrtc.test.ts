import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { connectSocket, type WsTestClient } from '../support/rawServerClient';
import { startTestServer, twoMembersInChannel, type TestServer } from '../support/serverHarness';
import {
  audioSink,
  connected,
  createWrtcPeer,
  gatheringComplete,
  inboundAudioBytes,
  selectedPairOf,
  sineSource,
  statsList,
} from '../support/wrtcPeer';

/*
 * Server mute end to end, with real WebRTC (libwebrtc through @roamhq/wrtc): two members of a workspace in one voice
 * room of the real server, signalling over its WSS, media relay-only through its embedded TURN relay with the
 * credentials it issues. Bob keeps sending a tone whatever happens (a client that ignores the mute); after Ada (the
 * owner) server-mutes him, the audio Ada receives stops growing while both peer connections stay connected, ICE
 * consent checks and Bob's RTCP keep crossing the relay, and Bob still hears Ada. After the unmute Ada hears him
 * again within a second, on the same connection.
 */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Stats = Awaited<ReturnType<typeof statsList>>;
/** The selected pair's ICE counters: connectivity and consent checks answered, and checks received. */
function pairCounters(stats: Stats) {
  const transport = stats.find((s) => s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string');
  const pair = stats.find((s) => s.id === transport?.['selectedCandidatePairId']);
  return {
    responsesReceived: Number(pair?.['responsesReceived'] ?? 0),
    requestsReceived: Number(pair?.['requestsReceived'] ?? 0),
  };
}
/** RTCP receiver reports the other side sent about our audio: each one updates remote-inbound-rtp. */
const receiverReports = (stats: Stats) =>
  stats
    .filter((s) => s.type === 'remote-inbound-rtp')
    .reduce((sum, s) => sum + Number(s['roundTripTimeMeasurements'] ?? 0), 0);

describe('server mute with real WebRTC peers', () => {
  it("stops the muted member's audio at the relay, keeps the call up, and restores it on unmute", async () => {
    const relay = t.server.relay!;
    const { owner: ada, member: bob, workspace, channel } = await twoMembersInChannel(t.server, ['ada', 'bob']);
    const sockets: WsTestClient[] = [];
    const inRoom = async (client: typeof ada) => {
      const { socket } = await connectSocket(t.server, client, workspace.id);
      sockets.push(socket);
      socket.send({ type: 'room.join', channelId: channel.id });
      return { socket, joined: await socket.next('room.joined') };
    };
    const adaRoom = await inRoom(ada);
    const bobRoom = await inRoom(bob);
    expect(bobRoom.joined.peers.map((p) => p.peerId)).toEqual([adaRoom.socket.connectionId]);

    const a = createWrtcPeer(await ada.call('voiceCredentials', { body: { channelId: channel.id } }));
    const b = createWrtcPeer(await bob.call('voiceCredentials', { body: { channelId: channel.id } }));
    const adaTone = sineSource(440);
    const bobTone = sineSource(660);
    const sinks: ReturnType<typeof audioSink>[] = [];
    try {
      a.addTrack(adaTone.track, new wrtc.MediaStream([adaTone.track]));
      b.addTrack(bobTone.track, new wrtc.MediaStream([bobTone.track]));
      const track = (pc: typeof a) =>
        new Promise<MediaStreamTrack>((resolve) => {
          pc.ontrack = (event) => resolve(event.track as unknown as MediaStreamTrack);
        });
      const adaHearsTrack = track(a);
      const bobHearsTrack = track(b);

      // Offer and answer over the server's WSS, each sent once it carries all its (relay) candidates.
      await b.setLocalDescription(await b.createOffer());
      await gatheringComplete(b);
      const offer = b.localDescription!;
      bobRoom.socket.send({
        type: 'signal',
        channelId: channel.id,
        to: adaRoom.socket.connectionId,
        description: { type: 'offer', sdp: offer.sdp },
      });
      const offered = await adaRoom.socket.next('signal', (m) => m.description?.type === 'offer', 5000);
      await a.setRemoteDescription({ type: 'offer', sdp: offered.description!.sdp });
      await a.setLocalDescription(await a.createAnswer());
      await gatheringComplete(a);
      adaRoom.socket.send({
        type: 'signal',
        channelId: channel.id,
        to: bobRoom.socket.connectionId,
        description: { type: 'answer', sdp: a.localDescription!.sdp },
      });
      const answered = await bobRoom.socket.next('signal', (m) => m.description?.type === 'answer', 5000);
      await b.setRemoteDescription({ type: 'answer', sdp: answered.description!.sdp });
      await Promise.all([connected(a), connected(b)]);
      const adaHears = audioSink(await adaHearsTrack);
      const bobHears = audioSink(await bobHearsTrack);
      sinks.push(adaHears, bobHears);
      const pair = selectedPairOf(await statsList(a));
      expect([pair?.local.candidateType, pair?.remote.candidateType]).toEqual(['relay', 'relay']);

      // Before: Ada hears Bob.
      await sleep(500);
      const heard0 = inboundAudioBytes(await statsList(a));
      await sleep(1500);
      const heard1 = inboundAudioBytes(await statsList(a));
      expect(heard1).toBeGreaterThan(heard0 + 1000);

      // Ada server-mutes Bob. His client is told, but keeps sending: the relay is what silences him.
      await ada.call('voiceMuteMember', { params: { workspaceId: workspace.id, userId: bob.user.id } });
      await bobRoom.socket.next('event', (m) => m.event.type === 'member.voiceModerated');
      await sleep(300);
      const atMute = {
        stats: await statsList(a),
        bobHeard: inboundAudioBytes(await statsList(b)),
        relay: relay.stats(),
      };
      const muted0 = inboundAudioBytes(atMute.stats);
      // Longer than libwebrtc's longest audio RTCP interval (5 s, randomised up to 1.5 times): a report must cross.
      await sleep(8000);
      const whileMuted = await statsList(a);
      const muted1 = inboundAudioBytes(whileMuted);
      const relayMuted = relay.stats();
      const bobHeardMuted = inboundAudioBytes(await statsList(b));
      const ice0 = pairCounters(atMute.stats);
      const ice1 = pairCounters(whileMuted);
      console.info(
        `[moderation wrtc] heard ${heard0} -> ${heard1}; muted ${muted0} -> ${muted1}; ` +
          `server_muted drops ${relayMuted.droppedPackets.serverMuted - atMute.relay.droppedPackets.serverMuted}; ` +
          `ICE responses ${ice0.responsesReceived} -> ${ice1.responsesReceived}, requests ${ice0.requestsReceived} -> ${ice1.requestsReceived}; ` +
          `receiver reports ${receiverReports(atMute.stats)} -> ${receiverReports(whileMuted)}; ` +
          `Bob hears ${atMute.bobHeard} -> ${bobHeardMuted}; states ${a.connectionState}/${b.connectionState}`,
      );
      expect(muted1).toBe(muted0);
      expect(a.connectionState).toBe('connected');
      expect(b.connectionState).toBe('connected');
      // What kept the call up crossed the relay from Bob: his ICE answers and checks, and his RTCP reports.
      expect(ice1.responsesReceived).toBeGreaterThan(ice0.responsesReceived);
      expect(ice1.requestsReceived).toBeGreaterThan(ice0.requestsReceived);
      expect(receiverReports(whileMuted)).toBeGreaterThan(receiverReports(atMute.stats));
      // Bob's packets (tens a second) were dropped as server-muted, and he still hears Ada.
      expect(relayMuted.droppedPackets.serverMuted - atMute.relay.droppedPackets.serverMuted).toBeGreaterThan(100);
      expect(bobHeardMuted).toBeGreaterThan(atMute.bobHeard + 1000);

      // Unmute: Bob is heard again on the same connection, tone and all.
      await ada.call('voiceUnmuteMember', { params: { workspaceId: workspace.id, userId: bob.user.id } });
      await sleep(1000);
      adaHears.reset();
      const back0 = inboundAudioBytes(await statsList(a));
      await sleep(1500);
      const back1 = inboundAudioBytes(await statsList(a));
      console.info(`[moderation wrtc] after unmute ${back0} -> ${back1}; rms ${adaHears.rms.toFixed(3)}`);
      expect(back0).toBeGreaterThan(muted1);
      expect(back1).toBeGreaterThan(back0 + 1000);
      expect(adaHears.rms).toBeGreaterThan(0.05);
      expect(a.connectionState).toBe('connected');
    } finally {
      for (const sink of sinks) sink.stop();
      adaTone.stop();
      bobTone.stop();
      a.close();
      b.close();
      for (const socket of sockets) socket.ws.terminate();
    }
  });
});
