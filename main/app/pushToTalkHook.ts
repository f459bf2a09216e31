import { join } from 'node:path';
import { utilityProcess } from 'electron';
import { describeExit, stderrTail } from '../input/hookProcessExit';
import type { LaunchKeyHook } from '../input/keyHook';
import { KEY_HOOK_SERVICE_NAME, type ToKeyHookMessage } from '../input/keyHookProtocol';

/**
 * Starts the key hook (out/main/keyHook.cjs, main/input/keyHookEntry.ts) in an Electron utilityProcess: a crash of
 * the native hook ends that process, not the app. Messages wait for the process to spawn, as Electron requires.
 */
export function utilityKeyHookLauncher(mainDir: string): LaunchKeyHook {
  return () => {
    const child = utilityProcess.fork(join(mainDir, 'keyHook.cjs'), [], {
      serviceName: KEY_HOOK_SERVICE_NAME,
      stdio: 'pipe',
    });
    const stderr = stderrTail();
    child.stderr?.setEncoding('utf8').on('data', stderr.add);
    let spawned = false;
    const pending: ToKeyHookMessage[] = [];
    child.once('spawn', () => {
      spawned = true;
      for (const message of pending.splice(0)) child.postMessage(message);
    });
    return {
      send(message) {
        if (spawned) child.postMessage(message);
        else pending.push(message);
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.once('exit', (code) => listener(describeExit(code, null, stderr.last()))),
      kill: () => void child.kill(),
    };
  };
}
