import { spawn, type ChildProcess } from 'node:child_process';
import type { JanusFiles } from './janusConfig';

/** Janus logs this once its WebSockets transport listens on the Unix socket: the readiness signal. */
const READY_LINE = /server started \(UNIX socket /;
const LOG_LINES_KEPT = 200;

export interface JanusChild {
  readonly pid: number;
  /** Resolves with the exit code or signal once the process is gone, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines Janus logged, for error messages. */
  recentLog(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts Janus with the configuration `writeJanusConfig` wrote and resolves once it says its API socket listens (a
 * line on its log, never a fixed wait). If it exits first, rejects with its last log lines. A detached watchdog ends
 * it if this process dies without stopping it (a killed server leaves no Janus behind holding ports).
 */
export function startJanusChild(
  binary: string,
  files: JanusFiles,
  log: (line: string) => void = () => undefined,
): Promise<JanusChild> {
  const child = spawn(binary, ['--configs-folder', files.dir, '--config', files.configFile, '--disable-colors'], {
    cwd: files.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > LOG_LINES_KEPT) lines.shift();
      if (/\b(ERR|FATAL)\b|error/i.test(line)) log(line);
      if (!ready && READY_LINE.test(line)) {
        ready = true;
        if (child.pid === undefined) return;
        startWatchdog(process.pid, child.pid);
        resolve(handle(child, child.pid, exited, lines));
      }
    };
    readLines(child, onLine);
    void exited.then(({ code, signal }) => {
      if (!ready) {
        reject(
          new Error(
            `janus exited (${signal ?? code}) before its API socket was ready:\n${lines.slice(-15).join('\n')}`,
          ),
        );
      }
    });
    child.once('error', (error) => {
      if (!ready) reject(new Error(`janus could not start (${binary}): ${error.message}`, { cause: error }));
    });
  });
}

function handle(child: ChildProcess, pid: number, exited: JanusChild['exited'], lines: string[]): JanusChild {
  let stopping: Promise<void> | null = null;
  return {
    pid,
    exited,
    recentLog: () => [...lines],
    stop(graceMs = 3_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Both of Janus's output streams, split into lines; the pipes keep draining so a full pipe never stalls it. */
function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) onLine(part);
      // A line without an end (binary noise) must not grow without bound.
      if (buffered.length > 64 * 1024) buffered = '';
    });
  }
}

/**
 * A detached shell that waits for `parentPid` to go and then ends Janus (SIGTERM, SIGKILL a few seconds later). It
 * exits by itself once Janus is gone, whoever stopped it.
 */
function startWatchdog(parentPid: number, janusPid: number): void {
  const script = `
    while kill -0 ${parentPid} 2>/dev/null && kill -0 ${janusPid} 2>/dev/null; do sleep 1; done
    if kill -0 ${janusPid} 2>/dev/null; then
      kill -TERM ${janusPid} 2>/dev/null
      for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 ${janusPid} 2>/dev/null || exit 0; sleep 0.3; done
      kill -KILL ${janusPid} 2>/dev/null
    fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}
