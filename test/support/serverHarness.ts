import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BodyOf, EndpointName, ResponseOf } from '../../shared/rest/endpoints';
import { startServer, type RunningServer, type StartServerOptions } from '../../main/server/serverApp';
import type { ServerConfigInput } from '../../main/server/config';
import { createServerApi, type CallInput } from '../../main/session/apiClient';
import { CredentialVault } from '../../main/session/credentialVault';
import { createRequestSigner } from '../../main/session/requestSigner';
import { randomBytes } from 'node:crypto';
import { testPostgresDatabase } from '../../main/server/store/storeTestKit';
import { TEST_IO_TIMEOUT_MS } from './testDeadlines';
import { chooseIceAddress } from '../../main/server/sfu/iceAddress';

/** Suites that sign many accounts in from one address use roomy buckets; the rate-limit tests set their own. */
export const GENEROUS_LIMITS = {
  default: { ip: { capacity: 10_000, refillPerSecond: 1000 }, session: { capacity: 10_000, refillPerSecond: 1000 } },
  auth: { ip: { capacity: 10_000, refillPerSecond: 1000 }, session: { capacity: 10_000, refillPerSecond: 1000 } },
};

/**
 * Suites sign accounts up freely and build each workspace's channels themselves, so the servers they start are
 * open and make no default channels. The defaults (invite-only, operators, general and Lounge) are what the
 * registration and workspace-creation suites test, by starting their servers with those values.
 */
export const SUITE_POLICY = {
  registration: 'open',
  workspaceCreation: 'anyone',
  defaultChannels: [],
} as const satisfies Partial<ServerConfigInput>;

/** The embedded TURN relay on ports the OS picks, so test servers running side by side never collide. */
export const EPHEMERAL_RELAY = { udpPort: 0, tcpPort: 0, minPort: 40000, maxPort: 60000 };

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

/** The real server on 127.0.0.1, an ephemeral port and a fresh data directory (with its own key file). */
export async function startTestServer(
  overrides: Partial<ServerConfigInput> = {},
  dataDir?: string,
  options: Omit<StartServerOptions, 'env' | 'log'> = {},
) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'whoot-server-'));
  const logs: string[] = [];
  const server = await startServer(
    {
      dataDir: dir,
      store: await testStore(dir),
      listen: { host: '127.0.0.1', port: 0 },
      publicHost: '127.0.0.1',
      heartbeatSeconds: 30,
      rateLimits: GENEROUS_LIMITS,
      relay: EPHEMERAL_RELAY,
      ...SUITE_POLICY,
      ...overrides,
    },
    { ...options, env: {}, log: (line) => logs.push(line) },
  );
  return {
    server,
    dataDir: dir,
    logs,
    address: () => ({ host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin }),
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

const api = createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS });

/** A signed-in client exactly as the desktop app's main process would be: vault, signer, contract calls. */
export async function signIn(server: RunningServer, email: string, password: string) {
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
  server: RunningServer,
  name = `user${randomBytes(3).toString('hex')}`,
  account = { email: `${name}@example.com`, password: `pw-${randomBytes(8).toString('hex')}` },
) {
  const address = { host: '127.0.0.1', port: server.port, spkiPin: server.spkiPin };
  const signUp = await api.call(address, 'signUp', { body: { ...account, displayName: name } });
  return { ...(await signIn(server, account.email, account.password)), serverOwner: signUp.serverOwner };
}

export type TestClient = Awaited<ReturnType<typeof signIn>>;
export type { BodyOf };
export { api };

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
