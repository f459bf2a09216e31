import wrtc from '@roamhq/wrtc';
import { dominantFrequency, type DominantFrequency } from '../audio/goertzel';
import { createMixRecorder, type MixRecorder } from '../audio/mixRecorder';
import { createOnsetDetector, type OnsetDetectorOptions } from '../audio/onsetDetector';
import { FRAME_SAMPLES, rmsOf, SAMPLE_RATE, toMono, withGain } from '../audio/pcm';
import { resample, writeWavFile } from '../audio/wavFile';
import type { SpeakerPort } from '../../renderer/voice/ports';

/** The output device id the bot answers to (null, the default, is accepted too). */
export const BOT_SPEAKER_ID = 'whoot-bot-speaker';

/** A frame louder than this (RMS, fraction of full scale) is sound: the jitter buffer's first output is silence. */
export const FIRST_SOUND_LEVEL = 0.01;

/** Level and frequency are read over the last 100 ms: long enough for 10 Hz resolution, short enough to follow mute. */
const WINDOW_FRAMES = 10;

export interface PeerHearing {
  readonly peerId: string;
  /** Frames the sink delivered (counted before volume and deafen: what came off the wire). */
  readonly frames: number;
  /** RMS of what played over the last 100 ms, fraction of full scale. */
  readonly level: number;
  /** The strongest of the frequencies of interest in what played over the last 100 ms, or null. */
  readonly dominant: DominantFrequency | null;
  readonly volume: number;
  /** performance.now() of each tone-burst onset heard. */
  readonly onsets: readonly number[];
  /** performance.now() of the first frame. */
  readonly firstFrameAt: number | null;
  /** performance.now() of the first frame with sound in it (RMS above FIRST_SOUND_LEVEL, before volume). */
  readonly firstSoundAt: number | null;
}

export interface WrtcSpeakers extends SpeakerPort {
  /** Peers attached now. */
  peerIds(): string[];
  hearing(peerId: string, frequencies?: readonly number[]): PeerHearing | null;
  onFirstSound(listener: (peerId: string, at: number) => void): () => void;
  onOnset(listener: (peerId: string, at: number) => void): () => void;
  deafened(): boolean;
  outputDevice(): string | null;
  /** Writes the mix of everything played since the speakers were created (needs `record: true`). */
  writeRecording(path: string): number;
}

export interface WrtcSpeakersOptions {
  /** The frequencies `hearing()` compares when the caller names none. */
  readonly frequencies?: readonly number[];
  readonly record?: boolean;
  readonly onsets?: OnsetDetectorOptions;
  readonly outputIds?: readonly string[];
  readonly now?: () => number;
  /**
   * Stop copying a peer's audio into JavaScript once its first sound is heard: for a load generator (bench:voice's
   * large channels), where a dozen bots in one process would otherwise spend a core on per-frame callbacks. The
   * stream is still received, decrypted and decoded by libwebrtc (its audio device pulls every stream); only level,
   * frequency, onsets and recording stop at that first sound.
   */
  readonly untilFirstSound?: boolean;
}

interface AttachedPeer {
  readonly sink: InstanceType<typeof wrtc.nonstandard.RTCAudioSink>;
  readonly window: Int16Array[];
  readonly onsets: number[];
  readonly detector: ReturnType<typeof createOnsetDetector>;
  frames: number;
  firstFrameAt: number | null;
  firstSoundAt: number | null;
  listening: boolean;
}

interface SinkFrame {
  readonly samples: Int16Array;
  readonly sampleRate: number;
  readonly channelCount?: number;
}

/**
 * The bot's speakers: one RTCAudioSink per remote peer. Each frame is scaled by the peer's volume (0 to 2; 0 when
 * deafened), then measured (level, frequency, burst onsets) and, with `record`, mixed into a recording, so what the
 * bot reports is what a person at this seat would have heard.
 */
