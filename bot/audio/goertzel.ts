import { SAMPLE_RATE } from './pcm';

/**
 * Power of one frequency in a block of samples (the Goertzel recurrence): one multiply-add per sample, so the bot
 * can watch a handful of known tones per peer without a full FFT. Normalised so a full-scale sine at exactly that
 * frequency gives about 0.25 whatever the block length.
 */
export function goertzelPower(samples: Int16Array, frequency: number, sampleRate = SAMPLE_RATE): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = 0; i < n; i++) {
    const current = (samples[i] ?? 0) / 32768 + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return power / (n * n);
}

export interface DominantFrequency {
  readonly frequency: number;
  /** The winner's power over the sum of all candidates' powers (1: nothing else among the candidates is present). */
  readonly share: number;
}

/**
 * The strongest of the candidate frequencies, or null when none carries meaningful power (silence, or a signal at
 * none of them). `minPower` is in goertzelPower's units: 1e-4 is a sine of about 0.02 of full scale.
 */
export function dominantFrequency(
  samples: Int16Array,
  candidates: readonly number[],
  minPower = 1e-4,
  sampleRate = SAMPLE_RATE,
): DominantFrequency | null {
  let best: number | null = null;
  let bestPower = 0;
  let total = 0;
  for (const frequency of candidates) {
    const power = goertzelPower(samples, frequency, sampleRate);
    total += power;
    if (power > bestPower) {
      bestPower = power;
      best = frequency;
    }
  }
  if (best === null || bestPower < minPower) return null;
  return { frequency: best, share: bestPower / total };
}

/** Frequencies from `low` to `high` Hz in `step` Hz steps: what the CLI probes when it does not know the tones. */
export function frequencyGrid(low: number, high: number, step: number): number[] {
  const grid: number[] = [];
  for (let f = low; f <= high; f += step) grid.push(f);
  return grid;
}
