import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FleetRelay } from '../../../main/server/turn/relayFleet';
import { pinnedRelayTransport } from '../../../main/server/turn/relayApiClient';
import { createRelay, type Relay } from '../../../main/server/turn/relayServer';
import { createServerLink, type ServerLink } from '../../../main/server/turn/serverLink';
import { stunBindingAnswers } from '../../../main/server/turn/stunProbe';
import { coturnArgs } from '../coturn';
import { freePort } from '../freePort';
import { startOwnedProcess, type OwnedProcess } from './ownedProcess';

/** Where a relay's revocation feed and session check reach the server (the front door, in a cluster). */
export interface FeedTarget {
  readonly host: string;
  readonly port: number;
  readonly spkiPin: string;
}

export interface RunningRelay {
  readonly fleetEntry: FleetRelay;
  close(): Promise<void>;
}

const root = resolve(import.meta.dirname, '..', '..', '..');

/**
 * The bundled relay run apart, in this process, wired to the server exactly as `npm run relay` wires it
 * (relayCli.ts): sessions checked with the server, revocations polled from its feed.
 */
export async function startBundledRelay(options: {
  readonly id: string;
  readonly secret: string;
  readonly feed: FeedTarget;
  readonly pollIntervalMs?: number;
}): Promise<RunningRelay & { readonly relay: Relay; readonly link: ServerLink }> {
  let relay: Relay | null = null;
  const link = createServerLink({
    relayId: `${options.id}-${randomBytes(6).toString('hex')}`,
    secret: options.secret,
    transport: pinnedRelayTransport(options.feed),
    onRevoked: (sessionId) => relay?.endSession(sessionId),
    pollIntervalMs: options.pollIntervalMs ?? 250,
    log: () => undefined,
  });
  relay = await createRelay({
    realm: 'whoot',
    secret: options.secret,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: 0, tls: null },
    relay: { address: '127.0.0.1', portRange: { min: 40000, max: 60000 } },
    isSessionLive: link.isSessionLive,
    log: () => undefined,
  });
  link.feed.start();
  const started = relay;
  return {
    relay: started,
    link,
    fleetEntry: {
      id: options.id,
      host: '127.0.0.1',
      udpPort: started.addresses.udp!.port,
      tcpPort: started.addresses.tcp!.port,
    },
    async close() {
      link.feed.stop();
      await started.close();
    },
  };
}

/**
 * Node with tsx's loader, in one process: the tsx command runs the program in a child of its own, so a SIGKILL
 * (a crash in a fault test) would end tsx and leave the program running, out of reach of its watchdog.
 */
export const TSX_IN_PROCESS = ['--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href];

/** `npm run relay` as its own process (what `cluster:up` runs), its secret in the environment, never in argv. */
export async function startRelayProcess(options: {
  readonly id: string;
  readonly secret: string;
  readonly feed: FeedTarget;
  readonly logFile?: string;
  readonly ownerPid?: number;
  readonly portRange?: { readonly min: number; readonly max: number };
  /** The STUN/TURN ports, when they must be known before it starts (a fleet's config names them). */
  readonly ports?: { readonly udp: number; readonly tcp: number };
}): Promise<RunningRelay & { readonly process: OwnedProcess }> {
  const [udpPort, tcpPort] = options.ports
    ? [options.ports.udp, options.ports.tcp]
    : [await freePort(), await freePort()];
  const range = options.portRange ?? { min: 40000, max: 60000 };
  const child = await startOwnedProcess({
    name: `relay ${options.id}`,
    command: process.execPath,
    args: [
      ...TSX_IN_PROCESS,
      join(root, 'main/server/turn/relayCli.ts'),
      ...['--listen-ip', '127.0.0.1', '--relay-ip', '127.0.0.1'],
      ...['--udp-port', String(udpPort), '--tcp-port', String(tcpPort)],
      ...['--min-port', String(range.min), '--max-port', String(range.max)],
      ...['--feed-url', `https://${options.feed.host}:${options.feed.port}`, '--feed-pin', options.feed.spkiPin],
      ...['--relay-id', `${options.id}-${randomBytes(6).toString('hex')}`, '--feed-interval', '500'],
    ],
    env: { ...process.env, WHOOT_RELAY_SECRET: options.secret },
    readyLine: /^\[whoot relay\] listening: /,
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
  });
  return {
    process: child,
    fleetEntry: { id: options.id, host: '127.0.0.1', udpPort, tcpPort },
    close: async () => void (await child.stop('SIGTERM', 10_000)),
  };
}

/** coturn with the same TURN REST secret: the fleet's alternative relay. Ready when it answers a STUN Binding. */
export async function startCoturn(options: {
  readonly id: string;
  readonly secret: string;
  readonly logFile?: string;
  readonly ownerPid?: number;
}): Promise<RunningRelay & { readonly process: OwnedProcess }> {
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), 'whoot-coturn-'));
  const child = await startOwnedProcess({
    name: `coturn ${options.id}`,
    command: 'turnserver',
    args: coturnArgs({
      port,
      secret: options.secret,
      realm: 'whoot',
      workDir,
      relayPorts: { min: 40000, max: 60000 },
      log: 'stdout',
    }),
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
  });
  for (let attempt = 0; !(await stunBindingAnswers({ host: '127.0.0.1', port }, 500)); attempt++) {
    if (!child.running() || attempt > 40) {
      await child.stop('SIGKILL');
      rmSync(workDir, { recursive: true, force: true });
      throw new Error(`coturn did not answer:\n${child.recent.join('\n')}`);
    }
  }
  return {
    process: child,
    fleetEntry: { id: options.id, host: '127.0.0.1', udpPort: port, tcpPort: port },
    async close() {
      await child.stop('SIGTERM', 5_000);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