export function createWrtcSpeakers(options: WrtcSpeakersOptions = {}): WrtcSpeakers {
  const now = options.now ?? (() => performance.now());
  const outputIds = options.outputIds ?? [BOT_SPEAKER_ID];
  const frequencies = options.frequencies ?? [];
  const peers = new Map<string, AttachedPeer>();
  const volumes = new Map<string, number>();
  const firstSoundListeners = new Set<(peerId: string, at: number) => void>();
  const onsetListeners = new Set<(peerId: string, at: number) => void>();
  const recorder: MixRecorder | null = options.record ? createMixRecorder(now()) : null;
  let isDeafened = false;
  let output: string | null = null;

  function receive(peerId: string, peer: AttachedPeer, frame: SinkFrame): void {
    const at = now();
    let samples = toMono(frame.samples, frame.channelCount ?? 1);
    if (frame.sampleRate !== SAMPLE_RATE)
      samples = resample({ sampleRate: frame.sampleRate, samples }, SAMPLE_RATE).samples;
    peer.frames++;
    peer.firstFrameAt ??= at;
    if (peer.firstSoundAt === null && rmsOf(samples) > FIRST_SOUND_LEVEL) {
      peer.firstSoundAt = at;
      for (const listener of [...firstSoundListeners]) listener(peerId, at);
      if (options.untilFirstSound) {
        stopListening(peer);
        return;
      }
    }
    const played = withGain(samples, isDeafened ? 0 : (volumes.get(peerId) ?? 1));
    peer.window.push(played);
    if (peer.window.length > WINDOW_FRAMES) peer.window.shift();
    const onset = peer.detector.push(played, at);
    if (onset !== null) {
      peer.onsets.push(onset);
      for (const listener of [...onsetListeners]) listener(peerId, onset);
    }
    recorder?.add(peerId, played, at);
  }

  function windowOf(peer: AttachedPeer): Int16Array {
    const joined = new Int16Array(peer.window.length * FRAME_SAMPLES);
    peer.window.forEach((frame, i) => joined.set(frame.subarray(0, FRAME_SAMPLES), i * FRAME_SAMPLES));
    return joined;
  }

  function stopListening(peer: AttachedPeer): void {
    if (!peer.listening) return;
    peer.listening = false;
    peer.sink.stop();
  }

  function detach(peerId: string): void {
    const peer = peers.get(peerId);
    if (peer === undefined) return;
    stopListening(peer);
    peers.delete(peerId);
  }

  const subscribe =
    <T>(set: Set<T>) =>
    (listener: T) => {
      set.add(listener);
      return () => void set.delete(listener);
    };

  return {
    attach(peerId, track) {
      detach(peerId);
      const sink = new wrtc.nonstandard.RTCAudioSink(track as never);
      const peer: AttachedPeer = {
        sink,
        window: [],
        onsets: [],
        detector: createOnsetDetector(options.onsets),
        frames: 0,
        firstFrameAt: null,
        firstSoundAt: null,
        listening: true,
      };
      peers.set(peerId, peer);
      sink.ondata = (frame: SinkFrame) => {
        if (peers.get(peerId) === peer && peer.listening) receive(peerId, peer, frame);
      };
    },
    detach,
    setVolume(peerId, volume) {
      volumes.set(peerId, Math.max(0, Math.min(2, volume)));
    },
    setDeafened(deafened) {
      isDeafened = deafened;
    },
    async outputIds() {
      return [...outputIds];
    },
    async setOutputDevice(deviceId) {
      if (deviceId !== null && !outputIds.includes(deviceId)) throw new Error(`No audio output with id ${deviceId}.`);
      output = deviceId;
    },
    close() {
      for (const peerId of [...peers.keys()]) detach(peerId);
    },
    peerIds: () => [...peers.keys()],
    hearing(peerId, probe = frequencies) {
      const peer = peers.get(peerId);
      if (peer === undefined) return null;
      const window = windowOf(peer);
      return {
        peerId,
        frames: peer.frames,
        level: rmsOf(window),
        dominant: probe.length === 0 ? null : dominantFrequency(window, probe),
        volume: volumes.get(peerId) ?? 1,
        onsets: [...peer.onsets],
        firstFrameAt: peer.firstFrameAt,
        firstSoundAt: peer.firstSoundAt,
      };
    },
    onFirstSound: subscribe(firstSoundListeners),
    onOnset: subscribe(onsetListeners),
    deafened: () => isDeafened,
    outputDevice: () => output,
    writeRecording(path) {
      if (recorder === null) throw new Error('These speakers were created without record: true.');
      const samples = recorder.samples();
      writeWavFile(path, samples);
      return samples.length;
    },
  };
}
