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

/** The pids of `rootPid` and all its descendants, with their /proc figures. */
function tree(rootPid: number): [number, ProcStat][] {
  const stats = allProcesses();
  const found: [number, ProcStat][] = [];
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const stat = stats.get(pid);
    if (stat !== undefined) found.push([pid, stat]);
    for (const [child, s] of stats) if (s.ppid === pid) pending.push(child);
  }
  return found;
}

/**
 * utime and stime in seconds of `rootPid` and all its descendants (Linux /proc; threads are inside a process's
 * figure), so a wrapper's children (tsx's node, a browser's renderers and utility processes) are counted.
 */
export function treeCpuSeconds(rootPid: number): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const [, stat] of tree(rootPid)) {
    user += stat.user;
    system += stat.system;
  }
  return { user: user / clockTicks, system: system / clockTicks };
}

/**
 * A Chromium process's role from its command line: its --type, and a utility process's service (audio, network,
 * video capture...); the browser process has no --type.
 */
export function chromiumRole(commandLine: string): string {
  const type = /--type=([\w-]+)/.exec(commandLine)?.[1];
  if (type === undefined) return 'browser';
  const service = /--utility-sub-type=(?:[\w]+\.mojom\.)?(\w+)/.exec(commandLine)?.[1];
  return service === undefined ? type : `${type}:${service}`;
}

/** A running process's Chromium role, or null once it has ended. */
function roleOf(pid: number): string | null {
  try {
    return chromiumRole(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) of a process tree, summed by each process's role (see chromiumRole). */
export function treeCpuByRole(rootPid: number): Map<string, number> {
  const byRole = new Map<string, number>();
  for (const [pid, stat] of tree(rootPid)) {
    // A process gone since the walk still counts: as its command line is gone too, under the browser's.
    const role = roleOf(pid) ?? 'browser';
    byRole.set(role, (byRole.get(role) ?? 0) + (stat.user + stat.system) / clockTicks);
  }
  return byRole;
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

/**
 * CPU seconds of one role's processes in a tree, summed by thread name as /proc shows it (Chromium names its threads:
 * WebRTC_Signaling, AudioOutputDevice, Compositor...; a renderer's main thread keeps the process's name, chromium;
 * names are cut at 15 characters and digits are dropped, so a pool's threads fold into one line).
 */
export function treeCpuByThread(rootPid: number, role: string): Map<string, number> {
  const byThread = new Map<string, number>();
  for (const [pid] of tree(rootPid)) {
    if (roleOf(pid) !== role) continue;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
        const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')).replace(/\d+/g, '');
        const cpu = (Number(fields[11]) + Number(fields[12])) / clockTicks;
        byThread.set(name, (byThread.get(name) ?? 0) + cpu);
      } catch {
        // The thread ended.
      }
    }
  }
  return byThread;
}
