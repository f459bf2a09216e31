/**
 * Cluster benchmark: `npm run bench:cluster` (tsx bench/cluster.ts). Prints figures, never asserts.
 *
 * Three targets, each a whole cluster started by test/support/cluster/cluster.ts on 127.0.0.1 and reached only
 * through its HAProxy front door: one node on SQLite (shared state in memory), one node on PostgreSQL and Redis, three
 * nodes on PostgreSQL and Redis. For each:
 *
 * 1. Signed credential requests per second: MEMBERS signed-in members ask for voice credentials (signed REST, one
 *    relay picked per channel) as fast as answers come, for CREDENTIAL_SECONDS.
 * 2. WSS clients held: MEMBERS x SOCKETS_PER_MEMBER sockets opened by a receiver process (a fresh ticket per socket,
 *    retried with a new ticket when refused, as the app reconnects), counted open at the end.
 * 3. Event fan-out at 100 events/s: members post to one channel at RATE messages/s for FAN_OUT_SECONDS over signed
 *    REST; p50/p99 of post start -> `message.posted` on each socket (process.hrtime: one clock machine-wide), and
 *    the share of expected deliveries that arrived.
 *
 * Then the 3-node over 1-node ratio beside the ideal (3.0) and beside what this machine's cores allow: every node,
 * PostgreSQL, HAProxy and the bench's own clients share them, so CPU-bound work scales by at most min(3, cores).
 */
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startCluster, type Cluster } from '../test/support/cluster/cluster';
import { GENEROUS_LIMITS, signIn, signUpAndIn, type TestClient } from '../test/support/serverHarness';
import { askChild as ask, runBench } from './support/childProcess';
import { openReceivingSocket } from './support/receivingSocket';
import { percentile } from './support/statistics';

const MEMBERS = Number(process.env.BENCH_CLUSTER_MEMBERS ?? 20);
const SOCKETS_PER_MEMBER = Number(process.env.BENCH_CLUSTER_SOCKETS_PER_MEMBER ?? 10);
const RATE = Number(process.env.BENCH_CLUSTER_RATE ?? 100);
const FAN_OUT_SECONDS = Number(process.env.BENCH_CLUSTER_SECONDS ?? 10);
const CREDENTIAL_SECONDS = Number(process.env.BENCH_CLUSTER_CREDENTIAL_SECONDS ?? 8);
const POSTERS = 5;
const TICKET_TRIES = 12;

const ALL_TARGETS = [
  { key: '1-sqlite', label: '1 node, SQLite', nodes: 1, store: 'sqlite' },
  { key: '1-postgres', label: '1 node, PostgreSQL', nodes: 1, store: 'postgres' },
  { key: '3-postgres', label: '3 nodes, PostgreSQL', nodes: 3, store: 'postgres' },
] as const;
/** BENCH_CLUSTER_TARGETS=3-postgres (comma-separated keys) measures only those; the comparisons need all three. */
const TARGETS = ALL_TARGETS.filter(
  (target) => process.env.BENCH_CLUSTER_TARGETS?.split(',').includes(target.key) ?? true,
);
/** BENCH_CLUSTER_DIR keeps each cluster's directory (its logs) under it, to see what happened. */
const KEEP_DIR = process.env.BENCH_CLUSTER_DIR;

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
const now = () => process.hrtime.bigint();
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

