import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wrtc from '@roamhq/wrtc';
import { startTestServer, twoMembersInChannel, type TestServer } from '../support/serverHarness';
import {
  audioSink,
  candidateLines,
  connected,
  createWrtcPeer,
  gatheringComplete,
  inboundAudioBytes,
  selectedPairOf,
  sineSource,
  statsList,
  type IceConfig,
} from '../support/wrtcPeer';

/*
 * Two libwebrtc peers (@roamhq/wrtc) talk through the REAL bundled server's embedded TURN relay, relay-only, with the
 * TURN REST credentials the server issues to two members of one workspace. Nothing special is needed for loopback:
 * the relay hands out relayed addresses on 127.0.0.1, and it lets a permission name 127.0.0.1 only because that is
 * the relayed address of one of its own allocations (ARCHITECTURE.md, "TURN credentials").
 *
 * What libwebrtc does here, for whoever reads the figures: it allocates once per TURN URL per network interface, so
 * with the server's two URLs (udp, tcp) and two interfaces (lo and eth0) each peer holds 4 allocations. One or two
 * packets are dropped as `noPermission` while connecting: the first connectivity checks reach an allocation before
 * its owner has installed the permission for the other side (expected with non-trickle offer/answer).
 */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type RelayStats = ReturnType<NonNullable<TestServer['server']['relay']>['stats']>;
const droppedSince = (before: RelayStats, after: RelayStats) => ({
  bandwidth: after.droppedPackets.bandwidth - before.droppedPackets.bandwidth,
  noPermission: after.droppedPackets.noPermission - before.droppedPackets.noPermission,
  noAllocation: after.droppedPackets.noAllocation - before.droppedPackets.noAllocation,
  malformed: after.droppedPackets.malformed - before.droppedPackets.malformed,
});

describe('@roamhq/wrtc peers through the bundled relay', () => {
  it('connect relay/relay, carry a 440 Hz tone, and lose their allocations when the sender signs out', async () => {
    const relay = t.server.relay!;
    const { owner: ada, member: bob, channel } = await twoMembersInChannel(t.server, ['ada', 'bob']);
    const adaIce = await ada.call('voiceCredentials', { body: { channelId: channel.id } });
    const bobIce = await bob.call('voiceCredentials', { body: { channelId: channel.id } });
    expect(adaIce.iceTransportPolicy).toBe('relay');

    const baseline = relay.stats();
    const a = createWrtcPeer(adaIce);
    const b = createWrtcPeer(bobIce);
    const tone = sineSource(440);
    let sink: ReturnType<typeof audioSink> | undefined;
    try {
      a.addTrack(tone.track, new wrtc.MediaStream([tone.track]));
      const heard = new Promise<MediaStreamTrack>((resolve) => {
        b.ontrack = (event) => resolve(event.track as unknown as MediaStreamTrack);
      });

      // Non-trickle, in process: each description goes over once it carries all its (relay) candidates, which also
      // lets the test count each side's allocations.
      await a.setLocalDescription(await a.createOffer());
      await gatheringComplete(a);
      const afterA = relay.stats().allocations.active;
      const adaAllocations = afterA - baseline.allocations.active;
      expect(adaAllocations).toBeGreaterThanOrEqual(1);
      const offerCandidates = candidateLines(a.localDescription?.sdp);
      console.info(
        `[wrtc relay] urls ${JSON.stringify(adaIce.iceServers.map((s) => s.urls))}\n${offerCandidates.join('\n')}`,
      );
      expect(offerCandidates.length).toBeGreaterThan(0);
      expect(offerCandidates.every((line) => / typ relay /.test(line))).toBe(true);

      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await gatheringComplete(b);
      const bobAllocations = relay.stats().allocations.active - afterA;
      expect(bobAllocations).toBeGreaterThanOrEqual(1);
      await a.setRemoteDescription(b.localDescription!);

      await Promise.all([connected(a), connected(b)]);
      sink = audioSink(await heard);
      expect(a.connectionState).toBe('connected');
      expect(b.connectionState).toBe('connected');

      const pairB = selectedPairOf(await statsList(b));
      const pairA = selectedPairOf(await statsList(a));
      expect(pairB, 'B has a selected candidate pair').toBeDefined();
      expect(pairA, 'A has a selected candidate pair').toBeDefined();
      expect([pairB!.local.candidateType, pairB!.remote.candidateType]).toEqual(['relay', 'relay']);
      expect([pairA!.local.candidateType, pairA!.remote.candidateType]).toEqual(['relay', 'relay']);

      await sleep(500);
      sink.reset();
      const bytes1 = inboundAudioBytes(await statsList(b));
      await sleep(1500);
      const bytes2 = inboundAudioBytes(await statsList(b));
      const relayed = relay.stats();
      console.info(
        `[wrtc relay] B selected pair: local ${pairB!.local.candidateType}/${pairB!.local.relayProtocol ?? pairB!.local.protocol} ` +
          `${pairB!.local.address}:${pairB!.local.port}, remote ${pairB!.remote.candidateType} ` +
          `${pairB!.remote.address}:${pairB!.remote.port}; inbound-rtp bytes ${bytes1} -> ${bytes2}; ` +
          `frames ${sink.frames}, rms ${sink.rms.toFixed(3)}; allocations ada ${adaAllocations} bob ${bobAllocations}; ` +
          `relay ${JSON.stringify({ allocations: relayed.allocations, relayed: relayed.relayed, dropped: relayed.droppedPackets })}`,
      );
      expect(bytes1).toBeGreaterThan(0);
      expect(bytes2).toBeGreaterThan(bytes1 + 1000);
      // A 0.3 full-scale sine has an RMS of about 0.21; Opus at speech bitrates keeps it well above 0.05.
      expect(sink.rms).toBeGreaterThan(0.05);
      expect(relayed.allocations.active).toBe(baseline.allocations.active + adaAllocations + bobAllocations);
      expect(relayed.relayed.client_to_peer.bytes - baseline.relayed.client_to_peer.bytes).toBeGreaterThan(1000);
      expect(relayed.relayed.peer_to_client.bytes - baseline.relayed.peer_to_client.bytes).toBeGreaterThan(1000);

      // Sign-out ends Ada's allocations at once; Bob's stay.
      await ada.call('signOut');
      expect(relay.stats().allocations.active).toBe(baseline.allocations.active + bobAllocations);
      // And the relay stops carrying her media: Bob's inbound RTP stops growing while her peer still sends.
      const atSignOut = relay.stats();
      await sleep(300);
      const stopped1 = inboundAudioBytes(await statsList(b));
      await sleep(1000);
      const stopped2 = inboundAudioBytes(await statsList(b));
      console.info(
        `[wrtc relay] after sign-out: inbound-rtp ${stopped1} -> ${stopped2}; dropped since ` +
          JSON.stringify(droppedSince(atSignOut, relay.stats())),
      );
      expect(stopped2).toBe(stopped1);
      // Her peer's packets after sign-out are counted as traffic for an ended allocation, not as hostile input.
      const dropped = droppedSince(atSignOut, relay.stats());
      expect(dropped.noAllocation).toBeGreaterThan(0);
      expect(dropped.malformed).toBe(0);
    } finally {
      sink?.stop();
      tone.stop();
      a.close();
      b.close();
    }
  });
});

