import type { ChildProcess } from 'node:child_process';

/** Signals a child the tests started (SIGKILL when `hard`, as a crash; else SIGTERM) and resolves once it exited. */
export async function stopChild(child: ChildProcess | undefined, hard = false): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(hard ? 'SIGKILL' : 'SIGTERM');
  await exited;
}
