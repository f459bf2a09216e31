import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { waitForReadyLine } from './readyLine';
import { stopChild } from './stopChild';

/**
 * Redis 7 (Debian's `redis-server`) as an ordinary process for tests, benchmarks and `npm run cluster:up`: a
 * throwaway directory, 127.0.0.1 on a free port, no persistence (`--save ''`, no AOF: a restart starts empty, the
 * harshest case for the nodes), ready when the server logs that it accepts connections, stopped by `stop()` or, if
 * the process that started it dies first, by a watchdog that outlives it. `restart()` stops it and starts a new
 * one on the same port, for the fault tests (nodes must recover by themselves).
 */
export const REDIS_SERVER = process.env.WHOOT_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL when `hard`, as a crash; else SIGTERM) and resolves once it has exited. */
  kill(hard?: boolean): Promise<void>;
  /** Starts it again on the same port, empty (a restarted Redis without persistence forgets everything). */
  start(): Promise<void>;
  /** kill, then start. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A detached shell that ends redis-server when `parentPid` goes, and removes its directory; exits by itself. */
function startWatchdog(parentPid: number, redisPid: number, dir: string): void {
  const script = `
    while kill -0 ${parentPid} 2>/dev/null && kill -0 ${redisPid} 2>/dev/null; do sleep 1; done
    if kill -0 ${redisPid} 2>/dev/null; then
      kill -KILL ${redisPid} 2>/dev/null
      rm -rf '${dir}'
    fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

export async function startRedis(
  options: {
    readonly tag?: string;
    /** Where its log goes as well (`npm run cluster:up`). */
    readonly logFile?: string;
  } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), `whoot-redis-${options.tag ?? 'test'}-`));
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let port = 0;

  async function launch(fixedPort: number | null): Promise<void> {
    // A port found free can be taken before redis binds it; another pick then wins (not on a restart).
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const candidatePort = fixedPort ?? (await freePort());
      const candidate = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(candidatePort),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--protected-mode',
          'yes',
          // Logs to stdout, where the readiness line is read.
          '--logfile',
          '',
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      if (options.logFile !== undefined) candidate.stdout?.pipe(createWriteStream(options.logFile, { flags: 'a' }));
      try {
        await waitForReadyLine(candidate, 'stdout', 'Ready to accept connections', log);
        // Keep draining its output so a full pipe never blocks the server.
        candidate.stdout?.resume();
        candidate.stderr?.resume();
        child = candidate;
        port = candidatePort;
        if (candidate.pid !== undefined) startWatchdog(process.pid, candidate.pid, dir);
        return;
      } catch (error) {
        const taken = log.some((line) => line.includes('Address already in use'));
        if (!taken || fixedPort !== null) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (apt-get install redis-server)' : '';
          throw new Error(`redis-server did not start${missing}`, { cause: error });
        }
      }
    }
    throw new Error('redis-server found no free port');
  }

  async function kill(hard = false): Promise<void> {
    const running = child;
    child = undefined;
    await stopChild(running, hard);
  }

  try {
    await launch(null);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start: () => launch(port),
    async restart() {
      await kill();
      await launch(port);
    },
    async stop() {
      await kill();
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
