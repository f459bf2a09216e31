import type { Browser, BrowserContext, Page } from 'playwright-core';
import wrtc from '@roamhq/wrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
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
} from '../test/support/wrtcPeer';
import { launchChromium } from './harness/chromium';
import {
  acceptAnswer,
  closePeer,
  negotiate,
  openPeer,
  pageStats,
  RELAY_PEER_PAGE,
  waitConnected,
  type Description,
} from './harness/relayPeerPage';
import { serveDirectory, type StaticServer } from './harness/staticServer';

/*
 * Debian's Chromium (fake microphone: a beep) with iceTransportPolicy 'relay' and the TURN REST credentials the
 * REAL bundled server issues: Chromium <-> Chromium and Chromium <-> @roamhq/wrtc, through the embedded relay only.
 */

let t: TestServer;
let pages: StaticServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let channelId: string;
let owner: TestClient;
let inviteCode: string;

beforeAll(async () => {
  t = await startTestServer();
  pages = await serveDirectory(import.meta.dirname, { '/peer.html': RELAY_PEER_PAGE });
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  owner = await signUpAndIn(t.server, 'owner');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: `relay-e2e-${Date.now()}`, name: 'R' } });
  channelId = (await owner.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: 'V' } }))
    .channel.id;
  inviteCode = (await owner.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 100 } }))
    .code;
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await pages?.close();
  await t?.close();
});

/** A fresh member of the workspace and the ICE config the server gives them for the voice channel. */
async function member(): Promise<{ client: TestClient; ice: IceConfig }> {
  const client = await signUpAndIn(t.server);
  await client.call('acceptInvite', { body: { code: inviteCode } });
  const ice = await client.call('voiceCredentials', { body: { channelId } });
  expect(ice.iceTransportPolicy).toBe('relay');
  return { client, ice };
}

