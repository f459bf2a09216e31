import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import {
  checkHaproxyConfig,
  haproxyConfig,
  type FrontDoorConfigInput,
} from '../../../main/server/cluster/haproxyConfig';
import { startOwnedProcess, type OwnedProcess } from './ownedProcess';

/** One line of `show stat` for a node: its state as HAProxy sees it, and how many sessions it has had in total. */
export interface NodeStat {
  readonly name: string;
  /** UP, DOWN, MAINT, "UP 1/2" while rising... */
  readonly status: string;
  readonly totalSessions: number;
  readonly currentSessions: number;
}

export interface FrontDoor {
  readonly port: number;
  readonly configFile: string;
  readonly process: OwnedProcess;
  /** Asks HAProxy's runtime API (the stats socket) about each node. */
  nodes(): Promise<NodeStat[]>;
  /**
   * Takes a node out of rotation (maintenance) or gives it back to its checks, through the runtime API: the node and
   * its unchecked fallback entry both, so no connection reaches it either way.
   */
  setNodeEnabled(name: string, enabled: boolean): Promise<void>;
  /** Resolves once HAProxy counts `count` nodes UP (its own checks saw them ready). */
  waitForUp(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** One command on HAProxy's runtime API socket; it answers and closes. */
export function runtimeCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
    socket.end(`${command}\n`);
  });
}

function parseStat(csv: string): NodeStat[] {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  return (
    rows
      .map((row) => row.split(','))
      // The unchecked fallback entries (backup servers) are not nodes of their own.
      .filter((cells) => cells[at('bck')] !== '1')
      .filter(
        (cells) =>
          cells[at('pxname')] === 'whoot_nodes' && !['BACKEND', 'FRONTEND'].includes(cells[at('svname')] ?? ''),
      )
      .map((cells) => ({
        name: cells[at('svname')] ?? '',
        status: cells[at('status')] ?? '',
        totalSessions: Number(cells[at('stot')] ?? 0),
        currentSessions: Number(cells[at('scur')] ?? 0),
      }))
  );
}

/**
 * HAProxy in front of the nodes, from the generated config (checked with `haproxy -c` first), in the foreground
 * (`-db`) so it is this process's child; ready once the runtime socket answers.
 */
export async function startFrontDoor(options: {
  readonly dir: string;
  readonly config: Omit<FrontDoorConfigInput, 'statsSocket'>;
  readonly logFile?: string;
  readonly ownerPid?: number;
}): Promise<FrontDoor> {
  const statsSocket = join(options.dir, 'haproxy.sock');
  // HAProxy needs two descriptors a connection and refuses to start past the open-file limit (20,000 here).
  const text = haproxyConfig({ maxConnections: 4_000, ...options.config, statsSocket });
  const checked = await checkHaproxyConfig(text);
  if (!checked.ok) throw new Error(`haproxy -c refused the generated config: ${checked.error.message}`);
  const configFile = join(options.dir, 'haproxy.cfg');
  writeFileSync(configFile, text, { mode: 0o600 });
  const process = await startOwnedProcess({
    name: 'haproxy',
    command: 'haproxy',
    args: ['-db', '-f', configFile],
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
  });
  const nodes = async () => parseStat(await runtimeCommand(statsSocket, 'show stat'));
  // Ready: the runtime socket answers (it is opened after the listeners are bound).
  for (let attempt = 0; ; attempt++) {
    try {
      await nodes();
      break;
    } catch (error) {
      if (!process.running()) throw new Error(`haproxy exited:\n${process.recent.join('\n')}`, { cause: error });
      if (attempt > 200) throw error;
      await new Promise((settle) => setTimeout(settle, 50));
    }
  }
  return {
    port: options.config.bind.port,
    configFile,
    process,
    nodes,
    async setNodeEnabled(name, enabled) {
      for (const entry of [name, `${name}-unready`]) {
        const answer = await runtimeCommand(
          statsSocket,
          `${enabled ? 'enable' : 'disable'} server whoot_nodes/${entry}`,
        );
        if (answer.trim() !== '') throw new Error(`HAProxy refused to change ${entry}: ${answer.trim()}`);
      }
    },
    async waitForUp(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const stats = await nodes();
        if (stats.filter((node) => node.status === 'UP').length >= count) return;
        if (Date.now() > deadline) throw new Error(`HAProxy sees ${JSON.stringify(stats)}, not ${count} nodes UP`);
        await new Promise((settle) => setTimeout(settle, 100));
      }
    },
    async stop() {
      await process.stop('SIGTERM', 5_000);
    },
  };
}
