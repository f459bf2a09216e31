import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Inodes of the sockets a process holds open, from /proc/<pid>/fd. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we read the folder.
    }
  }
  return inodes;
}

/**
 * The TCP ports a process listens on (IPv4 and IPv6), read from /proc: what anyone who can reach the host could
 * connect to. Each entry is `address:port` in /proc's hex form.
 */
export function listeningTcpPorts(pid: number): string[] {
  const inodes = socketInodes(pid);
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) found.push(fields[1] ?? '');
    }
  }
  return found;
}
