import { describe, expect, it } from 'vitest';
import { startFramePacer } from '../../bot/audio/framePacer';
import { dominantFrequency, goertzelPower } from '../../bot/audio/goertzel';
import { createMixRecorder } from '../../bot/audio/mixRecorder';
import { createOnsetDetector } from '../../bot/audio/onsetDetector';
import { FRAME_SAMPLES, rmsOf, SAMPLE_RATE, withGain } from '../../bot/audio/pcm';
import { createTestSignal } from '../../bot/audio/testSignal';
import { decodeWav, encodeWav, resample, WavFormatError } from '../../bot/audio/wavFile';

/** The bot's signal processing on known signals: what it reports must be what was played. */

function tone(frequency: number, samples: number, amplitude = 0.3, rate = SAMPLE_RATE): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++)
    out[i] = Math.round(Math.sin((2 * Math.PI * frequency * i) / rate) * amplitude * 32767);
  return out;
}

function frames(signal: ReturnType<typeof createTestSignal>, count: number) {
  const out = new Int16Array(count * FRAME_SAMPLES);
  const onsets: number[] = [];
  for (let f = 0; f < count; f++) {
    const frame = new Int16Array(FRAME_SAMPLES);
    const onset = signal.fill(frame);
    if (onset !== null) onsets.push(f * FRAME_SAMPLES + onset);
    out.set(frame, f * FRAME_SAMPLES);
  }
  return { samples: out, onsets };
}

describe('bot audio', () => {
  it('Goertzel picks the tone that is there, and reports nothing in silence', () => {
    for (const frequency of [440, 660, 880]) {
      const found = dominantFrequency(tone(frequency, 4800), [440, 660, 880]);
      expect(found?.frequency).toBe(frequency);
      expect(found!.share).toBeGreaterThan(0.99);
    }
    expect(dominantFrequency(new Int16Array(4800), [440, 660, 880])).toBeNull();
    // A full-scale-normalised power: a 0.3 sine gives 0.3² / 4.
    expect(goertzelPower(tone(440, 4800), 440)).toBeCloseTo(0.0225, 3);
  });

  it('a tone in bursts sounds for the on time at the start of every period, and names each onset', () => {
    const signal = createTestSignal({ kind: 'tone', frequency: 440, bursts: { onMs: 100, periodMs: 500 } });
    const { samples, onsets } = frames(signal, 150);
    expect(onsets).toEqual([0, 24_000, 48_000]);
    expect(rmsOf(samples.subarray(0, 4800))).toBeGreaterThan(0.2);
    expect(rmsOf(samples.subarray(4800, 24_000))).toBe(0);
    expect(rmsOf(samples.subarray(24_000, 28_800))).toBeGreaterThan(0.2);
  });

  it('the onset detector times burst starts to the sample, once per burst', () => {
    const signal = createTestSignal({ kind: 'tone', frequency: 660, bursts: { onMs: 100, periodMs: 500 } });
    // Start 30 ms into the signal, in silence before the first burst would be wrong: begin with 200 ms of quiet.
    const detector = createOnsetDetector();
    const detected: number[] = [];
    const quiet = new Int16Array(FRAME_SAMPLES);
    for (let f = 0; f < 20; f++) {
      const onset = detector.push(quiet, f * 10);
      if (onset !== null) detected.push(onset);
    }
    const { samples, onsets } = frames(signal, 150);
    for (let f = 0; f < 150; f++) {
      const onset = detector.push(samples.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES), 200 + f * 10);
      if (onset !== null) detected.push(onset);
    }
    expect(detected).toHaveLength(onsets.length);
    detected.forEach((at, i) => {
      // Within 0.1 ms of the burst's first sample (the rising sine crosses the quiet threshold at its 1st sample).
      expect(Math.abs(at - (200 + (onsets[i]! * 1000) / SAMPLE_RATE))).toBeLessThan(0.1);
    });
  });

  it('WAV round trip, float and stereo input, resampling, and refusing what it cannot read', () => {
    const original = tone(440, 48_000);
    const decoded = decodeWav(encodeWav(original));
    expect(decoded.sampleRate).toBe(48_000);
    expect(decoded.samples).toEqual(original);

    const at16k = resample({ sampleRate: 16_000, samples: tone(440, 16_000, 0.3, 16_000) }, 48_000);
    expect(at16k.samples.length).toBe(48_000);
    expect(dominantFrequency(at16k.samples.subarray(0, 4800), [220, 440, 880])?.frequency).toBe(440);

    // 32-bit float stereo, left and right opposite: averaged to silence; the header says what the data is.
    const frames = 100;
    const data = Buffer.alloc(frames * 8);
    for (let i = 0; i < frames; i++) {
      data.writeFloatLE(0.25, i * 8);
      data.writeFloatLE(-0.25, i * 8 + 4);
    }
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + data.length, 4);
    header.write('WAVEfmt ', 8, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(3, 20);
    header.writeUInt16LE(2, 22);
    header.writeUInt32LE(44_100, 24);
    header.writeUInt32LE(44_100 * 8, 28);
    header.writeUInt16LE(8, 32);
    header.writeUInt16LE(32, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(data.length, 40);
    const stereo = decodeWav(Buffer.concat([header, data]));
    expect(stereo.sampleRate).toBe(44_100);
    expect(stereo.samples).toEqual(new Int16Array(frames));

    header.writeUInt16LE(24, 34);
    expect(() => decodeWav(Buffer.concat([header, data]))).toThrow(WavFormatError);
    expect(() => decodeWav(Buffer.from('not a wav file at all'))).toThrow(WavFormatError);
  });

  it('volume scales and clips; the mix recorder lays two streams on one timeline', () => {
    const loud = tone(440, FRAME_SAMPLES, 0.6);
    expect(rmsOf(withGain(loud, 2))).toBeGreaterThan(rmsOf(loud) * 1.5);
    expect(Math.max(...withGain(loud, 2))).toBe(32767);
    expect(rmsOf(withGain(loud, 0))).toBe(0);

    const recorder = createMixRecorder(1000);
    const one = new Int16Array(FRAME_SAMPLES).fill(100);
    recorder.add('a', one, 1000);
    recorder.add('a', one, 1003); // early: goes to the next slot, never on top of itself
    recorder.add('b', one, 1000);
    const mixed = recorder.samples();
    expect(mixed.length).toBe(2 * FRAME_SAMPLES);
    expect(mixed[0]).toBe(200);
    expect(mixed[FRAME_SAMPLES]).toBe(100);
  });

  it('the frame pacer keeps real time: about 100 frames a second, without drift', async () => {
    let count = 0;
    const started = performance.now();
    const pacer = startFramePacer(() => count++);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const elapsed = performance.now() - started;
    pacer.stop();
    const expected = Math.floor(elapsed / 10) + 1;
    // Scheduled against the start time, so a second of ticks ends within a frame or two of wall time.
    expect(Math.abs(count - expected)).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pacer.frames()).toBe(count);
  });
});