interface Figures {
  readonly credentialsPerSecond: number;
  readonly credentialErrors: number;
  /** Posts the cluster refused or failed to answer (each a 503 or a timeout: their events never existed). */
  readonly postErrors: number;
  readonly socketsWanted: number;
  readonly socketsHeld: number;
  readonly ticketRetries: number;
  readonly p50: number;
  readonly p99: number;
  readonly delivered: number;
  /** Close codes of sockets that closed during the run, and how many each. */
  readonly closed: Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------------------------------------------------------
// Receiver process: opens and holds the sockets, records arrivals

type ReceiverRequest =
  | {
      cmd: 'connect';
      target: { port: number; spkiPin: string };
      accounts: { email: string; password: string }[];
      workspaceId: string;
      perMember: number;
    }
  | { cmd: 'collect' | 'stop' };

async function runReceiver(): Promise<void> {
  const arrivals: [number, string][] = [];
  const sockets: WebSocket[] = [];
  const closed: Record<string, number> = {};
  let retries = 0;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: ReceiverRequest) => {
    void (async () => {
      if (request.cmd === 'connect') {
        for (const account of request.accounts) {
          const member = await patiently(() => signIn(request.target, account.email, account.password));
          for (let i = 0; i < request.perMember; i++) {
            // A socket that could not be opened is counted as not held; the run goes on.
            const socket = await openWithRetries(request.target.port, member, request.workspaceId, arrivals).catch(
              () => ({ ws: null, retries: TICKET_TRIES }),
            );
            if (socket.ws !== null) {
              sockets.push(socket.ws);
              socket.ws.once('close', (code) => (closed[code] = (closed[code] ?? 0) + 1));
            }
            retries += socket.retries;
          }
        }
        process.send?.({ connected: { opened: sockets.length, retries } });
      } else if (request.cmd === 'collect') {
        const held = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
        process.send?.({ collected: { arrivals, held, closed } });
      } else {
        for (const ws of sockets) ws.terminate();
        process.exit(0);
      }
    })();
  });
}

/**
 * A socket with a fresh ticket, tried again with another when refused (a node that is busy or going away), as the
 * app reconnects.
 */
async function openWithRetries(
  port: number,
  member: TestClient,
  workspaceId: string,
  arrivals: [number, string][],
): Promise<{ ws: WebSocket | null; retries: number }> {
  for (let attempt = 0; attempt < TICKET_TRIES; attempt++) {
    const { ticket, path } = await patiently(() => member.call('wsTicket', { body: { workspaceId } }));
    const ws = await openReceivingSocket(port, ticket, path, (index, at) => arrivals.push([index, String(at)])).catch(
      () => null,
    );
    if (ws !== null) return { ws, retries: attempt };
  }
  return { ws: null, retries: TICKET_TRIES };
}

// ---------------------------------------------------------------------------------------------------------------
// One target

/** A call tried up to five times: on a machine other work keeps busy, one can outlast the client's timeout. */
async function patiently<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

/**
 * Sign-up, retried: argon2 on a machine whose cores other work shares can outlast the client's 5 s timeout, and a
 * sign-up that timed out may have happened all the same (then signing in is what is left to do).
 */
async function joinPatiently(
  target: { port: number; spkiPin: string },
  name: string,
  account: { email: string; password: string },
): Promise<TestClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return attempt === 1
        ? await signUpAndIn(target, name, account)
        : await signIn(target, account.email, account.password);
    } catch (error) {
      if (attempt >= 5) throw error;
      progress(`  ${name}: ${error instanceof Error ? error.message : String(error)}; trying again`);
    }
  }
}

