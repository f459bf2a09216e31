import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BodyOf, EndpointName, ResponseOf } from '../../shared/rest/endpoints';
import { startServer, type RunningServer, type StartServerOptions } from '../../main/server/serverApp';
import type { ServerConfigInput } from '../../main/server/config';
import type { CallInput } from '../../main/session/apiClient';
import { CredentialVault } from '../../main/session/credentialVault';
import { createRequestSigner } from '../../main/session/requestSigner';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../main/server/store';
import { testPostgresDatabase, type RawDatabase } from '../../main/server/store/storeTestKit';
import { clusterDatabaseOf } from './clusterHarness';
import { startClusterTestServer, testTarget } from './clusterTarget';
import { api, EPHEMERAL_RELAY, GENEROUS_LIMITS, SUITE_POLICY, SUITE_SERVER } from './suiteDefaults';
import { chooseIceAddress } from '../../main/server/sfu/iceAddress';

export { api, EPHEMERAL_RELAY, GENEROUS_LIMITS, SUITE_POLICY };

/**
 * A server with the SFU on: Janus as its child, and the relay's relayed sockets on the host's own (non-loopback)
 * address, where Janus can reach them (docs/voice.md, "Janus, run and locked down").
 */
export function withSfu(sfu: NonNullable<ServerConfigInput['sfu']> = { enabled: true }): Partial<ServerConfigInput> {
  return { sfu, relay: { ...EPHEMERAL_RELAY, relayIp: chooseIceAddress(undefined).address } };
}

/**
 * Which store the server suites run against: SQLite in the data directory (default), or with
 * WHOOT_TEST_STORE=postgres a fresh database of the test PostgreSQL per data directory (its name kept in the
 * directory, so a server restarted on the same directory finds the same database).
 */
async function testStore(dir: string): Promise<ServerConfigInput['store']> {
  if (process.env.WHOOT_TEST_STORE !== 'postgres') return { kind: 'sqlite' };
  const marker = join(dir, 'postgres-database');
  const existing = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
  const database = testPostgresDatabase(existing ?? `server_${randomBytes(8).toString('hex')}`);
  if (existing === undefined) {
    await database.create();
    writeFileSync(marker, database.database);
  }
  return {
    kind: 'postgres',
    url: database.url('whoot_app'),
    maintenanceUrl: database.url('whoot_maintenance'),
    ownerUrl: database.url('whoot_owner'),
    poolSize: 4,
    maintenancePoolSize: 2,
  };
}

async function dropTestStore(dir: string): Promise<void> {
  const marker = join(dir, 'postgres-database');
  if (existsSync(marker)) await testPostgresDatabase(readFileSync(marker, 'utf8').trim()).drop();
}

/** The PostgreSQL database a suite's server in `dir` uses: one node's (WHOOT_TEST_STORE=postgres) or a cluster's. */
function postgresDatabaseOf(dir: string): string | undefined {
  const marker = join(dir, 'postgres-database');
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : clusterDatabaseOf(dir);
}

/**
 * The store of the server in `dir` as someone with direct access sees it, whichever the backend: the SQLite file,
 * or PostgreSQL's superuser. Tests read (or tamper with) it behind the server's back; close it when done.
 */
async function rawStoreOf(dir: string): Promise<RawStore> {
  const database = postgresDatabaseOf(dir);
  if (database !== undefined) return { backend: 'postgres', ...(await testPostgresDatabase(database).raw()) };
  const db = new Database(join(dir, DATABASE_FILE), { fileMustExist: true });
  return {
    backend: 'sqlite',
    all: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as R[],
    get: async <R>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as R | undefined,
    run: async (sql: string, ...params: unknown[]) => db.prepare(sql).run(...params).changes,
    close: async () => void db.close(),
  };
}

/**
 * What the server CLI run beside a test's server needs on top of its data directory: the store the server uses
 * (SQLite in the directory, or PostgreSQL) and the environment that carries the data keys (a cluster's).
 */
export interface CliBeside {
  readonly config: Pick<ServerConfigInput, 'store'>;
  readonly env: Readonly<Record<string, string>>;
}

export type RawStore = RawDatabase & { readonly backend: 'sqlite' | 'postgres'; close(): Promise<void> };

/** Where the suites run: one node, or three behind HAProxy (WHOOT_TEST_TARGET, clusterTarget.ts). */
export const TEST_TARGET = testTarget();

/** One node on SQLite: only then is there a `whoot.db` in the data directory to read or tamper with. */
export const ON_SQLITE_NODE = TEST_TARGET === 'node' && process.env.WHOOT_TEST_STORE !== 'postgres';

