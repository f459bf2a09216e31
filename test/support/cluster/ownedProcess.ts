import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * A process that a test, the bench or `npm run cluster:up` starts and owns: its output goes to a log file (and the
 * last lines stay in memory for error messages), it is ready when a line it prints says so, and a detached
 * watchdog ends it if its owner dies first (a killed test run), so nothing outlives whoever started it.
 */
export interface OwnedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** The last lines it printed (stdout and stderr), for messages. */
  readonly recent: readonly string[];
  readonly exited: Promise<number | null>;
  running(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export interface OwnedProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /** Where everything it prints goes (appended). */
  readonly logFile?: string;
  /** Ready when a line of its output matches; without it, ready as soon as it started. */
  readonly readyLine?: RegExp;
  /** Whose death ends it (default: this process). */
  readonly ownerPid?: number;
  /** How the watchdog ends it: SIGTERM by default; SIGQUIT for PostgreSQL's immediate shutdown. */
  readonly watchdogSignal?: NodeJS.Signals;
}

/**
 * A detached shell that waits for `ownerPid` to go, then signals `pid`, and SIGKILLs it 10 s later if it is still
 * there. It exits by itself once the process is gone, whoever stopped it.
 */
export function startWatchdog(ownerPid: number, pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  const script = `
    while kill -0 ${ownerPid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done
    if kill -0 ${pid} 2>/dev/null; then
      kill -${signal.replace(/^SIG/, '')} ${pid} 2>/dev/null
      for i in $(seq 50); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.2; done
      kill -KILL ${pid} 2>/dev/null
    fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

export async function startOwnedProcess(options: OwnedProcessOptions): Promise<OwnedProcess> {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  const recent: string[] = [];
  const log = options.logFile === undefined ? null : createWriteStream(options.logFile, { flags: 'a' });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : 128)));
  });
  let readyResolve: (() => void) | null = null;
  const readyPromise = new Promise<void>((resolve) => (readyResolve = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log?.write(`${line}\n`);
      recent.push(line);
      if (recent.length > 100) recent.shift();
      if (options.readyLine?.test(line)) readyResolve?.();
    });
  }
  void exited.then(() => log?.end());

  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!started || child.pid === undefined) {
    throw new Error(`${options.name}: could not start ${options.command} (is it installed? see the README's apt line)`);
  }
  startWatchdog(options.ownerPid ?? process.pid, child.pid, options.watchdogSignal);
  if (options.readyLine !== undefined) {
    const outcome = await Promise.race([
      readyPromise.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
    ]);
    if (outcome === 'exited') {
      throw new Error(`${options.name} exited before it was ready:\n${recent.slice(-20).join('\n')}`);
    }
  }
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name: options.name,
    pid: child.pid,
    child,
    recent,
    exited,
    running,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (!running()) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