async function measure(cluster: Cluster): Promise<Figures> {
  const target = { port: cluster.address.port, spkiPin: cluster.address.spkiPin };
  const accounts = Array.from({ length: MEMBERS }, (_, i) => ({
    email: `bench${i}@cluster.test`,
    password: `bench-password-${i}-long-enough`,
  }));
  const members: TestClient[] = [];
  for (const [i, account] of accounts.entries()) members.push(await joinPatiently(target, `bench${i}`, account));
  const [owner] = members as [TestClient];
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'bench', name: 'Bench' } });
  const { channel: text } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: 'general', kind: 'text' },
  });
  const { channel: voice } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: 'Lounge', kind: 'voice' },
  });
  const invite = await owner.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 1000 } });
  for (const member of members.slice(1)) await member.call('acceptInvite', { body: { code: invite.code } });

  progress(`signed credential requests for ${CREDENTIAL_SECONDS} s from ${MEMBERS} members`);
  let answered = 0;
  let credentialErrors = 0;
  const credentialStart = now();
  const stopAt = Date.now() + CREDENTIAL_SECONDS * 1000;
  await Promise.all(
    members.map(async (member) => {
      while (Date.now() < stopAt) {
        try {
          await member.call('voiceCredentials', { body: { channelId: voice.id } });
          answered += 1;
        } catch {
          credentialErrors += 1;
        }
      }
    }),
  );
  const credentialsPerSecond = answered / (ms(credentialStart, now()) / 1000);

  const socketsWanted = MEMBERS * SOCKETS_PER_MEMBER;
  progress(`opening ${socketsWanted} sockets`);
  const receiver = fork(fileURLToPath(import.meta.url), ['receiver'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const connected = await ask<{ opened: number; retries: number }>(
      receiver,
      { cmd: 'connect', target, accounts, workspaceId: workspace.id, perMember: SOCKETS_PER_MEMBER },
      'connected',
    );
    progress(`${connected.opened} sockets open (${connected.retries} ticket retries); posting ${RATE}/s`);
    const total = RATE * FAN_OUT_SECONDS;
    const sentAt: bigint[] = [];
    const posts: Promise<unknown>[] = [];
    let postErrors = 0;
    const start = now();
    for (let i = 0; i < total; i++) {
      const due = start + BigInt(Math.round((i * 1e9) / RATE));
      const wait = Number(due - now()) / 1e6;
      if (wait > 0) await new Promise((settle) => setTimeout(settle, wait));
      sentAt[i] = now();
      posts.push(
        (members[i % POSTERS] ?? owner)
          .call('postMessage', {
            params: { workspaceId: workspace.id, channelId: text.id },
            body: { body: `bench ${i}` },
          })
          .catch(() => void (postErrors += 1)),
      );
    }
    await Promise.all(posts);
    // Deliveries still on their way get a few seconds; the run is bounded either way.
    await new Promise((settle) => setTimeout(settle, 3_000));
    const collected = await ask<{ arrivals: [number, string][]; held: number; closed: Record<string, number> }>(
      receiver,
      { cmd: 'collect' },
      'collected',
    );
    const latencies = collected.arrivals.map(([index, at]) => ms(sentAt[index] ?? start, BigInt(at)));
    return {
      credentialsPerSecond,
      credentialErrors,
      socketsWanted,
      socketsHeld: collected.held,
      ticketRetries: connected.retries,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      // Of the events that exist: a refused post made none.
      delivered:
        connected.opened === 0 || total === postErrors
          ? 0
          : latencies.length / ((total - postErrors) * connected.opened),
      postErrors,
      closed: collected.closed,
    };
  } finally {
    if (receiver.connected) receiver.send({ cmd: 'stop' });
    receiver.kill();
  }
}

// ---------------------------------------------------------------------------------------------------------------

