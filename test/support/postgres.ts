import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './freePort';
import { waitForReadyLine } from './readyLine';

/**
 * PostgreSQL 15 (Debian's package) as an ordinary process for tests, benchmarks and `npm run cluster:up`: a
 * throwaway data directory, 127.0.0.1 on a free port, ready when the server says so on its log, stopped by
 * `stop()` or, if the process that started it dies first (a killed test run), by a watchdog that outlives it.
 *
 * The binaries are Debian's (`/usr/lib/postgresql/<major>/bin`, 15 on Debian 12), or WHOOT_POSTGRES_BIN's.
 * initdb refuses to run as root. Here tests run as root, so the binaries run as the unprivileged `postgres`
 * account (Node's spawn sets uid and gid and drops supplementary groups); as any other user they run as that user.
 */
export const POSTGRES_BIN = process.env.WHOOT_POSTGRES_BIN ?? debianPostgresBin();

/** What postgres logs once it accepts connections, at the first start and after `resume()`. */
const POSTGRES_READY = 'database system is ready to accept connections';

/** Debian 12 installs PostgreSQL 15 here; a newer release, a newer major version beside it. */
function debianPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return join(root, versions[0] ?? '15', 'bin');
}

/** The roles whoot's migrations grant to (docs/server.md, "PostgreSQL"). */
export const WHOOT_ROLES = ['whoot_owner', 'whoot_app', 'whoot_maintenance'] as const;
export type WhootRole = (typeof WHOOT_ROLES)[number];

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dataDir: string;
  /** Where its Unix socket is. */
  readonly socketDir: string;
  /** The superuser, reachable only over the Unix socket in dataDir (trust there; passwords over TCP). */
  readonly superuser: string;
  /** A connection URL over TCP for one of whoot's roles, to `database`. */
  url(role: WhootRole, database: string): string;
  /** A superuser client over the Unix socket: the operator (or an attacker holding the machine). */
  superClient(database?: string): Promise<pg.Client>;
  /** Creates whoot's three login roles with fresh passwords (idempotent). */
  createWhootRoles(): Promise<void>;
  /** An empty database owned by whoot_owner, or a copy of `template`. */
  createDatabase(name: string, template?: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** An outage: stops the server (fast shutdown) and keeps its data, port and roles for `resume()`. */
  halt(): Promise<void>;
  /** Starts it again after `halt()`, on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

/** Root cannot run initdb: use the `postgres` account the Debian package creates. */
function unprivileged(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (passwd === undefined) throw new Error('running as root needs the postgres account (apt-get install postgresql)');
  return { uid: Number(passwd[2]), gid: Number(passwd[3]) };
}

/**
 * A detached shell that waits for `parentPid` to go and then ends postgres fast (SIGQUIT: immediate shutdown)
 * and removes its data directory. It exits by itself once postgres is gone, whoever stopped it.
 */
function startWatchdog(parentPid: number, postgresPid: number, dataDir: string): void {
  const script = `
    while kill -0 ${parentPid} 2>/dev/null && kill -0 ${postgresPid} 2>/dev/null; do sleep 1; done
    if kill -0 ${postgresPid} 2>/dev/null; then
      kill -QUIT ${postgresPid} 2>/dev/null
      while kill -0 ${postgresPid} 2>/dev/null; do sleep 0.2; done
      rm -rf '${dataDir}'
    fi`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier ${name}`);
  return `"${name}"`;
}

export async function startPostgres(options: { readonly tag?: string } = {}): Promise<PostgresServer> {
  const runAs = unprivileged();
  const dataDir = mkdtempSync(join(tmpdir(), `whoot-pg-${options.tag ?? 'test'}-`));
  if (runAs.uid !== undefined) chownSync(dataDir, runAs.uid, runAs.gid ?? runAs.uid);
  const superuser = 'postgres';
  const superPassword = randomBytes(18).toString('base64url');
  const pwfile = join(dataDir, '.pwfile');
  // initdb wants an empty directory: the password file goes beside it, then away.
  const cluster = join(dataDir, 'cluster');
  writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined) chownSync(pwfile, runAs.uid, runAs.gid ?? runAs.uid);
  const init = spawnSync(
    join(POSTGRES_BIN, 'initdb'),
    [
      '-D',
      cluster,
      '-U',
      superuser,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    { ...runAs, encoding: 'utf8', cwd: dataDir },
  );
  rmSync(pwfile, { force: true });
  if (init.status !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    const missing = init.error ? ` (${init.error.message}; apt-get install postgresql)` : '';
    throw new Error(`initdb failed${missing}: ${init.stderr ?? ''}`);
  }

  const log: string[] = [];
  const launch = (port: number) =>
    spawn(
      join(POSTGRES_BIN, 'postgres'),
      [
        '-D',
        cluster,
        '-k',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // Throwaway data: durability against an OS crash buys nothing here, and fsync is most of a commit's cost.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
        '-c',
        'shared_buffers=64MB',
      ],
      { ...runAs, cwd: dataDir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  let child: ChildProcess | undefined;
  let port = 0;
  // A port found free can be taken before postgres binds it; another pick then wins.
  for (let attempt = 0; attempt < 5 && child === undefined; attempt += 1) {
    port = await freePort();
    const candidate = launch(port);
    try {
      await waitForReadyLine(candidate, 'stderr', POSTGRES_READY, log);
      child = candidate;
    } catch (error) {
      if (!log.some((line) => line.includes('could not bind') || line.includes('in use'))) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  if (child === undefined || child.pid === undefined) throw new Error('postgres found no free port');
  startWatchdog(process.pid, child.pid, dataDir);
  let running = child;
  // Keep draining its log so a full pipe never blocks the server.
  running.stderr?.resume();
  const isRunning = () => running.exitCode === null && running.signalCode === null;
  /** SIGINT: fast shutdown (roll back open transactions, close connections, checkpoint). */
  async function shutDown(): Promise<void> {
    if (!isRunning()) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGINT');
    await exited;
  }
  const passwords = new Map<WhootRole, string>(WHOOT_ROLES.map((role) => [role, randomBytes(18).toString('hex')]));

  const superClient = async (database = 'postgres') => {
    const client = new pg.Client({ host: dataDir, port, user: superuser, database });
    await client.connect();
    return client;
  };
  async function asSuperuser<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await superClient();
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  }

  return {
    host: '127.0.0.1',
    port,
    dataDir: cluster,
    socketDir: dataDir,
    superuser,
    url(role, database) {
      const password = passwords.get(role);
      return `postgres://${role}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    },
    superClient,
    async createWhootRoles() {
      await asSuperuser(async (client) => {
        for (const role of WHOOT_ROLES) {
          const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
          const password = client.escapeLiteral(passwords.get(role) ?? '');
          // NOBYPASSRLS and NOSUPERUSER are the defaults; spelled out because they are the point.
          const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
          await client.query(
            `${verb} ROLE ${quoteIdent(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB PASSWORD ${password}`,
          );
        }
      });
    },
    async createDatabase(name, template) {
      await asSuperuser((client) =>
        client.query(
          `CREATE DATABASE ${quoteIdent(name)} OWNER whoot_owner${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`,
        ),
      );
    },
    async dropDatabase(name) {
      await asSuperuser((client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
    async halt() {
      await shutDown();
    },
    async resume() {
      if (isRunning()) return;
      const again = launch(port);
      await waitForReadyLine(again, 'stderr', POSTGRES_READY, log);
      if (again.pid === undefined) throw new Error('postgres did not start again');
      running = again;
      running.stderr?.resume();
      startWatchdog(process.pid, again.pid, dataDir);
    },
    async stop() {
      await shutDown();
      if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
