import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServerConfigInput } from '../../../main/server/config';
import { relaySecretText } from '../../../main/server/auth/turnCredentials';
import { loadOrCreateCertificate } from '../../../main/server/http/certificate';
import { dataKeySet, formatDataKeys, generateDataKey, parseDataKeys } from '../../../main/server/store/keyMaterial';
import { DATA_KEYS_ENV } from '../../../main/server/store/dataKeys';
import { openConfiguredStore, type StoreConfig } from '../../../main/server/store';
import type { FleetRelay } from '../../../main/server/turn/relayFleet';
import { freePort } from '../freePort';
import { startPostgres, type PostgresServer } from '../postgres';
import { startRedis, type RedisServer } from '../redis';
import { startFrontDoor, type FrontDoor } from './haproxy';
import { startOwnedProcess, type OwnedProcess } from './ownedProcess';
import { startRelayProcess, TSX_IN_PROCESS, type RunningRelay } from './relays';

/**
 * A whole cluster on 127.0.0.1, as `npm run cluster:up`, the cluster benchmark and the fault tests run it:
 * PostgreSQL (throwaway data directory), Redis, N server nodes as their own processes (sharing the store, the
 * shared state, the TLS key and the data key), HAProxy in front, and relays run apart that the nodes hand out as a
 * fleet and whose feeds reach the nodes through HAProxy. Every process is this one's child with a watchdog, so
 * nothing outlives its owner; `stop()` takes them down in order.
 *
 * With `store: 'sqlite'` (one node only) the node keeps SQLite in its data directory and no PostgreSQL or Redis
 * starts: the single-node baseline the benchmark compares against.
 */
export interface ClusterOptions {
  readonly nodes: number;
  readonly relays?: number;
  readonly store?: 'postgres' | 'sqlite';
  /** Where everything lives (logs in logs/); a fresh temporary directory unless given. */
  readonly dir?: string;
  /** `built`: out/server/cli.cjs (npm run build:server first); `source`: the TypeScript through tsx's loader. */
  readonly serverEntry?: 'built' | 'source';
  /** Config keys every node gets on top of the cluster's own (suites: open registration, roomy rate limits). */
  readonly nodeConfig?: Partial<ServerConfigInput>;
  /** Whose death ends every process (default: this one). */
  readonly ownerPid?: number;
  readonly log?: (line: string) => void;
}

export interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly configFile: string;
  process: OwnedProcess;
  /** SIGTERM: the node drains and exits 0. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory (after stop or kill). */
  restart(): Promise<void>;
}

export interface Cluster {
  readonly dir: string;
  readonly logsDir: string;
  /** What clients connect to: HAProxy's port, and the key every node serves. */
  readonly address: { readonly host: '127.0.0.1'; readonly port: number; readonly spkiPin: string };
  readonly nodes: readonly ClusterNode[];
  readonly relays: readonly (RunningRelay & { readonly process: OwnedProcess })[];
  readonly frontDoor: FrontDoor;
  readonly postgres: PostgresServer | null;
  readonly redis: RedisServer | null;
  readonly storeConfig: StoreConfig;
  /** The data key ring every node holds (WHOOT_DATA_KEYS). */
  readonly dataKeysText: string;
  /** Runs the server CLI with node 1's config (create-workspace, invite, audit verify, ...). */
  cli(args: readonly string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '..', '..', '..');

function serverCommand(entry: 'built' | 'source'): { command: string; args: string[] } {
  return entry === 'built'
    ? { command: process.execPath, args: [join(root, 'out', 'server', 'cli.cjs')] }
    : { command: process.execPath, args: [...TSX_IN_PROCESS, join(root, 'main', 'server', 'cli.ts')] };
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const storeKind = options.store ?? 'postgres';
  if (storeKind === 'sqlite' && options.nodes !== 1) throw new Error('a SQLite store serves one node only');
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'whoot-cluster-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const owner = options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid };
  const entry = serverCommand(options.serverEntry ?? 'source');
  const started: { stop(): Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const part of started.splice(0).reverse()) await part.stop().catch(() => undefined);
  };

