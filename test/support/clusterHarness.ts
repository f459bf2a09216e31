import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { EndpointName, ResponseOf } from '../../shared/rest/endpoints';
import { wsProtocolsFor } from '../../shared/ws';
import type { ServerConfigInput } from '../../main/server/config';
import { startServer, type RunningServer, type StartServerOptions } from '../../main/server/serverApp';
import { TestClient as WsClient } from '../../main/server/signalling/testing/signallingHarness';
import { testKeyPrefix, testRedisUrl } from '../../main/server/sharedState/sharedStateTestKit';
import { dataKeySet, formatDataKeys, generateDataKey } from '../../main/server/store/keyMaterial';
import { DATA_KEYS_ENV } from '../../main/server/store/dataKeys';
import { testPostgresDatabase } from '../../main/server/store/storeTestKit';
import type { CallInput } from '../../main/session/apiClient';
import { CredentialVault } from '../../main/session/credentialVault';
import { createRequestSigner } from '../../main/session/requestSigner';
import type { TestClient } from './serverHarness';
import { api, SUITE_SERVER } from './suiteDefaults';

/**
 * Several real server nodes, as an admin runs them behind a load balancer: each its own process state, data
 * directory and port on 127.0.0.1, all on one PostgreSQL database (a fresh copy of the run's migrated template) and
 * one Redis (the run's, under a fresh key prefix, or the one given), with the same data keys. In-process
 * `startServer` instances: what crosses between them goes through PostgreSQL and Redis only, as between machines.
 */
export interface TestCluster {
  readonly nodes: readonly RunningServer[];
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** The store and environment an operator's CLI beside the cluster uses (the first node's, with the owner). */
  readonly cli: { readonly store: ServerConfigInput['store']; readonly env: Readonly<Record<string, string>> };
  /** Every line each node logged, per node. */
  readonly logs: readonly string[][];
  /** Every line any node logged, as they came. */
  readonly lines: readonly string[];
  /** The same signed-in client calling another node: the session is the cluster's, not the node's. */
  on(node: RunningServer, client: TestClient): TestClient['call'];
  /** The same account with the session a refresh gave it (a client that stored its new tokens). */
  rotated(client: TestClient, session: { id: string; secret: string; refreshToken: string }): TestClient;
  /** A WSS connection to `node` with a ticket minted through `mintOn` (default: the same node), after `hello`. */
  connect(node: RunningServer, client: TestClient, workspaceId: string, mintOn?: RunningServer): Promise<WsClient>;
  /** Stops one node as a crash would (no goodbye in Redis): the survivors must clean up after it. */
  crash(node: RunningServer): Promise<void>;
  /** Stops every node; with `removeData` false the database and `dir` stay for a cluster started on `dir` again. */
  close(removeData?: boolean): Promise<void>;
}

export interface TestClusterOptions {
  readonly nodes?: number;
  /** A Redis of the test's own (one it restarts); default the run's. */
  readonly redisUrl?: string;
  readonly overrides?: Partial<ServerConfigInput>;
  /** How soon a silent node counts as dead. */
  readonly liveness?: { readonly ttlMs: number; readonly intervalMs: number };
  /**
   * Where the cluster keeps what outlives a restart (its database's name, its key prefix, its data keys, each node's
   * data directory): a cluster started again on the same `dir` is the same cluster. A fresh one when not given.
   */
  readonly dir?: string;
  /** What one node gets on top of `overrides`, by index (0 is the first node, started first and alone). */
  readonly nodeOverrides?: (index: number, first: RunningServer | undefined) => Partial<ServerConfigInput>;
  /** Given to every node's startServer (a test clock, a webhook lookup...). */
  readonly startOptions?: Omit<StartServerOptions, 'env' | 'log' | 'liveness'>;
}

/** What a cluster keeps in its `dir` to be started again as itself. */
interface ClusterIdentity {
  readonly database: string;
  readonly keyPrefix: string;
  readonly dataKeys: string;
}

const identityFile = (dir: string) => join(dir, 'cluster.json');

/** The database of the cluster kept in `dir`, if one is. */
export function clusterDatabaseOf(dir: string): string | undefined {
  const file = identityFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterIdentity).database : undefined;
}

