import type { Page } from 'playwright-core';

/**
 * Test instrumentation injected before the app loads: it wraps the page's RTCPeerConnection and getUserMedia to
 * keep references to what the app creates, so a test can read getStats and track states the way
 * chrome://webrtc-internals does. The app's own code is unchanged and exposes nothing itself.
 */
export const RTC_PROBE_SCRIPT = `(() => {
  const probe = { pcs: [], tracks: [] };
  Object.defineProperty(window, '__whootRtcProbe', { value: probe });
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (configuration) {
    const pc = new Native(configuration);
    probe.pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
  const devices = navigator.mediaDevices;
  if (devices) {
    const getUserMedia = devices.getUserMedia.bind(devices);
    devices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      probe.tracks.push(...stream.getTracks());
      return stream;
    };
  }
})();`;

export interface InboundAudio {
  readonly bytesReceived: number;
  readonly packetsReceived: number;
  readonly audioLevel: number;
  readonly localCandidateType: string | null;
  readonly remoteCandidateType: string | null;
  readonly connectionState: string;
}

/** Inbound audio of every open peer connection of the page. */
export async function inboundAudio(page: Page): Promise<InboundAudio[]> {
  return page.evaluate(async () => {
    const probe = (window as unknown as { __whootRtcProbe: { pcs: RTCPeerConnection[] } }).__whootRtcProbe;
    const results = [];
    for (const pc of probe.pcs) {
      if (pc.connectionState === 'closed') continue;
      const entries: Record<string, unknown>[] = [];
      (await pc.getStats()).forEach((entry: Record<string, unknown>) => entries.push(entry));
      const byId = new Map(entries.map((entry) => [entry['id'], entry]));
      const inbound = entries.find((entry) => entry['type'] === 'inbound-rtp' && entry['kind'] === 'audio');
      const transport = entries.find((entry) => entry['type'] === 'transport');
      const pair = byId.get(transport?.['selectedCandidatePairId']);
      results.push({
        bytesReceived: Number(inbound?.['bytesReceived'] ?? 0),
        packetsReceived: Number(inbound?.['packetsReceived'] ?? 0),
        audioLevel: Number(inbound?.['audioLevel'] ?? 0),
        localCandidateType: (byId.get(pair?.['localCandidateId'])?.['candidateType'] as string | undefined) ?? null,
        remoteCandidateType: (byId.get(pair?.['remoteCandidateId'])?.['candidateType'] as string | undefined) ?? null,
        connectionState: pc.connectionState,
      });
    }
    return results;
  });
}

/** Every peer connection and microphone track the page ever made, by state. */
export async function rtcLeftovers(page: Page) {
  return page.evaluate(() => {
    const probe = (
      window as unknown as {
        __whootRtcProbe: { pcs: RTCPeerConnection[]; tracks: MediaStreamTrack[] };
      }
    ).__whootRtcProbe;
    return {
      openPeerConnections: probe.pcs.filter((pc) => pc.connectionState !== 'closed').length,
      liveTracks: probe.tracks.filter((track) => track.readyState === 'live').length,
      peerConnections: probe.pcs.length,
      tracks: probe.tracks.length,
    };
  });
}
