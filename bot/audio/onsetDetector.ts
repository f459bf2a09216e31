import { SAMPLE_RATE } from './pcm';

export interface OnsetDetectorOptions {
  /** Peak below this (fraction of full scale) counts as quiet. Opus leaves a little noise after a burst. */
  readonly quietBelow?: number;
  /** The first sample at or above this after enough quiet is the onset. */
  readonly onsetAt?: number;
  /** Quiet time needed before a new onset counts, so the ripple inside one burst never reads as a second onset. */
  readonly minQuietMs?: number;
}

export interface OnsetDetector {
  /** Feeds one frame that started playing at `at` (ms); returns the onset time within it, or null. */
  push(samples: Int16Array, at: number): number | null;
}

/**
 * Finds where tone bursts start in a stream: after at least `minQuietMs` of quiet, sound that reaches `onsetAt`,
 * timed to its first sample above quiet (a frame is 10 ms; the sample offset is what makes the mouth-to-ear figure
 * finer than that).
 */
export function createOnsetDetector(options: OnsetDetectorOptions = {}): OnsetDetector {
  const quietBelow = (options.quietBelow ?? 0.01) * 32768;
  const onsetAt = (options.onsetAt ?? 0.05) * 32768;
  const minQuietSamples = ((options.minQuietMs ?? 50) * SAMPLE_RATE) / 1000;
  let quietSamples = 0;
  let armed = false;
  /** Where the sound that may become an onset started (its first sample above quiet), while armed. */
  let rising: number | null = null;
  return {
    push(samples, at) {
      let onset: number | null = null;
      for (let i = 0; i < samples.length; i++) {
        const magnitude = Math.abs(samples[i] ?? 0);
        if (magnitude < quietBelow) {
          quietSamples++;
          if (quietSamples >= minQuietSamples) armed = true;
          continue;
        }
        quietSamples = 0;
        if (!armed) continue;
        // A burst rises through the band between the thresholds in its first samples; the onset is where it began.
        rising ??= at + (i * 1000) / SAMPLE_RATE;
        if (magnitude >= onsetAt) {
          onset ??= rising;
          armed = false;
          rising = null;
        }
      }
      return onset;
    },
  };
}