describe('@roamhq/wrtc peers through the bundled relay over TCP', () => {
  it('connect relay/relay with TURN over TCP only (ChannelData framed on a stream) and carry the tone', async () => {
    const relay = t.server.relay!;
    const { owner: ada, member: bob, channel } = await twoMembersInChannel(t.server, ['ada-tcp', 'bob-tcp']);
    const tcpOnly = (ice: IceConfig): IceConfig => ({
      iceTransportPolicy: 'relay',
      iceServers: ice.iceServers.map((s) => ({ ...s, urls: s.urls.filter((url) => url.endsWith('?transport=tcp')) })),
    });
    const adaIce = tcpOnly(await ada.call('voiceCredentials', { body: { channelId: channel.id } }));
    const bobIce = tcpOnly(await bob.call('voiceCredentials', { body: { channelId: channel.id } }));
    expect(adaIce.iceServers.flatMap((s) => s.urls)).toHaveLength(1);

    const baseline = relay.stats();
    const a = createWrtcPeer(adaIce);
    const b = createWrtcPeer(bobIce);
    const tone = sineSource(440);
    let sink: ReturnType<typeof audioSink> | undefined;
    try {
      a.addTrack(tone.track, new wrtc.MediaStream([tone.track]));
      const heard = new Promise<MediaStreamTrack>((resolve) => {
        b.ontrack = (event) => resolve(event.track as unknown as MediaStreamTrack);
      });
      await a.setLocalDescription(await a.createOffer());
      await gatheringComplete(a);
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await gatheringComplete(b);
      await a.setRemoteDescription(b.localDescription!);
      await Promise.all([connected(a), connected(b)]);
      sink = audioSink(await heard);

      const pair = selectedPairOf(await statsList(b));
      expect([pair?.local.candidateType, pair?.remote.candidateType]).toEqual(['relay', 'relay']);
      expect(pair?.local.relayProtocol).toBe('tcp');
      expect(relay.stats().streamConnections - baseline.streamConnections).toBeGreaterThanOrEqual(2);

      await sleep(500);
      sink.reset();
      const bytes1 = inboundAudioBytes(await statsList(b));
      await sleep(1500);
      const bytes2 = inboundAudioBytes(await statsList(b));
      const stats = relay.stats();
      console.info(
        `[wrtc relay tcp] inbound-rtp bytes ${bytes1} -> ${bytes2}; frames ${sink.frames}, rms ${sink.rms.toFixed(3)}; ` +
          `stream connections ${stats.streamConnections}; dropped during this call ${JSON.stringify(droppedSince(baseline, stats))}`,
      );
      expect(bytes2).toBeGreaterThan(bytes1 + 1000);
      expect(sink.rms).toBeGreaterThan(0.05);
    } finally {
      sink?.stop();
      tone.stop();
      a.close();
      b.close();
    }
  });
});