async function peerPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${pages.origin}/peer.html`);
  return page;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function inboundAudio(stats: Awaited<ReturnType<typeof pageStats>>) {
  const inbound = stats.find((s) => s.type === 'inbound-rtp' && s['kind'] === 'audio');
  return {
    bytes: Number(inbound?.['bytesReceived'] ?? 0),
    audioLevel: Number(inbound?.['audioLevel'] ?? 0),
    totalAudioEnergy: Number(inbound?.['totalAudioEnergy'] ?? 0),
  };
}

function describePair(pair: ReturnType<typeof selectedPairOf>): string {
  if (!pair) return 'none';
  const { local, remote } = pair;
  return `local ${local.candidateType}/${local.relayProtocol ?? '?'} ${local.address}:${local.port} -> remote ${remote.candidateType} ${remote.address}:${remote.port}`;
}

describe('Chromium through the bundled relay (relay-only ICE)', () => {
  it('two Chromium pages connect relay/relay and the fake microphone is heard', async () => {
    const relay = t.server.relay!;
    const before = relay.stats();
    const [ada, bob] = [await member(), await member()];
    const [sender, receiver] = [await peerPage(), await peerPage()];
    try {
      await openPeer(sender, ada.ice, true);
      await openPeer(receiver, bob.ice, false);
      const offer = await negotiate(sender);
      expect(candidateLines(offer.sdp).length).toBeGreaterThan(0);
      expect(candidateLines(offer.sdp).every((line) => / typ relay /.test(line))).toBe(true);
      const answer = await negotiate(receiver, offer);
      await acceptAnswer(sender, answer);
      await Promise.all([waitConnected(sender), waitConnected(receiver)]);

      const first = await pageStats(receiver);
      const pair = selectedPairOf(first);
      const senderPair = selectedPairOf(await pageStats(sender));
      expect([pair?.local.candidateType, pair?.remote.candidateType]).toEqual(['relay', 'relay']);
      expect([senderPair?.local.candidateType, senderPair?.remote.candidateType]).toEqual(['relay', 'relay']);

      const start = inboundAudio(first);
      await sleep(2500);
      const later = inboundAudio(await pageStats(receiver));
      const stats = relay.stats();
      console.info(
        `[chromium relay] receiver pair ${describePair(pair)}; inbound-rtp bytes ${start.bytes} -> ${later.bytes}, ` +
          `audioLevel ${later.audioLevel.toFixed(4)}, totalAudioEnergy ${later.totalAudioEnergy.toFixed(4)}; relay ` +
          JSON.stringify({ allocations: stats.allocations, relayed: stats.relayed, dropped: stats.droppedPackets }),
      );
      expect(later.bytes).toBeGreaterThan(start.bytes + 1000);
      // The fake device beeps about once a second; energy accumulates, while the instant level may fall between beeps.
      expect(later.totalAudioEnergy).toBeGreaterThan(0);
      expect(stats.allocations.active).toBeGreaterThan(before.allocations.active);
      expect(stats.relayed.client_to_peer.bytes).toBeGreaterThan(before.relayed.client_to_peer.bytes + 1000);
    } finally {
      await closePeer(sender);
      await closePeer(receiver);
    }
  });

  it('a Chromium page and a @roamhq/wrtc peer connect relay/relay and hear each other', async () => {
    const [ada, bob] = [await member(), await member()];
    const page = await peerPage();
    const node = createWrtcPeer(ada.ice);
    const tone = sineSource(440);
    let sink: ReturnType<typeof audioSink> | undefined;
    try {
      node.addTrack(tone.track, new wrtc.MediaStream([tone.track]));
      const heard = new Promise<MediaStreamTrack>((resolve) => {
        node.ontrack = (event) => resolve(event.track as unknown as MediaStreamTrack);
      });
      await openPeer(page, bob.ice, true);
      await node.setLocalDescription(await node.createOffer());
      await gatheringComplete(node);
      const offer = node.localDescription!;
      const answer = await negotiate(page, { type: 'offer', sdp: offer.sdp } satisfies Description);
      await node.setRemoteDescription(answer);
      await Promise.all([connected(node), waitConnected(page)]);
      sink = audioSink(await heard);

      const pagePair = selectedPairOf(await pageStats(page));
      const nodePair = selectedPairOf(await statsList(node));
      expect([pagePair?.local.candidateType, pagePair?.remote.candidateType]).toEqual(['relay', 'relay']);
      expect([nodePair?.local.candidateType, nodePair?.remote.candidateType]).toEqual(['relay', 'relay']);

      const pageStart = inboundAudio(await pageStats(page));
      const nodeStart = inboundAudioBytes(await statsList(node));
      await sleep(500);
      sink.reset();
      await sleep(2000);
      const pageLater = inboundAudio(await pageStats(page));
      const nodeLater = inboundAudioBytes(await statsList(node));
      console.info(
        `[chromium<->wrtc relay] page pair ${describePair(pagePair)}; page inbound-rtp ${pageStart.bytes} -> ` +
          `${pageLater.bytes}, audioLevel ${pageLater.audioLevel.toFixed(4)}, totalAudioEnergy ` +
          `${pageLater.totalAudioEnergy.toFixed(4)}; wrtc inbound-rtp ${nodeStart} -> ${nodeLater}, ` +
          `frames ${sink.frames}, rms ${sink.rms.toFixed(4)}, max frame rms ${sink.maxFrameRms.toFixed(4)}`,
      );
      // Chromium hears the 440 Hz sine (continuous, so the instant level is up too).
      expect(pageLater.bytes).toBeGreaterThan(pageStart.bytes + 1000);
      expect(pageLater.totalAudioEnergy).toBeGreaterThan(0);
      expect(pageLater.audioLevel).toBeGreaterThan(0);
      // The wrtc peer hears Chromium's fake microphone (beeps, so the loudest frame rather than the mean).
      expect(nodeLater).toBeGreaterThan(nodeStart + 1000);
      expect(sink.maxFrameRms).toBeGreaterThan(0.01);
    } finally {
      sink?.stop();
      tone.stop();
      node.close();
      await closePeer(page);
    }
  });
});
