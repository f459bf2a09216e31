import wrtc from '@roamhq/wrtc';
import { startFramePacer, type FramePacer } from '../audio/framePacer';
import { FRAME_SAMPLES, SAMPLE_RATE } from '../audio/pcm';
import { createTestSignal, type TestSignalSpec } from '../audio/testSignal';
import { MicrophoneError, type MicrophonePort } from '../../renderer/voice/ports';

/** The device id the bot's one input answers to (the engine passes null for the default, or this). */
export const BOT_MICROPHONE_ID = 'whoot-bot-microphone';

export interface BurstEmission {
  /** performance.now() when the burst's first sample entered the audio source. */
  readonly at: number;
  readonly frequency: number;
}

export interface WrtcMicrophone extends MicrophonePort {
  /** Tracks opened and not yet stopped: 0 once the engine released the microphone. */
  liveTracks(): number;
  /** Tone-burst onsets sent while the track was enabled (a muted burst is silence on the wire, so it is left out). */
  emissions(): readonly BurstEmission[];
  /** Frames the pacers skipped because the event loop stalled (the signal then runs behind real time). */
  skippedFrames(): number;
  /** Stops every track's pacer, whatever the engine did. */
  close(): void;
}

interface OpenTrack {
  readonly track: MediaStreamTrack;
  pacer: FramePacer | null;
  /** Peak amplitude (0 to 1) of the frames sent since the meter last read it. */
  peak: number;
}

function peakOf(frame: Int16Array): number {
  let peak = 0;
  for (const sample of frame) peak = Math.max(peak, Math.abs(sample));
  return peak / 32768;
}

/**
 * The bot's microphone: a test signal (tone, tone bursts or WAV samples) pushed into an RTCAudioSource track in
 * real time, 10 ms per frame. Each open starts the signal afresh on a new track, like reopening a device; a track
 * the engine stops also stops its pacer, so "microphone released" is something a test can count.
 */
export function createWrtcMicrophone(
  spec: TestSignalSpec,
  options: { readonly now?: () => number; readonly deviceIds?: readonly string[] } = {},
): WrtcMicrophone {
  const now = options.now ?? (() => performance.now());
  const deviceIds = options.deviceIds ?? [BOT_MICROPHONE_ID];
  const open = new Set<OpenTrack>();
  const emissions: BurstEmission[] = [];
  const frequency = spec.kind === 'tone' ? spec.frequency : 0;

  let skippedByReleased = 0;

  function release(entry: OpenTrack): void {
    skippedByReleased += entry.pacer?.skipped() ?? 0;
    entry.pacer?.stop();
    open.delete(entry);
  }

  return {
    // The signal is synthetic: there is no echo, noise or gain to process, so the requested processing is moot.
    async open(deviceId) {
      if (deviceId !== null && !deviceIds.includes(deviceId)) {
        throw new MicrophoneError('not_found', `No microphone with id ${deviceId}.`);
      }
      const source = new wrtc.nonstandard.RTCAudioSource();
      const track = source.createTrack() as unknown as MediaStreamTrack;
      const signal = createTestSignal(spec);
      const frame = new Int16Array(FRAME_SAMPLES);
      const entry: OpenTrack = { track, pacer: null, peak: 0 };
      entry.pacer = startFramePacer(() => {
        if (track.readyState === 'ended') return release(entry);
        const onset = signal.fill(frame);
        entry.peak = Math.max(entry.peak, peakOf(frame));
        const at = now();
        source.onData({
          samples: frame,
          sampleRate: SAMPLE_RATE,
          bitsPerSample: 16,
          channelCount: 1,
          numberOfFrames: FRAME_SAMPLES,
        });
        if (onset !== null && track.enabled) {
          emissions.push({ at: at + (onset * 1000) / SAMPLE_RATE, frequency });
        }
      }, now);
      open.add(entry);
      return track;
    },
    async inputIds() {
      return [...deviceIds];
    },
    liveTracks() {
      for (const entry of [...open]) if (entry.track.readyState === 'ended') release(entry);
      return open.size;
    },
    emissions: () => emissions,
    meter(track) {
      // Read from the signal itself, before the engine's gating (it disables the track to mute).
      let entry = [...open].find((candidate) => candidate.track === track);
      return {
        level() {
          if (entry === undefined) return 0;
          const peak = entry.peak;
          entry.peak = 0;
          return peak;
        },
        stop() {
          entry = undefined;
        },
      };
    },
    skippedFrames: () => [...open].reduce((sum, entry) => sum + (entry.pacer?.skipped() ?? 0), skippedByReleased),
    close() {
      for (const entry of [...open]) {
        release(entry);
        entry.track.stop();
      }
    },
  };
}
