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

type StatsEntry = Readonly<Record<string, unknown>>;

/** One open peer connection of the page: its state and every entry of its getStats report. */
export interface OpenConnectionStats {
  readonly connectionState: string;
  readonly entries: readonly StatsEntry[];
}

/** Every open peer connection of the page with its stats, read in the page; callers pick what they need here. */
export async function openConnectionStats(page: Page): Promise<OpenConnectionStats[]> {
  return page.evaluate(async () => {
    const probe = (window as unknown as { __whootRtcProbe: { pcs: RTCPeerConnection[] } }).__whootRtcProbe;
    const results = [];
    for (const pc of probe.pcs) {
      if (pc.connectionState === 'closed') continue;
      const entries: Record<string, unknown>[] = [];
      (await pc.getStats()).forEach((entry: Record<string, unknown>) => entries.push(entry));
      results.push({ connectionState: pc.connectionState, entries });
    }
    return results;
  });
}

/** The two ends of the selected candidate pair (undefined before ICE has chosen one). */
export function selectedEnds(entries: readonly StatsEntry[]): { local?: StatsEntry; remote?: StatsEntry } {
  const byId = new Map(entries.map((entry) => [entry['id'], entry]));
  const transport = entries.find((entry) => entry['type'] === 'transport');
  const pair = byId.get(transport?.['selectedCandidatePairId']);
  return { local: byId.get(pair?.['localCandidateId']), remote: byId.get(pair?.['remoteCandidateId']) };
}

/** A candidate's type (host, srflx, relay), or null. */
export const candidateType = (candidate: StatsEntry | undefined): string | null =>
  (candidate?.['candidateType'] as string | undefined) ?? null;

/** Inbound audio of every open peer connection of the page. */
export async function inboundAudio(page: Page): Promise<InboundAudio[]> {
  return (await openConnectionStats(page)).map(({ connectionState, entries }) => {
    const inbound = entries.find((entry) => entry['type'] === 'inbound-rtp' && entry['kind'] === 'audio');
    const { local, remote } = selectedEnds(entries);
    return {
      bytesReceived: Number(inbound?.['bytesReceived'] ?? 0),
      packetsReceived: Number(inbound?.['packetsReceived'] ?? 0),
      audioLevel: Number(inbound?.['audioLevel'] ?? 0),
      localCandidateType: candidateType(local),
      remoteCandidateType: candidateType(remote),
      connectionState,
    };
  });
}

/** RTP packets of audio the page has sent, summed over its open peer connections. */
export async function audioPacketsSent(page: Page): Promise<number> {
  let sent = 0;
  for (const { entries } of await openConnectionStats(page)) {
    for (const entry of entries) {
      if (entry['type'] === 'outbound-rtp' && entry['kind'] === 'audio') sent += Number(entry['packetsSent'] ?? 0);
    }
  }
  return sent;
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
