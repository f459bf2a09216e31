import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Real speech for Chromium's fake microphone (`--use-file-for-fake-audio-capture`): espeak-ng says a sentence and
 * sox makes it 48 kHz mono, the rate WebRTC's Opus path runs at. Both come from the README's apt line. With
 * `pauseSeconds`, silence follows the sentence: Chromium loops the file, so the microphone talks, then listens.
 */
export function makeSpeechWav(dir: string, text: string, options: { pauseSeconds?: number } = {}): string {
  const pause = options.pauseSeconds ?? 0;
  const raw = join(dir, 'speech-raw.wav');
  const wav = join(dir, pause > 0 ? `speech-48k-pause${pause}.wav` : 'speech-48k.wav');
  if (existsSync(wav)) return wav;
  try {
    execFileSync('espeak-ng', ['-s', '150', '-w', raw, text], { stdio: 'pipe' });
    const padding = pause > 0 ? ['pad', '0', String(pause)] : [];
    execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', wav, ...padding], { stdio: 'pipe' });
  } catch (error) {
    throw new Error('Could not make the speech WAV (espeak-ng and sox are needed: apt-get install -y espeak-ng sox).', {
      cause: error,
    });
  }
  return wav;
}