/** One node: tests of a node's own life (its drain, its readiness, its log lines) need it. */
export const ON_ONE_NODE = TEST_TARGET === 'node';

/**
 * The real server on 127.0.0.1, an ephemeral port and a fresh data directory (with its own key file); under
 * WHOOT_TEST_TARGET=cluster, three nodes behind HAProxy in that directory (clusterTarget.ts), reached the same way.
 */
export async function startTestServer(
  overrides: Partial<ServerConfigInput> = {},
  dataDir?: string,
  options: Omit<StartServerOptions, 'env' | 'log'> = {},
) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'whoot-server-'));
  const config: ServerConfigInput = { dataDir: dir, ...SUITE_SERVER, ...overrides };
  if (TEST_TARGET === 'cluster') {
    const cluster = await startClusterTestServer(config, dir, options);
    const { server } = cluster;
    return {
      server,
      dataDir: dir,
      cli: { config: { store: cluster.cli.store }, env: cluster.cli.env } as CliBeside,
      logs: cluster.logs as string[],
      address: () => ({ host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin }),
      rawStore: () => rawStoreOf(dir),
      close: (removeData = true) => cluster.close(removeData),
    };
  }
  const logs: string[] = [];
  const store = await testStore(dir);
  const server = await startServer({ store, ...config }, { ...options, env: {}, log: (line) => logs.push(line) });
  return {
    server,
    dataDir: dir,
    cli: { config: { store }, env: {} } as CliBeside,
    logs,
    address: () => ({ host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin }),
    rawStore: () => rawStoreOf(dir),
    async close(removeData = true) {
      await server.close();
      if (removeData) {
        await dropTestStore(dir);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** Where clients connect: a node, or a cluster's front door (HAProxy), which serves the same key. */
export type ServerTarget = Pick<RunningServer, 'port' | 'spkiPin'>;

/** A signed-in client exactly as the desktop app's main process would be: vault, signer, contract calls. */
export async function signIn(server: ServerTarget, email: string, password: string) {
  const address = { host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin };
  const signedIn = await api.call(address, 'signIn', { body: { email, password } });
  const vault = new CredentialVault();
  vault.establish({
    server: address,
    sessionId: signedIn.session.id,
    sessionSecret: Buffer.from(signedIn.session.secret, 'base64url'),
    user: signedIn.user,
    workspaces: signedIn.workspaces,
  });
  const signer = createRequestSigner({ vault });
  return {
    email,
    password,
    user: signedIn.user,
    grant: signedIn.session,
    vault,
    signer,
    call: <N extends EndpointName>(name: N, input: Omit<CallInput<N>, 'signer'> = {}): Promise<ResponseOf<N>> =>
      api.call(address, name, { ...input, signer }),
  };
}

/** A new account, signed in. */
export async function signUpAndIn(
  server: ServerTarget,
  name = `user${randomBytes(3).toString('hex')}`,
  account = { email: `${name}@example.com`, password: `pw-${randomBytes(8).toString('hex')}` },
) {
  const address = { host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin };
  const signUp = await api.call(address, 'signUp', { body: { ...account, displayName: name } });
  return { ...(await signIn(server, account.email, account.password)), serverOwner: signUp.serverOwner };
}

export type TestClient = Awaited<ReturnType<typeof signIn>>;
export type { BodyOf };

/**
 * An account that owns a workspace, and a reusable invite link to it: what an admin sets up before a user
 * signs in from the desktop app.
 */
export async function bootstrapWorkspace(
  server: RunningServer,
  account: { email: string; password: string; displayName?: string },
  workspace: { slug: string; name: string },
): Promise<string> {
  const owner = await signUpAndIn(server, account.displayName ?? 'Ada', account);
  await owner.call('createWorkspace', { body: workspace });
  owner.vault.wipe();
  return server.createInvite(workspace.slug, { maxUses: 100 });
}

/**
 * Two new accounts in one new workspace with one voice channel: the owner created both, the member joined through
 * an invite. The common start of every test where two people meet in a channel.
 */
export async function twoMembersInChannel(server: RunningServer, names: [string, string] = ['ada', 'bob']) {
  const [owner, member] = await Promise.all([signUpAndIn(server, names[0]), signUpAndIn(server, names[1])]);
  const slug = `${names[0]}-${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const { workspace } = await owner.call('createWorkspace', { body: { slug, name: 'Team' } });
  const { channel } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: 'Voice' },
  });
  const invite = await owner.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 1 } });
  await member.call('acceptInvite', { body: { code: invite.code } });
  return { owner, member, workspace, channel };
}
