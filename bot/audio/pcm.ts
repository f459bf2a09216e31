/**
 * The one audio format the bot handles inside: 48 kHz, 16-bit, mono, in 10 ms frames. That is what
 * @roamhq/wrtc's RTCAudioSource takes and its RTCAudioSink hands back for an Opus stream, so nothing between the
 * microphone, the peer connection and the recorder converts.
 */
export const SAMPLE_RATE = 48_000;
export const FRAME_MS = 10;
export const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
const FULL_SCALE = 32768;

/** Root mean square of 16-bit samples, as a fraction of full scale (a full-scale sine is about 0.707). */
export function rmsOf(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const sample of samples) sum += (sample / FULL_SCALE) ** 2;
  return Math.sqrt(sum / samples.length);
}

/** Samples scaled by a gain, clipped to the 16-bit range (per-user volume goes up to 200 %). */
export function withGain(samples: Int16Array, gain: number): Int16Array {
  if (gain === 1) return samples;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = Math.max(-FULL_SCALE, Math.min(FULL_SCALE - 1, Math.round((samples[i] ?? 0) * gain)));
  }
  return out;
}

/** Interleaved multichannel samples averaged down to mono (a sink may hand back stereo). */
export function toMono(samples: Int16Array, channels: number): Int16Array {
  if (channels <= 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c] ?? 0;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** A level in dB of full scale; silence reads as -120 dB rather than -Infinity, so it prints and sorts. */
export function toDecibels(level: number): number {
  return level <= 1e-6 ? -120 : 20 * Math.log10(level);
}
