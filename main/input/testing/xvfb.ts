import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { reportedLine } from './reportedLine';

/**
 * A private X server for tests that press real keys: Xvfb picks a free display itself (-displayfd) and tells us
 * which, so parallel runs never collide. xdotool then presses and releases keys on it as a person would, with no
 * window focused.
 */
export interface VirtualDisplay {
  /** ":N" */
  readonly display: string;
  readonly process: ChildProcess;
  /** Runs xdotool against this display; throws with its stderr if it fails. */
  xdotool(...args: string[]): void;
  stop(): Promise<void>;
}

/** Why the X tests cannot run here, or null when they can. */
export function virtualDisplayUnavailable(): string | null {
  if (process.platform !== 'linux') return 'push-to-talk X11 tests run on Linux only';
  for (const tool of ['Xvfb', 'xdotool']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed (apt-get install -y xvfb xdotool)`;
    }
  }
  return null;
}

export async function startVirtualDisplay(): Promise<VirtualDisplay> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '640x480x24'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await reportedLine(child, 'Xvfb');
  const display = `:${number}`;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    display,
    process: child,
    xdotool(...args) {
      const result = spawnSync('xdotool', args, { env: { ...process.env, DISPLAY: display }, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`xdotool ${args.join(' ')} failed: ${result.stderr}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
