/**
 * Relay benchmark: `npm run bench:relay [-- options]`.
 *
 * Starts coturn and the bundled relay, one after the other, on 127.0.0.1 with the same TURN REST secret, and runs the
 * same coturn `turnutils_uclient` load against each: by default 50 clients, each sending 172-byte packets every 20 ms
 * (an Opus stream at 20 ms frames), client to client (`-y`: every packet goes client → relay → the other client's
 * relayed address → relay → other client, so the relay handles each message twice, in both relays alike), with no
 * RTCP allocations (`-c`: WebRTC multiplexes RTCP on the RTP port, so one allocation per call is the real shape).
 *
 * For each relay it reads the relay processes' CPU time from /proc/<pid>/stat (utime and stime, summed over the
 * process tree so a wrapper like tsx is counted) before and after the load, and prints messages per second, loss,
 * round trip, jitter, user and system CPU seconds, messages per CPU-second, and each whoot relay over coturn of that
 * last figure (issue 19's target: ≥ 1.2). With --rounds N every relay runs N times, in a rotated order, and the table
 * shows medians: on a shared machine the ratio within one round holds better than any absolute figure.
 *
 * --saturate raises the offered load step by step (more clients at one packet every 5 ms each) until a step loses
 * 0.1 % or more, for each relay, and prints each one's ceiling: the highest rate delivered at < 0.1 % loss. The load
 * generator (turnutils_uclient) runs on the same cores, so on a small machine the ceiling is the machine's as much
 * as the relay's: the figures beside coturn's, in the same run, are what to read.
 *
 * Loopback peers: coturn refuses them unless started with --allow-loopback-peers; the bundled relay needs no such
 * switch here because client-to-client traffic goes to its own relayed addresses, which its peer policy allows.
 *
 * Everything binds to 127.0.0.1, a watchdog bounds the run, and every child is killed on exit, error or signal.
 *
 * Options:
 *   --relays LIST             which relays, comma-separated: coturn, whoot (one thread), whoot:N (N worker threads
 *                             on the same ports, `npm run relay -- --workers N`), whoot-dgram[:N] (the same with
 *                             Node's dgram instead of recvmmsg/sendmmsg, `--udp-io dgram`); default coturn,whoot
 *   --only coturn|whoot       run one relay (same as --relays with one name)
 *   --rounds N                runs per relay (default 1); medians are printed
 *   --saturate                the ceiling search instead of one load (--clients is then the first step)
 *   --ceiling                 the ceiling search with the project's own load generator (bench/support/channelLoad.ts:
 *                             recvmmsg/sendmmsg, --clients clients, rates from 10,000 msgs/s up, 4 s a step), which
 *                             outruns a relay where turnutils_uclient cannot; --max-rate N stops the steps there
 *   --cpu-prof DIR            whoot relays write V8 CPU profiles (node --cpu-prof) into DIR
 *   --clients N --messages N --length BYTES --interval MS    the uclient load (-m, -n, -l, -z)
 *   --send                    Send/Data indications (uclient -s) instead of channels
 *   --warmup N                messages per client in an unmeasured run first (default 100; 0 for none): a relay
 *                             in service is long-running, so JIT warm-up and first-use costs stay out of the figure
 *   --whoot-cmd "CMD ..."     the bundled relay's command; placeholders {port} {minPort} {maxPort} {secret} {realm}
 *                             {ip}, and WHOOT_RELAY_SECRET in its environment; default: node --import tsx
 *                             main/server/turn/relayCli.ts with flags matching coturn's
 *   --timeout SECONDS         watchdog for the whole run (default 600)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clockTicks, treeCpuSeconds } from './support/processCpu';
import { coturnArgs } from '../test/support/coturn';
import { createChannelLoad, type StepResult } from './support/channelLoad';

const IP = '127.0.0.1';
const REALM = 'whoot';
const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const RELAY_CLI = join(ROOT, 'main/server/turn/relayCli.ts');

/** A relay to measure: coturn, or the bundled relay with this many worker threads. */
interface Target {
  readonly kind: 'coturn' | 'whoot';
  readonly workers: number;
  /** whoot's UDP listener: recvmmsg/sendmmsg (the default where the addon loads) or Node's dgram, as before it. */
  readonly udpIo: 'auto' | 'dgram';
  readonly name: string;
  /** Its own relayed-port range, wide enough that leftovers of a run never exhaust it. */
  readonly ports: readonly [number, number];
}

