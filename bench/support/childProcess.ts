import type { ChildProcess } from 'node:child_process';

/**
 * Sends `request` to a bench's child process (a receiver that holds sockets, a server) and resolves with the field
 * `key` of the first message that carries one; rejects if the child exits first, so a crashed child fails the bench
 * instead of hanging it.
 */
export function askChild<T>(child: ChildProcess, request: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the bench's child process exited (${code})`));
    const listener = (message: unknown) => {
      if (typeof message === 'object' && message !== null && key in message) {
        child.off('message', listener);
        child.off('exit', onExit);
        resolve((message as Record<string, T>)[key] as T);
      }
    };
    child.on('message', listener);
    child.once('exit', onExit);
    child.send(request);
  });
}

/**
 * Runs a bench's main and exits with its outcome. Explicitly: a bench leaves clients, children and timers behind,
 * and @roamhq/wrtc 0.10 segfaults when a process that used it ends by draining its event loop.
 */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
