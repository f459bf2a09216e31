/**
 * `npm run cluster:up` / `npm run cluster:down`: the cluster of docs/scale-out.md on this machine, for demos and
 * trying things by hand. `up` starts a supervisor process that owns every part (PostgreSQL, Redis, the nodes,
 * HAProxy, the relays; each with a watchdog on the supervisor), waits until it says the cluster is ready, prints the
 * invite and where the logs are, and returns. The supervisor stops everything on `down` (SIGTERM), on Ctrl-C in
 * its own terminal, or after `--hours` (default 12) so a forgotten cluster does not run for ever.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startCluster } from './cluster';

const STATE_FILE = join(tmpdir(), `whoot-cluster-${process.getuid?.() ?? 'user'}.json`);
const READY_PREFIX = 'WHOOT-CLUSTER-READY ';

const stateSchema = z.strictObject({
  supervisorPid: z.number().int().positive(),
  dir: z.string(),
  logsDir: z.string(),
  port: z.number().int(),
  spkiPin: z.string(),
  invite: z.string(),
  owner: z.strictObject({ email: z.string(), password: z.string() }),
  nodes: z.array(z.strictObject({ name: z.string(), port: z.number().int(), pid: z.number().int() })),
  relays: z.array(z.strictObject({ id: z.string(), udpPort: z.number().int() })),
  postgresPort: z.number().int().nullable(),
  redisPort: z.number().int().nullable(),
});
type State = z.output<typeof stateSchema>;

function readState(): State | null {
  if (!existsSync(STATE_FILE)) return null;
  const parsed = stateSchema.safeParse(JSON.parse(readFileSync(STATE_FILE, 'utf8')));
  return parsed.success ? parsed.data : null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function describe(state: State): string {
  return [
    `whoot cluster on 127.0.0.1: HAProxy :${state.port} in front of ${state.nodes.map((n) => `${n.name} :${n.port}`).join(', ')}`,
    `  relays: ${state.relays.map((r) => `${r.id} udp/tcp :${r.udpPort}`).join(', ')}`,
    `  PostgreSQL :${state.postgresPort ?? '-'}, Redis :${state.redisPort ?? '-'}`,
    `  invite (through HAProxy): ${state.invite}`,
    `  owner: ${state.owner.email} / ${state.owner.password}`,
    `  logs: ${state.logsDir}`,
    `  stop: npm run cluster:down (supervisor pid ${state.supervisorPid})`,
  ].join('\n');
}

const options = {
  nodes: { type: 'string', default: '3' },
  relays: { type: 'string', default: '2' },
  hours: { type: 'string', default: '12' },
} as const;

function counts(values: { nodes: string; relays: string; hours: string }) {
  const nodes = Number(values.nodes);
  const relays = Number(values.relays);
  const hours = Number(values.hours);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error('--nodes must be 1 to 9');
  if (!Number.isInteger(relays) || relays < 0 || relays > 9) throw new Error('--relays must be 0 to 9');
  if (!(hours > 0 && hours <= 168)) throw new Error('--hours must be more than 0 and at most 168');
  return { nodes, relays, hours };
}

async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options, strict: true });
  counts(values);
  const running = readState();
  if (running !== null && alive(running.supervisorPid)) {
    console.log(`already running:\n${describe(running)}`);
    return 0;
  }
  const supervisor = spawn(process.execPath, [...process.execArgv, import.meta.filename, 'supervise', ...argv], {
    detached: true,
    // Pipes, not this terminal: once `up` returns, whatever reads its output (a terminal, a pipe, CI's log) must
    // not wait on a process that runs for hours.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  supervisor.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return new Promise((resolve) => {
    let buffered = '';
    supervisor.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n').slice(0, -1)) {
        if (line.startsWith(READY_PREFIX)) {
          const state = stateSchema.parse(JSON.parse(line.slice(READY_PREFIX.length)));
          console.log(describe(state));
          supervisor.stdout.destroy();
          supervisor.stderr.destroy();
          supervisor.unref();
          resolve(0);
        } else {
          console.log(line);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    supervisor.once('exit', (code) => {
      console.error(`the cluster did not start (supervisor exited ${code}); see the lines above`);
      resolve(1);
    });
  });
}

async function supervise(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options, strict: true });
  const { nodes, relays, hours } = counts(values);
  // Until ready, progress goes to `up` through the pipe; after, nothing is written there (`up` has gone).
  let say = (line: string) => console.log(line);
  const cluster = await startCluster({
    nodes,
    relays,
    serverEntry: 'built',
    log: (line) => say(`  ${line}`),
  });
  const password = randomBytes(12).toString('base64url');
  const email = 'owner@cluster.test';
  const created = await cluster.cli(
    ['create-workspace', 'team', 'The Team', '--owner', email, '--password-stdin'],
    `${password}\n`,
  );
  const invite = await cluster.cli(['invite', 'team', '--max-uses', '100']);
  if (created.code !== 0 || invite.code !== 0) {
    console.log(`bootstrap failed: ${created.stderr}${invite.stderr}`);
    await cluster.stop();
    return 1;
  }
  const state: State = {
    supervisorPid: process.pid,
    dir: cluster.dir,
    logsDir: cluster.logsDir,
    port: cluster.address.port,
    spkiPin: cluster.address.spkiPin,
    invite: invite.stdout.trim(),
    owner: { email, password },
    nodes: cluster.nodes.map((node) => ({ name: node.name, port: node.port, pid: node.process.pid })),
    relays: cluster.relays.map((relay) => ({ id: relay.fleetEntry.id, udpPort: relay.fleetEntry.udpPort ?? 0 })),
    postgresPort: cluster.postgres?.port ?? null,
    redisPort: cluster.redis?.port ?? null,
  };
  writeFileSync(STATE_FILE, JSON.stringify(state), { mode: 0o600 });
  console.log(`${READY_PREFIX}${JSON.stringify(state)}`);
  // `up` stops reading now: nothing more is written, and a write that fails on the closed pipe is not a crash.
  say = () => undefined;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  console.log = () => undefined;
  console.error = () => undefined;

  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, hours * 3600_000);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => resolve());
    void Promise.race(cluster.nodes.map((node) => node.process.exited)).then(() => undefined);
    void timer;
  });
  await cluster.stop();
  if (readState()?.supervisorPid === process.pid) rmSync(STATE_FILE, { force: true });
  return 0;
}

async function down(): Promise<number> {
  const state = readState();
  if (state === null || !alive(state.supervisorPid)) {
    rmSync(STATE_FILE, { force: true });
    console.log('no cluster is running');
    return 0;
  }
  process.kill(state.supervisorPid, 'SIGTERM');
  const deadline = Date.now() + 180_000;
  while (alive(state.supervisorPid)) {
    if (Date.now() > deadline) {
      console.error(`the supervisor (pid ${state.supervisorPid}) is still stopping; its watchdogs end the rest`);
      return 1;
    }
    await new Promise((settle) => setTimeout(settle, 200));
  }
  rmSync(STATE_FILE, { force: true });
  console.log('cluster stopped');
  return 0;
}

const [command, ...rest] = process.argv.slice(2);
const run = command === 'up' ? up : command === 'supervise' ? supervise : command === 'down' ? down : null;
if (run === null) {
  console.error('usage: cluster up [--nodes 3] [--relays 2] [--hours 12] | cluster down');
  process.exitCode = 2;
} else {
  run(rest).then(
    (code) => {
      process.exitCode = code;
      if (command !== 'up') setTimeout(() => process.exit(code), 1000).unref();
    },
    (error: unknown) => {
      console.error(`cluster ${command}: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
