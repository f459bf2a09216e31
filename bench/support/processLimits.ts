import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What limits how many sockets one machine can open to itself: each process's open-file limit (one descriptor per
 * socket) and the kernel's ephemeral port range (one local port per connection to one server address and port).
 * Linux only; elsewhere the figures are unknown and nothing is raised.
 */
export interface OpenFileLimit {
  readonly soft: number;
  readonly hard: number;
}

const RELAUNCHED = 'WHOOT_BENCH_RAISED_NOFILE';

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function openFileLimit(): OpenFileLimit | null {
  const line = readOrNull('/proc/self/limits')
    ?.split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line?.match(/\d+|unlimited/g) ?? []).map((v) =>
    v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v),
  );
  return soft === undefined || hard === undefined ? null : { soft, hard };
}

export function ephemeralPortRange(): { readonly low: number; readonly high: number } | null {
  const [low, high] = (readOrNull('/proc/sys/net/ipv4/ip_local_port_range') ?? '').trim().split(/\s+/).map(Number);
  return low && high ? { low, high } : null;
}

/**
 * Node raises its soft open-file limit to the hard limit by itself at start, so what can still be short is the hard
 * limit. Node cannot change it, so when it is below `needed` this runs the same command again under `ulimit -n` (a
 * shell builtin), which raises the hard limit where the process may (root with CAP_SYS_RESOURCE, as on an ordinary
 * machine; not in a container that drops that capability). The relaunched process, and the server process it forks,
 * inherit the limit. Returns when no relaunch was needed or possible; otherwise exits with the relaunched status.
 */
export function relaunchWithOpenFiles(needed: number): void {
  const limit = openFileLimit();
  if (limit === null || limit.hard >= needed || process.env[RELAUNCHED] === '1') return;
  const script = `ulimit -n ${needed} 2>/dev/null; exec "$@"`;
  const result = spawnSync(
    'sh',
    ['-c', script, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [RELAUNCHED]: '1' } },
  );
  if (result.error !== undefined) return;
  process.exit(result.status ?? 1);
}
