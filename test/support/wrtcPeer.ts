import wrtc from '@roamhq/wrtc';
import { TEST_WAIT_MS } from './testDeadlines';

/** The ICE configuration the server hands out (`voiceCredentials`), as WebRTC takes it. */
export interface IceConfig {
  iceServers: { urls: string[]; username: string; credential: string }[];
  iceTransportPolicy: 'relay' | 'all';
}

/** 48 kHz, 16-bit mono, 10 ms per frame: what RTCAudioSource takes and RTCAudioSink hands back. */
export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 480;

type Pc = InstanceType<typeof wrtc.RTCPeerConnection>;

export interface SelectedPair {
  state: string;
  local: {
    candidateType: string;
    protocol?: string;
    relayProtocol?: string;
    /** The STUN or TURN server the candidate came through. */
    url?: string;
    address?: string;
    port?: number;
  };
  remote: { candidateType: string; protocol?: string; address?: string; port?: number };
}

/** A headless WebRTC peer (libwebrtc through @roamhq/wrtc) configured like the app's voice engine. */
export function createWrtcPeer(config: IceConfig): Pc {
  return new wrtc.RTCPeerConnection({
    iceServers: config.iceServers.map((s) => ({ urls: s.urls, username: s.username, credential: s.credential })),
    iceTransportPolicy: config.iceTransportPolicy,
  });
}

/** Resolves once ICE gathering is complete (non-trickle signalling: the description then carries every candidate). */
export function gatheringComplete(pc: Pc, timeoutMs = TEST_WAIT_MS): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ICE gathering not complete after ${timeoutMs} ms`)), timeoutMs);
    const check = () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Resolves when `pc.connectionState` is 'connected'; rejects on 'failed' or after the timeout. */
export function connected(pc: Pc, timeoutMs = TEST_WAIT_MS): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not connected after ${timeoutMs} ms (state ${pc.connectionState})`)),
      timeoutMs,
    );
    const check = () => {
      if (pc.connectionState === 'connected') {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', check);
        resolve();
      } else if (pc.connectionState === 'failed') {
        clearTimeout(timer);
        pc.removeEventListener('connectionstatechange', check);
        reject(new Error('connection failed'));
      }
    };
    pc.addEventListener('connectionstatechange', check);
  });
}

/** The candidate lines of a description, for diagnostics ("a=candidate:... typ relay ..."). */
export function candidateLines(sdp: string | undefined): string[] {
  return (sdp ?? '').split(/\r?\n/).filter((line) => line.startsWith('a=candidate:'));
}

type StatsEntry = Record<string, unknown> & { id: string; type: string };

/** getStats() as a plain list (the report is a Map in Chromium and in wrtc). */
export async function statsList(pc: { getStats(): Promise<unknown> }): Promise<StatsEntry[]> {
  const report = (await pc.getStats()) as Map<string, StatsEntry>;
  return [...report.values()];
}

/** The selected candidate pair, by the standard path: transport -> selectedCandidatePairId -> candidate pair. */
export function selectedPairOf(stats: StatsEntry[]): SelectedPair | undefined {
  const byId = new Map(stats.map((s) => [s.id, s]));
  const transport = stats.find((s) => s.type === 'transport' && typeof s['selectedCandidatePairId'] === 'string');
  // Some builds omit selectedCandidatePairId; fall back to the nominated, succeeded pair.
  const pair =
    (transport && byId.get(transport['selectedCandidatePairId'] as string)) ??
    stats.find((s) => s.type === 'candidate-pair' && s['nominated'] === true && s['state'] === 'succeeded');
  if (!pair) return undefined;
  const local = byId.get(pair['localCandidateId'] as string);
  const remote = byId.get(pair['remoteCandidateId'] as string);
  if (!local || !remote) return undefined;
  return {
    state: String(pair['state']),
    local: local as unknown as SelectedPair['local'],
    remote: remote as unknown as SelectedPair['remote'],
  };
}

/** Bytes received over every inbound audio RTP stream. */
export function inboundAudioBytes(stats: StatsEntry[]): number {
  return stats
    .filter((s) => s.type === 'inbound-rtp' && (s['kind'] ?? s['mediaType']) === 'audio')
    .reduce((sum, s) => sum + Number(s['bytesReceived'] ?? 0), 0);
}

/** A sine tone fed into an RTCAudioSource every 10 ms; `stop()` ends the timer and the track. */
export function sineSource(frequencyHz = 440, amplitude = 0.3) {
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  let phase = 0;
  const step = (2 * Math.PI * frequencyHz) / SAMPLE_RATE;
  const feed = () => {
    const samples = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      samples[i] = Math.round(Math.sin(phase) * amplitude * 32767);
      phase += step;
    }
    phase %= 2 * Math.PI;
    source.onData({
      samples,
      sampleRate: SAMPLE_RATE,
      bitsPerSample: 16,
      channelCount: 1,
      numberOfFrames: FRAME_SAMPLES,
    });
  };
  const timer = setInterval(feed, 10);
  return {
    track,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}

/** Collects what an RTCAudioSink hears: frame count and the RMS (0..1 of full scale) of the loudest recent frames. */
export function audioSink(track: MediaStreamTrack) {
  const sink = new wrtc.nonstandard.RTCAudioSink(track as never);
  let frames = 0;
  let sumSquares = 0;
  let samplesSeen = 0;
  let maxFrameRms = 0;
  sink.ondata = (event: { samples: Int16Array; sampleRate: number; channelCount: number }) => {
    frames++;
    let sq = 0;
    for (const s of event.samples) sq += (s / 32768) ** 2;
    const rms = Math.sqrt(sq / Math.max(1, event.samples.length));
    if (rms > maxFrameRms) maxFrameRms = rms;
    sumSquares += sq;
    samplesSeen += event.samples.length;
  };
  return {
    get frames() {
      return frames;
    },
    /** RMS over everything received so far (silence before the first packets drags it down a little). */
    get rms() {
      return samplesSeen === 0 ? 0 : Math.sqrt(sumSquares / samplesSeen);
    },
    get maxFrameRms() {
      return maxFrameRms;
    },
    /** Starts a new measuring window (e.g. once the call is connected, so set-up silence does not count). */
    reset() {
      sumSquares = 0;
      samplesSeen = 0;
      maxFrameRms = 0;
    },
    stop() {
      sink.stop();
    },
  };
}
