import { fork } from 'node:child_process';
import { describeExit, stderrTail } from './hookProcessExit';
import type { HookProcess, LaunchKeyHook } from './keyHook';

/**
 * Starts the key hook as a Node child process: what tests and a plain-Node host use. The Electron app uses
 * utilityProcess instead (main/app/pushToTalkHook.ts), because its fuses turn off running the binary as Node.
 */
export function forkKeyHook(options: {
  /** keyHookEntry.ts under tsx, or the built keyHook.cjs. */
  readonly entryPath: string;
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}): LaunchKeyHook {
  return () => {
    const child = fork(options.entryPath, [], {
      execArgv: [...(options.execArgv ?? [])],
      env: options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const stderr = stderrTail();
    child.stderr?.setEncoding('utf8').on('data', stderr.add);
    return {
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) =>
        void child.once('exit', (code, signal) => listener(describeExit(code, signal, stderr.last()))),
      kill: () => void child.kill(),
    } satisfies HookProcess;
  };
}