function parseTargets(text: string): Target[] {
  return text.split(',').map((word, i) => {
    const [name = '', workers] = word.trim().split(':');
    const kind = name === 'whoot-dgram' ? 'whoot' : name;
    if (kind !== 'coturn' && kind !== 'whoot') throw new Error(`--relays: unknown relay ${word}`);
    const count = workers === undefined ? 1 : positiveInt('relays', workers);
    if (count < 1 || (kind === 'coturn' && workers !== undefined)) throw new Error(`--relays: bad entry ${word}`);
    const base = 50_000 + i * 2_000;
    return {
      kind,
      workers: count,
      udpIo: name === 'whoot-dgram' ? 'dgram' : 'auto',
      name: kind === 'whoot' && count > 1 ? `${name}×${count}` : name,
      ports: [base, base + 1_999],
    };
  });
}

interface Load {
  clients: number;
  messages: number;
  length: number;
  intervalMs: number;
  /** uclient -s: Send/Data indications instead of ChannelBind + ChannelData. */
  sendIndications: boolean;
}

interface UclientResult {
  sent: number;
  received: number;
  lossPercent: number;
  avgRttMs: number;
  avgJitterMs: number;
  transmitSeconds: number;
}

interface RunResult extends UclientResult {
  target: Target;
  wallSeconds: number;
  cpuSeconds: number;
  userSeconds: number;
  systemSeconds: number;
}

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    relays: { type: 'string', default: 'coturn,whoot' },
    rounds: { type: 'string', default: '1' },
    saturate: { type: 'boolean', default: false },
    ceiling: { type: 'boolean', default: false },
    'max-rate': { type: 'string', default: '300000' },
    'cpu-prof': { type: 'string' },
    clients: { type: 'string', default: '50' },
    messages: { type: 'string', default: '500' },
    length: { type: 'string', default: '172' },
    interval: { type: 'string', default: '20' },
    'whoot-cmd': { type: 'string' },
    send: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '100' },
    timeout: { type: 'string', default: '600' },
  },
  strict: true,
});

const children = new Set<ChildProcess>();
const workDir = mkdtempSync(join(tmpdir(), 'whoot-bench-relay-'));

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: the relays are started in their own process groups so a wrapper's children (tsx → node) die with them.

function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

