import { SAMPLE_RATE } from './pcm';

/** What the bot's microphone plays: a steady tone, a tone in bursts (for onset timing), or recorded audio. */
export type TestSignalSpec =
  | {
      readonly kind: 'tone';
      readonly frequency: number;
      /** Fraction of full scale; 0.3 leaves Opus headroom and is loud enough to read through any gain. */
      readonly amplitude?: number;
      /** Tone for `onMs` at the start of every `periodMs`, silence in between. */
      readonly bursts?: { readonly onMs: number; readonly periodMs: number };
    }
  | { readonly kind: 'samples'; readonly samples: Int16Array; readonly loop: boolean };

export const DEFAULT_AMPLITUDE = 0.3;
export const DEFAULT_BURSTS = { onMs: 100, periodMs: 500 } as const;

export interface TestSignal {
  /**
   * Writes the next samples into `frame`; returns the index in the frame where a tone burst starts, or null.
   * Calls are consecutive: the signal keeps its own position (and the tone its phase).
   */
  fill(frame: Int16Array): number | null;
}

export function createTestSignal(spec: TestSignalSpec): TestSignal {
  if (spec.kind === 'samples') {
    let position = 0;
    return {
      fill(frame) {
        for (let i = 0; i < frame.length; i++) {
          if (position >= spec.samples.length) {
            if (!spec.loop || spec.samples.length === 0) {
              frame.fill(0, i);
              return null;
            }
            position = 0;
          }
          frame[i] = spec.samples[position++] ?? 0;
        }
        return null;
      },
    };
  }
  const amplitude = (spec.amplitude ?? DEFAULT_AMPLITUDE) * 32767;
  const step = (2 * Math.PI * spec.frequency) / SAMPLE_RATE;
  const period = spec.bursts ? Math.round((spec.bursts.periodMs * SAMPLE_RATE) / 1000) : 0;
  const on = spec.bursts ? Math.round((spec.bursts.onMs * SAMPLE_RATE) / 1000) : 0;
  let sampleIndex = 0;
  let phase = 0;
  return {
    fill(frame) {
      let onset: number | null = null;
      for (let i = 0; i < frame.length; i++, sampleIndex++) {
        const inPeriod = period === 0 ? 0 : sampleIndex % period;
        const sounding = period === 0 || inPeriod < on;
        if (period !== 0 && inPeriod === 0 && onset === null) onset = i;
        // Each burst starts at phase 0, so its first sample is where the detector should find it.
        if (period !== 0 && inPeriod === 0) phase = 0;
        frame[i] = sounding ? Math.round(Math.sin(phase) * amplitude) : 0;
        phase = (phase + step) % (2 * Math.PI);
      }
      return onset;
    },
  };
}
