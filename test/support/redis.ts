import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOwnedProcess, type OwnedProcess } from './cluster/ownedProcess';
import { freePort } from './postgres';

/**
 * Redis 7 (Debian's redis-server) as an ordinary process for tests, benchmarks and `npm run cluster:up`: 127.0.0.1
 * on a free port, nothing written to disk (no RDB, no AOF: Redis holds short-lived state only), ready on its own
 * "Ready to accept connections" line, stopped by `stop()` or by a watchdog if its owner dies first.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: OwnedProcess;
  /** Stops it (SIGTERM, or SIGKILL for a crash) and removes its directory. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startRedis(
  options: {
    readonly tag?: string;
    readonly logFile?: string;
    readonly ownerPid?: number;
    readonly port?: number;
  } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), `whoot-redis-${options.tag ?? 'test'}-`));
  const port = options.port ?? (await freePort());
  let child: OwnedProcess;
  try {
    child = await startOwnedProcess({
      name: 'redis',
      command: 'redis-server',
      args: [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
        ...['--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--databases', '16'],
      ],
      readyLine: /Ready to accept connections/,
      ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
      ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop(signal = 'SIGTERM') {
      await child.stop(signal, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
