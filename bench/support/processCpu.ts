import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU figures. */
export const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

interface ProcStat {
  readonly ppid: number;
  readonly user: number;
  readonly system: number;
  readonly command: string;
}

function allProcesses(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields are counted after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(entry), {
        ppid: Number(fields[1]),
        user: Number(fields[11]),
        system: Number(fields[12]),
        command: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
      });
    } catch {
      // The process ended while we were reading.
    }
  }
  return stats;
}

/**
 * utime and stime in seconds of `rootPid` and all its descendants (Linux /proc; threads are inside a process's
 * figure), so a wrapper's children (tsx's node, a browser's renderers and utility processes) are counted.
 */
export function treeCpuSeconds(rootPid: number): { user: number; system: number } {
  const stats = allProcesses();
  let user = 0;
  let system = 0;
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    user += stats.get(pid)?.user ?? 0;
    system += stats.get(pid)?.system ?? 0;
    for (const [child, s] of stats) if (s.ppid === pid) pending.push(child);
  }
  return { user: user / clockTicks, system: system / clockTicks };
}

/** The pid of the process whose command line holds `marker` and whose parent's does not: a tree's root. */
export function rootPidWith(marker: string): number | null {
  const holders = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) holders.add(Number(entry));
    } catch {
      // Gone.
    }
  }
  const stats = allProcesses();
  for (const pid of holders) if (!holders.has(stats.get(pid)?.ppid ?? -1)) return pid;
  return null;
}
