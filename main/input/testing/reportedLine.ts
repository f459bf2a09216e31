import type { ChildProcess } from 'node:child_process';

/**
 * Starts collecting a child's stderr and answers the first line it writes on fd 3: how daemons that pick their own
 * address (dbus-daemon --print-address=3, Xvfb -displayfd 3) say where they listen. Fails with the stderr tail if
 * the child exits first or stays silent for `timeoutMs`.
 */
export function reportedLine(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<string> {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not report: ${stderr}`)), timeoutMs);
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (code ${code}): ${stderr}`));
    });
  });
}