function clusterIdentity(dir: string | undefined): { identity: ClusterIdentity; existing: boolean } {
  const file = dir === undefined ? undefined : identityFile(dir);
  if (file !== undefined && existsSync(file)) {
    return { identity: JSON.parse(readFileSync(file, 'utf8')) as ClusterIdentity, existing: true };
  }
  const identity = {
    database: `cluster_${randomBytes(6).toString('hex')}`,
    keyPrefix: testKeyPrefix(),
    dataKeys: formatDataKeys(dataKeySet(generateDataKey())),
  };
  if (file !== undefined) writeFileSync(file, JSON.stringify(identity), { mode: 0o600 });
  return { identity, existing: false };
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  if (options.dir !== undefined) mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const { identity, existing } = clusterIdentity(options.dir);
  const database = testPostgresDatabase(identity.database);
  if (!existing) await database.create();
  const redisUrl = options.redisUrl ?? testRedisUrl();
  const { keyPrefix } = identity;
  const env = { [DATA_KEYS_ENV]: identity.dataKeys };
  const dirs: string[] = [];
  const logs: string[][] = [];
  const lines: string[] = [];
  const nodes: RunningServer[] = [];
  // Nodes already stopped (crashed, or closed by an earlier close): never closed again.
  const stopped = new Set<RunningServer>();

  const storeOf = (index: number): ServerConfigInput['store'] => ({
    kind: 'postgres',
    url: database.url('whoot_app'),
    maintenanceUrl: database.url('whoot_maintenance'),
    // As in production, one node (or a deploy step) holds the owner; the others refuse a schema they do not know.
    ...(index === 0 ? { ownerUrl: database.url('whoot_owner') } : {}),
    poolSize: 4,
    maintenancePoolSize: 2,
  });

  async function startNode(index: number): Promise<RunningServer> {
    const dir =
      options.dir === undefined
        ? mkdtempSync(join(tmpdir(), `whoot-node${index}-`))
        : join(options.dir, `node${index}`);
    dirs.push(dir);
    const own: string[] = [];
    logs.push(own);
    return startServer(
      {
        dataDir: dir,
        store: storeOf(index),
        sharedState: { kind: 'redis', url: redisUrl, keyPrefix },
        ...SUITE_SERVER,
        ...options.overrides,
        ...options.nodeOverrides?.(index, nodes[0]),
      },
      {
        ...options.startOptions,
        env,
        log: (line) => {
          own.push(line);
          lines.push(line);
        },
        ...(options.liveness ? { liveness: options.liveness } : {}),
      },
    );
  }

  try {
    // The first node alone first: it migrates (a no-op on the template) before the others check the schema.
    nodes.push(await startNode(0));
    for (let index = 1; index < (options.nodes ?? 2); index += 1) nodes.push(await startNode(index));
  } catch (error) {
    await Promise.allSettled(nodes.map((node) => node.close()));
    if (!existing) await database.drop();
    throw error;
  }

  const addressOf = (node: RunningServer) => ({ host: '127.0.0.1', port: node.port, spkiPin: node.spkiPin });

  const on = (node: RunningServer, client: TestClient): TestClient['call'] => {
    return <N extends EndpointName>(name: N, input: Omit<CallInput<N>, 'signer'> = {}): Promise<ResponseOf<N>> =>
      api.call(addressOf(node), name, { ...input, signer: client.signer });
  };

  return {
    nodes,
    redisUrl,
    keyPrefix,
    cli: { store: storeOf(0), env },
    logs,
    lines,
    on,
    rotated(client, session) {
      const vault = new CredentialVault();
      vault.establish({
        server: addressOf(nodes[0] as RunningServer),
        sessionId: session.id,
        sessionSecret: Buffer.from(session.secret, 'base64url'),
        user: client.user,
        workspaces: [],
      });
      const signer = createRequestSigner({ vault });
      const grant = { ...client.grant, id: session.id, secret: session.secret, refreshToken: session.refreshToken };
      const rotated: TestClient = { ...client, grant, vault, signer, call: () => Promise.reject(new Error('unused')) };
      return { ...rotated, call: on(nodes[0] as RunningServer, rotated) };
    },
    async connect(node, client, workspaceId, mintOn = node) {
      const { ticket, path } = await on(mintOn, client)('wsTicket', { body: { workspaceId } });
      const ws = new WebSocket(`wss://127.0.0.1:${node.port}${path}`, wsProtocolsFor(ticket), {
        rejectUnauthorized: false,
      });
      const socket = new WsClient(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      socket.send({ type: 'hello' });
      socket.connectionId = (await socket.next('welcome')).connectionId;
      return socket;
    },
    async crash(node) {
      stopped.add(node);
      const shared = node.sharedState as { crash?: () => void };
      shared.crash?.();
      // Its sockets die with it; its entries in Redis stay behind, as a killed process leaves them.
      await node.close().catch(() => undefined);
    },
    async close(removeData = true) {
      // Closed once: a test may stop the cluster, then remove what it kept.
      const open = nodes.filter((node) => !stopped.has(node));
      for (const node of open) stopped.add(node);
      await Promise.allSettled(open.map((node) => node.close()));
      if (!removeData) return;
      await database.drop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      if (options.dir !== undefined) rmSync(options.dir, { recursive: true, force: true });
    },
  };
}