function resultOf(results: ReadonlyMap<string, Figures>, label: string): Figures {
  const figures = results.get(label);
  if (figures === undefined) throw new Error(`no figures for ${label}`);
  return figures;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  const loadBefore = loadavg()[0] ?? 0;
  const results = new Map<string, Figures>();
  for (const target of TARGETS) {
    progress(`starting the cluster: ${target.label}`);
    const cluster = await startCluster({
      ...(KEEP_DIR === undefined ? {} : { dir: join(KEEP_DIR, target.key) }),
      nodes: target.nodes,
      store: target.store,
      relays: 0,
      serverEntry: 'built',
      nodeConfig: {
        registration: 'open',
        workspaceCreation: 'anyone',
        defaultChannels: [],
        rateLimits: GENEROUS_LIMITS,
        chat: { posts: { burst: 10_000, perSecond: 1000 } },
      },
      log: (line) => progress(`  ${line}`),
    });
    try {
      results.set(target.label, await measure(cluster));
    } finally {
      await cluster.stop();
    }
  }

  const row = (label: string, values: string[]) => `${label.padEnd(34)}${values.map((v) => v.padStart(22)).join('')}`;
  const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  console.log(
    `\nwhoot cluster benchmark on this machine (${cores} cores, 1-minute load ${loadBefore.toFixed(1)} before and ` +
      `${(loadavg()[0] ?? 0).toFixed(1)} after: other work on the machine shows in every figure), every request through HAProxy`,
  );
  console.log(
    row(
      '',
      TARGETS.map((t) => t.label),
    ),
  );
  const of = (pick: (f: Figures) => string) => TARGETS.map((t) => pick(resultOf(results, t.label)));
  console.log(
    row(
      'signed credential requests/s',
      of((f) => fixed(f.credentialsPerSecond, 0)),
    ),
  );
  console.log(
    row(
      '  refused or failed',
      of((f) => String(f.credentialErrors)),
    ),
  );
  console.log(
    row(
      'WSS clients held',
      of((f) => `${f.socketsHeld} of ${f.socketsWanted}`),
    ),
  );
  console.log(
    row(
      '  ticket retries to connect',
      of((f) => String(f.ticketRetries)),
    ),
  );
  console.log(
    row(
      `fan-out at ${RATE} events/s: p50 ms`,
      of((f) => fixed(f.p50)),
    ),
  );
  console.log(
    row(
      `fan-out at ${RATE} events/s: p99 ms`,
      of((f) => fixed(f.p99)),
    ),
  );
  console.log(
    row(
      '  posts refused or failed',
      of((f) => `${f.postErrors} of ${RATE * FAN_OUT_SECONDS}`),
    ),
  );
  console.log(
    row(
      '  deliveries that arrived',
      of((f) => `${fixed(f.delivered * 100)} %`),
    ),
  );

  console.log(
    row(
      '  sockets closed during the run',
      of(
        (f) =>
          Object.entries(f.closed)
            .map(([code, count]) => `${count} x ${code}`)
            .join(', ') || 'none',
      ),
    ),
  );
  if (TARGETS.length < ALL_TARGETS.length) return;

  const one = resultOf(results, '1 node, PostgreSQL');
  const three = resultOf(results, '3 nodes, PostgreSQL');
  const sqlite = resultOf(results, '1 node, SQLite');
  const limit = Math.min(3, cores);
  console.log('\nscaling, 3 nodes over 1 node (PostgreSQL and Redis):');
  console.log(
    `  credential requests/s  ${fixed(three.credentialsPerSecond / one.credentialsPerSecond, 2)}x   ideal 3.00x   this machine's cores allow at most ${limit.toFixed(2)}x (nodes, PostgreSQL, Redis, HAProxy and the bench share ${cores} cores)`,
  );
  console.log(
    `  WSS clients held       ${fixed(three.socketsHeld / Math.max(1, one.socketsHeld), 2)}x   ideal 3.00x   (held is bounded by the sockets the bench opens: ${three.socketsWanted})`,
  );
  console.log(`  fan-out p99            ${fixed(three.p99 / one.p99, 2)}x the 1-node latency   ideal 1.00x or lower`);
  console.log('\nSQLite against PostgreSQL and Redis, one node:');
  console.log(
    `  credential requests/s  SQLite ${fixed(sqlite.credentialsPerSecond, 0)}, PostgreSQL ${fixed(one.credentialsPerSecond, 0)} (${fixed(one.credentialsPerSecond / sqlite.credentialsPerSecond, 2)}x)`,
  );
  console.log(`  fan-out p99 ms         SQLite ${fixed(sqlite.p99)}, PostgreSQL ${fixed(one.p99)}`);
}

if (process.argv[2] === 'receiver') {
  void runReceiver();
} else {
  runBench(main);
}