  try {
    // One data key ring and one TLS key for every node: what the operator distributes (docs/scale-out.md).
    const dataKeysText = formatDataKeys(dataKeySet(generateDataKey()));
    const env = { ...process.env, [DATA_KEYS_ENV]: dataKeysText };
    const certificate = await loadOrCreateCertificate({ dataDir: join(dir, 'shared'), hostnames: ['127.0.0.1'] });
    const tls = {
      certFile: join(dir, 'shared', 'tls', 'server-cert.pem'),
      keyFile: join(dir, 'shared', 'tls', 'server-key.pem'),
    };

    let postgres: PostgresServer | null = null;
    let redis: RedisServer | null = null;
    let storeConfig: StoreConfig = { kind: 'sqlite' };
    if (storeKind === 'postgres') {
      log('starting PostgreSQL');
      postgres = await startPostgres({ tag: 'cluster' });
      started.push({ stop: () => postgres!.stop() });
      await postgres.createWhootRoles();
      await postgres.createDatabase('whoot');
      storeConfig = {
        kind: 'postgres',
        url: postgres.url('whoot_app', 'whoot'),
        maintenanceUrl: postgres.url('whoot_maintenance', 'whoot'),
        poolSize: 10,
        maintenancePoolSize: 4,
      };
      log('starting Redis');
      redis = await startRedis({ tag: 'cluster', logFile: join(logsDir, 'redis.log') });
      started.push({ stop: () => redis!.stop() });
    }

    // The schema, made once by the owner role (a deploy step), and the relay secret the relays need before the
    // nodes start: nodes run without the owner role, as production nodes should.
    mkdirSync(join(dir, 'node1'), { recursive: true, mode: 0o700 });
    const setupStore = await openConfiguredStore(
      storeConfig.kind === 'postgres' && postgres !== null
        ? { ...storeConfig, ownerUrl: postgres.url('whoot_owner', 'whoot') }
        : storeConfig,
      { dataDir: join(dir, 'node1'), keys: parseDataKeys(dataKeysText, 'the cluster') },
    );
    const secret = relaySecretText(await setupStore.secrets.relaySecret());
    await setupStore.close();

    const frontPort = await freePort();
    const address = { host: '127.0.0.1' as const, port: frontPort, spkiPin: certificate.spkiPin };
    // The relays' ports are chosen now, so the nodes' fleet can name them; the relays start after the front door,
    // whose address their feeds poll.
    const relayCount = options.relays ?? 2;
    const relayPorts = await Promise.all(
      Array.from({ length: relayCount }, async () => ({ udp: await freePort(), tcp: await freePort() })),
    );
    const fleet: FleetRelay[] = relayPorts.map((ports, i) => ({
      id: `relay-${i + 1}`,
      host: '127.0.0.1',
      udpPort: ports.udp,
      tcpPort: ports.tcp,
    }));

    const nodes: ClusterNode[] = [];
    for (let i = 1; i <= options.nodes; i++) {
      const name = `node${i}`;
      const port = await freePort();
      const config: Record<string, unknown> = {
        ...options.nodeConfig,
        dataDir: join(dir, name),
        store: storeConfig,
        listen: { host: '127.0.0.1', port },
        publicHost: '127.0.0.1',
        publicPort: frontPort,
        tls,
        relay: {
          enabled: false,
          ...(relayCount > 0 ? { fleet: { relays: fleet, checkIntervalMs: 1_000, checkTimeoutMs: 500 } } : {}),
        },
        ...(redis !== null ? { sharedState: { kind: 'redis', url: redis.url } } : {}),
      };
      const configFile = join(dir, `${name}.json`);
      writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      const launch = () =>
        startOwnedProcess({
          name,
          command: entry.command,
          args: [...entry.args, '--config', configFile, 'serve'],
          env,
          logFile: join(logsDir, `${name}.log`),
          readyLine: /^whoot server ready/,
          ...owner,
        });
      log(`starting ${name}`);
      const node: ClusterNode = {
        name,
        port,
        configFile,
        process: await launch(),
        stop: () => node.process.stop('SIGTERM', 60_000),
        async kill() {
          await node.process.stop('SIGKILL');
        },
        async restart() {
          if (node.process.running()) throw new Error(`${name} is still running`);
          node.process = await launch();
        },
      };
      nodes.push(node);
      started.push({ stop: () => node.stop() });
    }

    log('starting HAProxy');
    const frontDoor = await startFrontDoor({
      dir,
      config: {
        bind: { host: '127.0.0.1', port: frontPort },
        nodes: nodes.map((node) => ({ name: node.name, host: '127.0.0.1', port: node.port })),
        check: { intervalMs: 500, fall: 2, rise: 1 },
        maxConnections: 9_000,
      },
      logFile: join(logsDir, 'haproxy.log'),
      ...owner,
    });
    started.push({ stop: () => frontDoor.stop() });
    await frontDoor.waitForUp(nodes.length);

    const relays: (RunningRelay & { readonly process: OwnedProcess })[] = [];
    for (const [i, relay] of fleet.entries()) {
      log(`starting ${relay.id}`);
      const running = await startRelayProcess({
        id: relay.id,
        secret,
        feed: address,
        ports: relayPorts[i]!,
        logFile: join(logsDir, `${relay.id}.log`),
        ...owner,
      });
      relays.push(running);
      started.push({ stop: () => running.close() });
    }

    const cli: Cluster['cli'] = (args, stdin) =>
      new Promise((done) => {
        const command = serverCommand(options.serverEntry ?? 'source');
        const child = spawn(command.command, [...command.args, '--config', nodes[0]!.configFile, ...args], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.once('close', (code) => done({ code, stdout, stderr }));
        child.stdin.end(stdin ?? '');
      });

    return {
      dir,
      logsDir,
      address,
      nodes,
      relays,
      frontDoor,
      postgres,
      redis,
      storeConfig,
      dataKeysText,
      cli,
      async stop() {
        await stopAll();
        if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll();
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
