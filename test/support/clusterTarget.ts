import { join } from 'node:path';
import type { ServerConfigInput } from '../../main/server/config';
import { loadOrCreateCertificate } from '../../main/server/http/certificate';
import type { RunningServer, StartServerOptions } from '../../main/server/serverApp';
import { startTestCluster, type TestCluster } from './clusterHarness';
import { startFrontDoor } from './cluster/haproxy';
import { freePort } from './freePort';

/**
 * One switch selects what the server, chat and voice suites run against (`npm run test:cluster`):
 *
 * - `WHOOT_TEST_TARGET=node` (default): one node, SQLite (or PostgreSQL with WHOOT_TEST_STORE=postgres).
 * - `WHOOT_TEST_TARGET=cluster`: three nodes on one PostgreSQL database and one Redis, serving one TLS key, behind
 *   HAProxy in TCP passthrough (the generated config of main/server/cluster/haproxyConfig.ts). Every client call and
 *   socket goes through HAProxy, so consecutive connections land on different nodes; what a test reaches into
 *   (`server.store`, `server.webhooks`, `server.signalling`, `server.relay`) is the first node's, which shares the
 *   store and the shared state with the others. The first node runs the embedded relay; the other two hand out
 *   that one relay (relay.enabled false, its ports configured), as nodes do with a relay run apart.
 *
 * Tests that read or tamper with one node's SQLite file, or test one node's own life (drain, readiness), skip under
 * the cluster target with the reason beside them (`ON_SQLITE_NODE`, `ON_ONE_NODE` in serverHarness.ts).
 */
export type TestTarget = 'node' | 'cluster';

export function testTarget(value = process.env.WHOOT_TEST_TARGET): TestTarget {
  if (value === undefined || value === '' || value === 'node') return 'node';
  if (value === 'cluster') return 'cluster';
  throw new Error(`WHOOT_TEST_TARGET must be node or cluster, not ${JSON.stringify(value)}`);
}

export const CLUSTER_TARGET_NODES = 3;

export interface ClusterTestServer {
  /**
   * The first node, except that `port` is HAProxy's and `close` stops the whole cluster, keeping its data as one
   * node's `close` keeps its directory (a test restarts on it; `close(true)` below removes it).
   */
  readonly server: RunningServer;
  readonly nodes: readonly RunningServer[];
  /** Every line any node logged. */
  readonly logs: readonly string[];
  /** What an operator's CLI beside the cluster uses on top of `dir` (clusterHarness.ts). */
  readonly cli: TestCluster['cli'];
  close(removeData: boolean): Promise<void>;
}

/**
 * The cluster target's startTestServer. `dir` is the cluster's (its identity, each node's directory, the shared
 * TLS key): starting again on the same `dir` after `close(false)` restarts the same cluster, as one node restarts
 * on its data directory.
 */
export async function startClusterTestServer(
  config: ServerConfigInput,
  dir: string,
  options: Omit<StartServerOptions, 'env' | 'log'>,
): Promise<ClusterTestServer> {
  // Invites and TURN URLs name HAProxy's port, so it is chosen before the nodes start.
  const frontPort = await freePort();
  // One key for every node, kept in `dir` as one node keeps it in its data directory (docs/scale-out.md).
  const tls = config.tls ?? {
    certFile: join(dir, 'tls', 'server-cert.pem'),
    keyFile: join(dir, 'tls', 'server-key.pem'),
  };
  if (config.tls === undefined) {
    const relayHost = config.relay?.host;
    await loadOrCreateCertificate({
      dataDir: dir,
      hostnames: [config.publicHost ?? '127.0.0.1', ...(relayHost === undefined ? [] : [relayHost])],
    });
  }
  // Each node has its own data directory, and the cluster's store.
  const shared: Partial<ServerConfigInput> = { ...config };
  delete shared.dataDir;
  delete shared.store;
  const { liveness, ...startOptions } = options;
  const cluster = await startTestCluster({
    nodes: CLUSTER_TARGET_NODES,
    dir,
    overrides: { ...shared, tls, publicPort: frontPort },
    nodeOverrides: (index, first) => (index === 0 ? {} : relayOfFirstNode(config, first)),
    startOptions,
    ...(liveness === undefined ? {} : { liveness }),
  });
  let frontDoor;
  try {
    frontDoor = await startFrontDoor({
      dir,
      config: {
        bind: { host: '127.0.0.1', port: frontPort },
        nodes: cluster.nodes.map((node, i) => ({ name: `node${i + 1}`, host: '127.0.0.1', port: node.port })),
        check: { intervalMs: 500, fall: 2, rise: 1 },
      },
      logFile: join(dir, 'haproxy.log'),
    });
    await frontDoor.waitForUp(cluster.nodes.length);
  } catch (error) {
    await frontDoor?.stop();
    await cluster.close(true);
    throw error;
  }
  const door = frontDoor;
  const first = cluster.nodes[0] as RunningServer;
  const close = async (removeData: boolean) => {
    await door.stop();
    await cluster.close(removeData);
  };
  return {
    server: { ...first, port: door.port, close: () => close(false) },
    nodes: cluster.nodes,
    logs: cluster.lines,
    cli: cluster.cli,
    close,
  };
}

/** The other nodes send clients to the first node's embedded relay, as to a relay run apart. */
function relayOfFirstNode(config: ServerConfigInput, first: RunningServer | undefined): Partial<ServerConfigInput> {
  const addresses = first?.relay?.addresses;
  if (addresses === undefined) return {};
  return {
    relay: {
      ...config.relay,
      enabled: false,
      ...(addresses.udp ? { udpPort: addresses.udp.port } : {}),
      ...(addresses.tcp ? { tcpPort: addresses.tcp.port } : {}),
      ...(addresses.tls ? { tlsPort: addresses.tls.port } : {}),
    },
  };
}