function cleanup(): void {
  killAll();
  rmSync(workDir, { recursive: true, force: true });
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the relays.`);
    process.exit(130);
  });
}

const watchdogSeconds = positiveInt('timeout', args.timeout);
setTimeout(() => {
  console.error(`Watchdog: the benchmark ran past ${watchdogSeconds} s; killing everything.`);
  process.exit(3);
}, watchdogSeconds * 1000).unref();

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, got ${text}`);
  return n;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** A port free for both UDP and TCP on 127.0.0.1 (TURN listens on both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, IP, () => {
        const address = server.address();
        server.close(() => done(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((done) => {
      const socket = createSocket('udp4');
      socket.once('error', () => done(false));
      socket.bind(port, IP, () => socket.close(() => done(true)));
    });
    if (port !== 0 && udpFree) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

/** Sends STUN Binding requests until one is answered: the relay is up and parsing packets. */
async function waitForStun(port: number, failed: Promise<never>, deadlineMs: number): Promise<void> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((done) => socket.bind(0, IP, done));
    const answered = new Promise<void>((done) => socket.once('message', () => done()));
    const start = Date.now();
    let ready = false;
    void answered.then(() => {
      ready = true;
    });
    while (!ready) {
      if (Date.now() - start > deadlineMs) throw new Error(`relay did not answer STUN on ${IP}:${port} in time`);
      // Binding request: type 0x0001, length 0, magic cookie, 96-bit transaction id.
      const request = Buffer.concat([Buffer.from([0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
      socket.send(request, port, IP);
      await Promise.race([answered, failed, new Promise((r) => setTimeout(r, 100))]);
    }
  } finally {
    socket.close();
  }
}

function substitute(template: string, vars: Record<string, string>): string[] {
  return template
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/\{(\w+)\}/g, (m, key: string) => vars[key] ?? m));
}

// ---------------------------------------------------------------------------------------------------------------
// The relays

function relayCommand(target: Target, port: number, secret: string): string[] {
  const [minPort, maxPort] = target.ports;
  const vars = { port: String(port), minPort: String(minPort), maxPort: String(maxPort), secret, realm: REALM, ip: IP };
  if (target.kind === 'coturn') {
    return [
      'turnserver',
      ...coturnArgs({
        port,
        secret,
        realm: REALM,
        workDir,
        ip: IP,
        allowLoopbackPeers: true,
        relayPorts: { min: minPort, max: maxPort },
        log: 'file',
      }),
    ];
  }
  if (args['whoot-cmd'] !== undefined) return substitute(args['whoot-cmd'], vars);
  // relayCli.ts (`npm run relay`) as one node process: tsx as an --import hook rather than `npx tsx`, whose
  // npm and tsx parents would only add idle processes to the tree. The secret goes in WHOOT_RELAY_SECRET.
  // Matching coturn's defaults: no per-user quota worth the name (uclient gives all clients one username) and a
  // byte-rate cap so high it never bites, though the check itself still runs per packet as in production.
  // --legacy-channels: uclient picks channel numbers in RFC 5766's 0x4000-0x7FFF, which coturn still accepts and
  // RFC 8656 narrowed to 0x4000-0x4FFF; without it three binds in four are refused with 400.
  const profile = args['cpu-prof'] === undefined ? '' : `--cpu-prof --cpu-prof-dir=${resolve(args['cpu-prof'])} `;
  return substitute(
    `${process.execPath} ${profile}--import tsx ${RELAY_CLI} --listen-ip {ip} --udp-port {port} --tcp-port {port} ` +
      '--relay-ip {ip} --min-port {minPort} --max-port {maxPort} --realm {realm} --max-per-user 10000 ' +
      `--max-allocations 100000 --bandwidth 1000000000 --legacy-channels --workers ${target.workers} ` +
      `--udp-io ${target.udpIo}`,
    vars,
  );
}

interface RunningRelay {
  child: ChildProcess;
  /** The last few kB the relay printed. */
  output(): string;
}

async function startRelay(target: Target, port: number, secret: string): Promise<RunningRelay> {
  const [command, ...commandArgs] = relayCommand(target, port, secret);
  if (command === undefined) throw new Error(`empty command for ${target}`);
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    detached: true, // own process group, so killAll reaches grandchildren
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WHOOT_RELAY_SECRET: secret },
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Listening from the start: a spawn failure (ENOENT, EACCES) is emitted as 'error' on the next tick, no 'exit'.
  const failed = new Promise<never>((_, fail) => {
    child.once('exit', (code, signal) => fail(new Error(`relay exited during start-up (${code ?? signal})`)));
    child.once('error', (error) => fail(error));
  });
  failed.catch(() => undefined);
  try {
    await waitForStun(port, failed, 30_000);
  } catch (error) {
    killAll();
    throw new Error(`${target.name} did not start: ${(error as Error).message}\n--- output ---\n${output}`, {
      cause: error,
    });
  }
  return { child, output: () => output };
}

async function stopRelay(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 3_000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

// ---------------------------------------------------------------------------------------------------------------
// The load

function restCredentials(secret: string): { username: string; password: string } {
  // The bundled relay's strict format "{expiry}:{user uuid}:{session id}"; coturn reads the expiry before the first
  // colon and accepts the rest. One user for every client: uclient takes a single -u, so the relay's per-user
  // allocation quota must allow `--clients` allocations for this benchmark.
  const username = `${Math.floor(Date.now() / 1000) + 3600}:${randomUUID()}:${randomBytes(24).toString('base64url')}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}

async function runUclient(port: number, secret: string, load: Load): Promise<UclientResult> {
  const { username, password } = restCredentials(secret);
  const uclientArgs = [
    ...['-u', username, '-w', password, '-p', String(port)],
    ...['-m', String(load.clients), '-n', String(load.messages), '-l', String(load.length)],
    ...['-z', String(load.intervalMs), '-y', '-c', ...(load.sendIndications ? ['-s'] : []), IP],
  ];
  const child = spawn('turnutils_uclient', uclientArgs, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  children.delete(child);
  const parsed = parseUclientOutput(output);
  if (parsed === null) {
    throw new Error(
      `turnutils_uclient (exit ${code}) printed no summary:\n${output.split('\n').slice(-25).join('\n')}`,
    );
  }
  return parsed;
}

function parseUclientOutput(output: string): UclientResult | null {
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(output);
  const lost = /Total lost packets \d+ \(([\d.]+)%\)/.exec(output);
  const rtt = /Average round trip delay ([\d.]+) ms/.exec(output);
  const jitter = /Average jitter ([\d.]+) ms/.exec(output);
  const transmit = /Total transmit time is (\d+)/.exec(output);
  if (!totals || !lost || !rtt || !jitter || !transmit) return null;
  return {
    sent: Number(totals[1]),
    received: Number(totals[2]),
    lossPercent: Number(lost[1]),
    avgRttMs: Number(rtt[1]),
    avgJitterMs: Number(jitter[1]),
    transmitSeconds: Number(transmit[1]),
  };
}

/** Runs `loads` one after the other against one start of the relay (a warm-up first); stops early when told. */
async function benchOne(
  target: Target,
  secret: string,
  loads: readonly Load[],
  stopAfter: (result: RunResult) => boolean = () => false,
): Promise<RunResult[]> {
  const port = await freePort();
  process.stderr.write(`${target.name}: starting on ${IP}:${port} … `);
  const relay = await startRelay(target, port, secret);
  const pid = relay.child.pid as number;
  const warmup = positiveInt('warmup', args.warmup);
  const results: RunResult[] = [];
  try {
    const first = loads[0] as Load;
    if (warmup > 0) {
      process.stderr.write(`up (pid ${pid}); warm-up … `);
      await runUclient(port, secret, { ...first, messages: warmup });
    }
    for (const load of loads) {
      process.stderr.write(`${load.clients} clients × ${load.messages} messages … `);
      const cpuBefore = treeCpuSeconds(pid);
      const started = process.hrtime.bigint();
      const result = await runUclient(port, secret, load);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = treeCpuSeconds(pid);
      const userSeconds = cpuAfter.user - cpuBefore.user;
      const systemSeconds = cpuAfter.system - cpuBefore.system;
      process.stderr.write(`${result.lossPercent.toFixed(3)} % lost in ${wallSeconds.toFixed(1)} s; `);
      const run = {
        target,
        ...result,
        wallSeconds,
        userSeconds,
        systemSeconds,
        cpuSeconds: userSeconds + systemSeconds,
      };
      results.push(run);
      if (stopAfter(run)) break;
    }
    process.stderr.write('\n');
    return results;
  } finally {
    await stopRelay(relay.child);
    // The bundled relay prints its counters when it stops: show them (no credentials in there by design).
    const stats = /\[whoot relay\] stats (.*)/.exec(relay.output());
    if (stats) console.error(`${target.name} counters: ${stats[1]}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const perCpu = (r: RunResult): number => (r.cpuSeconds > 0 ? r.received / r.cpuSeconds : Number.POSITIVE_INFINITY);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function printRows(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

const loadText = (load: Load): string =>
  `turnutils_uclient -m ${load.clients} -n ${load.messages} -l ${load.length} -z ${load.intervalMs} -y -c` +
  `${load.sendIndications ? ' -s' : ''} (client to client, no RTCP allocations, ` +
  `${load.sendIndications ? 'Send/Data indications' : 'ChannelData'})`;

/** Medians over the rounds, per relay, and each whoot relay's per-CPU ratio to coturn's (median of the rounds). */
function printTable(rounds: RunResult[][], targets: readonly Target[], load: Load): void {
  console.log(
    `\n${loadText(load)}; ${rounds.length} round(s), medians; CPU = utime+stime at ${clockTicks} Hz; on ${IP}`,
  );
  const header = ['relay', 'recv/sent', 'msgs/s', 'loss %', 'RTT ms', 'jitter ms', 'user s', 'sys s', 'msgs/CPU s'];
  const rows = targets.map((target) => {
    const runs = rounds.map((round) => round.find((r) => r.target === target)).filter((r) => r !== undefined);
    const m = (pick: (r: RunResult) => number) => median(runs.map(pick));
    return [
      target.name,
      `${m((r) => r.received)}/${m((r) => r.sent)}`,
      // uclient reports whole seconds; our own wall clock around it includes its set-up, so this is a floor.
      String(Math.round(m((r) => r.received / r.wallSeconds))),
      m((r) => r.lossPercent).toFixed(3),
      m((r) => r.avgRttMs).toFixed(3),
      m((r) => r.avgJitterMs).toFixed(3),
      m((r) => r.userSeconds).toFixed(2),
      m((r) => r.systemSeconds).toFixed(2),
      String(Math.round(m(perCpu))),
    ];
  });
  printRows(header, rows);
  const coturn = targets.find((t) => t.kind === 'coturn');
  if (coturn === undefined) return;
  for (const target of targets.filter((t) => t.kind === 'whoot')) {
    const ratios = rounds.flatMap((round) => {
      const ours = round.find((r) => r.target === target);
      const theirs = round.find((r) => r.target === coturn);
      return ours && theirs ? [perCpu(ours) / perCpu(theirs)] : [];
    });
    const ratio = median(ratios);
    console.log(
      `${target.name}/coturn messages per CPU-second: ${ratio.toFixed(3)} (median of ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
        `target ≥ 1.2) ${ratio >= 1.2 ? 'OK' : 'BELOW'}`,
    );
  }
}

/** Offered loads for the ceiling search: more clients, each at one packet every 5 ms, about 4 s a step. */
function saturationSteps(first: Load): Load[] {
  const clients = [first.clients, 100, 150, 200, 300, 400, 500, 600, 800, 1000].filter((c) => c >= first.clients);
  return [...new Set(clients)].map((c) => ({ ...first, clients: c, intervalMs: 5, messages: 800 }));
}

const LOSS_LIMIT_PERCENT = 0.1;

function printCeilings(byTarget: Map<Target, RunResult[]>): void {
  console.log(`\nCeilings: the highest rate delivered with < ${LOSS_LIMIT_PERCENT} % loss (uclient on the same cores)`);
  const header = ['relay', 'steps (clients: msgs/s delivered, loss %)', 'ceiling msgs/s'];
  const rows = [...byTarget].map(([target, runs]) => {
    const clean = runs.filter((r) => r.lossPercent < LOSS_LIMIT_PERCENT);
    const ceiling = Math.max(0, ...clean.map((r) => r.received / r.wallSeconds));
    const steps = runs.map(
      (r) => `${r.sent / 800}: ${Math.round(r.received / r.wallSeconds)} (${r.lossPercent.toFixed(2)})`,
    );
    return [target.name, steps.join(', '), String(Math.round(ceiling))];
  });
  printRows(header, rows);
}

const CEILING_RATES = [10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 130_000, 160_000, 200_000, 250_000, 300_000];
const CEILING_STEP_SECONDS = 4;

interface CeilingStep extends StepResult {
  readonly relayCpuSeconds: number;
}

/** Raises the offered rate until a step loses ≥ 0.1 % or the generator cannot offer it: the relay's ceiling. */
async function ceilingOne(target: Target, secret: string, load: Load): Promise<CeilingStep[]> {
  const port = await freePort();
  process.stderr.write(`${target.name}: starting on ${IP}:${port} … `);
  const relay = await startRelay(target, port, secret);
  const pid = relay.child.pid as number;
  const steps: CeilingStep[] = [];
  const generator = await createChannelLoad({
    relay: { host: IP, port },
    ...restCredentials(secret),
    clients: load.clients,
    length: load.length,
  });
  try {
    process.stderr.write(`up (pid ${pid}); ${load.clients} clients; `);
    await generator.step(5_000, 2);
    for (const rate of CEILING_RATES.filter((r) => r <= positiveInt('max-rate', args['max-rate']))) {
      const before = treeCpuSeconds(pid);
      const result = await generator.step(rate, CEILING_STEP_SECONDS);
      const after = treeCpuSeconds(pid);
      const step = { ...result, relayCpuSeconds: after.user + after.system - before.user - before.system };
      steps.push(step);
      process.stderr.write(`${rate}: ${step.lossPercent.toFixed(2)} % lost; `);
      if (step.lossPercent >= LOSS_LIMIT_PERCENT || step.sent / step.seconds < 0.95 * rate) break;
    }
    process.stderr.write('\n');
    return steps;
  } finally {
    generator.close();
    await stopRelay(relay.child);
  }
}

function printCeilingSteps(byTarget: Map<Target, CeilingStep[]>): void {
  console.log(
    `\nCeilings with the batched generator (bench/support/channelLoad.ts) on the same 2 cores: the highest rate ` +
      `delivered with < ${LOSS_LIMIT_PERCENT} % loss`,
  );
  const header = ['relay', 'offered', 'delivered/s', 'loss %', 'delay ms', 'relay CPU %', 'generator CPU %'];
  const rows: string[][] = [];
  for (const [target, steps] of byTarget) {
    for (const step of steps) {
      rows.push([
        target.name,
        String(step.offered),
        String(Math.round(step.received / step.seconds)),
        step.lossPercent.toFixed(3),
        step.meanDelayMs.toFixed(2),
        ((100 * step.relayCpuSeconds) / step.seconds).toFixed(0),
        ((100 * step.generatorCpuSeconds) / step.seconds).toFixed(0),
      ]);
    }
  }
  printRows(header, rows);
  for (const [target, steps] of byTarget) {
    const clean = steps.filter((s) => s.lossPercent < LOSS_LIMIT_PERCENT && s.sent / s.seconds >= 0.95 * s.offered);
    const last = steps[steps.length - 1];
    const why =
      last === undefined
        ? 'no step ran'
        : last.lossPercent >= LOSS_LIMIT_PERCENT
          ? `loss at ${last.offered}`
          : last.sent / last.seconds < 0.95 * last.offered
            ? `the generator could not offer ${last.offered}`
            : 'every step clean';
    const ceiling = Math.max(0, ...clean.map((s) => s.received / s.seconds));
    console.log(`${target.name}: ceiling ${Math.round(ceiling)} msgs/s (${why})`);
  }
}

async function main(): Promise<void> {
  for (const tool of ['turnserver', 'turnutils_uclient']) {
    if (!onPath(tool)) {
      console.error(`${tool} not found on PATH. Install coturn first: apt-get install -y coturn`);
      process.exit(2);
    }
  }
  const load: Load = {
    clients: positiveInt('clients', args.clients),
    messages: positiveInt('messages', args.messages),
    length: positiveInt('length', args.length),
    intervalMs: positiveInt('interval', args.interval),
    sendIndications: args.send,
  };
  if (load.clients < 2 || load.clients % 2 !== 0) throw new Error('--clients must be even and ≥ 2 (client pairs)');
  if (args.only !== undefined && args.only !== 'coturn' && args.only !== 'whoot') {
    throw new Error('--only takes coturn or whoot');
  }
  let targets = parseTargets(args.only ?? args.relays);
  if (targets.some((t) => t.kind === 'whoot') && args['whoot-cmd'] === undefined && !existsSync(RELAY_CLI)) {
    console.error(`The bundled relay (${RELAY_CLI}) is not there yet: running coturn only.`);
    targets = targets.filter((t) => t.kind !== 'whoot');
  }
  // Same shape as the server's relay secret (base64url of random bytes), so both relays accept it.
  const secret = randomBytes(32).toString('base64url');
  const roundCount = Math.max(1, positiveInt('rounds', args.rounds));
  if (args.ceiling) {
    const byTarget = new Map<Target, CeilingStep[]>();
    for (const target of targets) byTarget.set(target, await ceilingOne(target, secret, load));
    printCeilingSteps(byTarget);
    return;
  }
  if (args.saturate) {
    const byTarget = new Map<Target, RunResult[]>();
    for (const target of targets) {
      byTarget.set(
        target,
        await benchOne(target, secret, saturationSteps(load), (r) => r.lossPercent >= LOSS_LIMIT_PERCENT),
      );
    }
    printCeilings(byTarget);
    return;
  }
  const rounds: RunResult[][] = [];
  for (let round = 0; round < roundCount; round++) {
    // A rotated order each round, so no relay always runs first (or last) on a machine whose load drifts.
    const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
    const results: RunResult[] = [];
    for (const target of order) {
      try {
        results.push(...(await benchOne(target, secret, [load])));
      } catch (error) {
        // One failed run (uclient gives up under overload) leaves this round without that relay, not the bench.
        console.error(`${target.name}, round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rounds.push(results);
  }
  printTable(rounds, targets, load);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
