import type { Page } from 'playwright-core';
import type { IceConfig } from '../../test/support/wrtcPeer';
import { TEST_WAIT_MS } from '../../test/support/testDeadlines';

/**
 * A bare page that holds one RTCPeerConnection, driven from the test process with page.evaluate: the test carries
 * offers and answers between peers (non-trickle: descriptions leave once gathering is complete, so they carry every
 * relay candidate). Served from 127.0.0.1 (a secure context), so getUserMedia reaches Chromium's fake microphone.
 * A test page, not the app: no CSP needed.
 */
export const RELAY_PEER_PAGE = '<!doctype html><meta charset="utf-8"><title>relay peer</title><audio id="out"></audio>';

export type Description = { type: 'offer' | 'answer'; sdp: string };
type StatsEntry = Record<string, unknown> & { id: string; type: string };

interface PeerWindow {
  relayPeer?: { pc: RTCPeerConnection; stream?: MediaStream };
}

/** Creates the page's peer connection with the server-issued ICE config; `microphone` adds the fake mic's track. */
export async function openPeer(page: Page, config: IceConfig, microphone: boolean): Promise<void> {
  await page.evaluate(
    async ({ config, microphone }) => {
      const w = window as unknown as PeerWindow;
      const pc = new RTCPeerConnection({
        iceServers: config.iceServers,
        iceTransportPolicy: config.iceTransportPolicy,
      });
      w.relayPeer = { pc };
      pc.ontrack = (event) => {
        // Playing the remote stream keeps Chromium's receive-side audio pipeline (and its audio levels) running.
        const out = document.getElementById('out') as HTMLAudioElement;
        out.srcObject = event.streams[0] ?? new MediaStream([event.track]);
        void out.play().catch(() => undefined);
      };
      if (microphone) {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        w.relayPeer.stream = stream;
        for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
      }
    },
    { config, microphone },
  );
}

/**
 * Without `remote`: offers (adding a receive-only audio transceiver when there is no microphone). With an offer:
 * answers it. Either way returns the local description once ICE gathering is complete.
 */
export async function negotiate(page: Page, remote?: Description): Promise<Description> {
  return page.evaluate(async (remote) => {
    const pc = (window as unknown as PeerWindow).relayPeer!.pc;
    if (remote) {
      await pc.setRemoteDescription(remote);
      await pc.setLocalDescription(await pc.createAnswer());
    } else {
      if (pc.getTransceivers().length === 0) pc.addTransceiver('audio', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
    }
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('ICE gathering not complete after 30 s')), 30_000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState !== 'complete') return;
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const local = pc.localDescription!;
    return { type: local.type as Description['type'], sdp: local.sdp };
  }, remote);
}

export async function acceptAnswer(page: Page, answer: Description): Promise<void> {
  await page.evaluate(async (answer) => {
    await (window as unknown as PeerWindow).relayPeer!.pc.setRemoteDescription(answer);
  }, answer);
}

/** Waits for connectionState 'connected' (rejects on 'failed' or after the timeout). */
export async function waitConnected(page: Page, timeoutMs = TEST_WAIT_MS): Promise<void> {
  await page.evaluate((timeoutMs) => {
    const pc = (window as unknown as PeerWindow).relayPeer!.pc;
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pc.connectionState === 'connected') resolve();
        else if (pc.connectionState === 'failed') reject(new Error('connection failed'));
      };
      setTimeout(() => reject(new Error(`not connected after ${timeoutMs} ms (${pc.connectionState})`)), timeoutMs);
      pc.addEventListener('connectionstatechange', check);
      check();
    });
  }, timeoutMs);
}

/** getStats() as plain objects (they cross into the test process as JSON). */
export async function pageStats(page: Page): Promise<StatsEntry[]> {
  return page.evaluate(async () => {
    const report = await (window as unknown as PeerWindow).relayPeer!.pc.getStats();
    const list: StatsEntry[] = [];
    report.forEach((entry: StatsEntry) => list.push({ ...entry }));
    return list;
  });
}

export async function closePeer(page: Page): Promise<void> {
  await page
    .evaluate(() => {
      const peer = (window as unknown as PeerWindow).relayPeer;
      peer?.stream?.getTracks().forEach((track) => track.stop());
      peer?.pc.close();
    })
    .catch(() => undefined);
}
