import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PosterAttempt, PosterOptions } from './bodyPoster';

const POSTER = fileURLToPath(new URL('./bodyPoster.ts', import.meta.url));

/** Runs bodyPoster.ts in a child Node process and returns its attempts, in order. */
export function postFromAnotherProcess(options: PosterOptions): Promise<PosterAttempt[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', POSTER, JSON.stringify(options)],
      { maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`the poster failed: ${stderr.trim() || error.message}`));
          return;
        }
        resolve(
          stdout
            .trim()
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line) as PosterAttempt),
        );
      },
    );
  });
}
