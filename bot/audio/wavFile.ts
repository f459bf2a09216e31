import { readFileSync, writeFileSync } from 'node:fs';
import { SAMPLE_RATE, toMono } from './pcm';

export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

export interface PcmAudio {
  readonly sampleRate: number;
  /** Mono, 16-bit. */
  readonly samples: Int16Array;
}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/**
 * Reads a RIFF/WAVE file of 16-bit integer or 32-bit float PCM, any channel count (averaged to mono), any rate.
 * Anything else (compressed formats, 24-bit) is refused with a message naming sox, which converts everything.
 */
export function decodeWav(bytes: Buffer): PcmAudio {
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavFormatError('Not a WAV file (no RIFF/WAVE header).');
  }
  let format: { code: number; channels: number; sampleRate: number; bits: number } | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    const end = Math.min(bytes.length, body + size);
    if (id === 'fmt ' && size >= 16) {
      let code = bytes.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its sub-format GUID.
      if (code === EXTENSIBLE && size >= 26) code = bytes.readUInt16LE(body + 24);
      format = {
        code,
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (format === null) throw new WavFormatError('The WAV data chunk comes before its format chunk.');
      return {
        sampleRate: format.sampleRate,
        samples: toMono(samplesOf(bytes.subarray(body, end), format), format.channels),
      };
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  throw new WavFormatError('The WAV file has no data chunk.');
}

function samplesOf(data: Buffer, format: { code: number; channels: number; bits: number }): Int16Array {
  if (format.channels < 1) throw new WavFormatError('The WAV file names no channels.');
  if (format.code === PCM && format.bits === 16) {
    const out = new Int16Array(Math.floor(data.length / 2));
    for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(i * 2);
    return out;
  }
  if (format.code === IEEE_FLOAT && format.bits === 32) {
    const out = new Int16Array(Math.floor(data.length / 4));
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.round(Math.max(-1, Math.min(1, data.readFloatLE(i * 4))) * 32767);
    }
    return out;
  }
  throw new WavFormatError(
    `WAV format ${format.code} at ${format.bits} bits is not supported: convert it with ` +
      '`sox in.wav -b 16 -c 1 -r 48000 out.wav`.',
  );
}

/**
 * Linear interpolation to another rate. Good enough for test speech and tones (the bot's input is a test signal,
 * not music); a 44.1 kHz file no longer plays 9 % slow.
 */
export function resample(audio: PcmAudio, sampleRate: number): PcmAudio {
  if (audio.sampleRate === sampleRate || audio.samples.length === 0) return { sampleRate, samples: audio.samples };
  const ratio = audio.sampleRate / sampleRate;
  const length = Math.floor(audio.samples.length / ratio);
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const position = i * ratio;
    const index = Math.floor(position);
    const fraction = position - index;
    const a = audio.samples[index] ?? 0;
    const b = audio.samples[Math.min(index + 1, audio.samples.length - 1)] ?? a;
    out[i] = Math.round(a + (b - a) * fraction);
  }
  return { sampleRate, samples: out };
}

/** A WAV file as the bot plays it: mono, 48 kHz. */
export function readWavFile(path: string): Int16Array {
  return resample(decodeWav(readFileSync(path)), SAMPLE_RATE).samples;
}

/** 16-bit mono PCM in a RIFF/WAVE container. */
export function encodeWav(samples: Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(PCM, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return out;
}

export function writeWavFile(path: string, samples: Int16Array, sampleRate = SAMPLE_RATE): void {
  writeFileSync(path, encodeWav(samples, sampleRate));
}
