import type { ChildProcess } from 'node:child_process';

/**
 * Resolves when a child process prints its readiness line on `stream`, keeping the last 200 lines in `log` for the
 * error; rejects if it exits first. Servers tests start are waited for by what they say, never by a deadline.
 */
export function waitForReadyLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  marker: string,
  log: string[],
): Promise<void> {
  const name = child.spawnfile;
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        log.push(line);
        if (log.length > 200) log.shift();
        if (line.includes(marker)) {
          child.off('exit', onExit);
          resolve();
        }
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${log.slice(-20).join('\n')}`));
    child[stream]?.on('data', onData);
    child.once('exit', onExit);
  });
}
