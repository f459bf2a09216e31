/**
 * Signalling benchmark: `npm run bench:signalling [-- options]` (`--help` lists them).
 *
 * The server runs in a child process (this file with the `server` argument), so its RSS and CPU are its own; the
 * clients run here, so one clock (process.hrtime) times both ends of every message. Everything binds to 127.0.0.1,
 * each size has a time limit, and the run stops by itself.
 *
 * Shape: --clients authenticated WSS clients, spread round-robin over --workspaces workspaces (default one per 100
 * clients, so the fan-out of one workspace event stays the same at every size) of --rooms voice rooms each (default
 * 5: rooms of 20). Tickets are minted directly from the server's ticket store (the REST step is not measured). For
 * each size it prints the connect rate, the server's RSS per client, room-join time, presence fan-out and signal
 * relay latency, and CPU; with several sizes (a ladder) a fresh server runs each, and a summary follows.
 *
 * Limits of one machine talking to itself: every client is a socket in this process and another in the server's,
 * so each process needs an open-file limit above the largest size (raised here where the hard limit, or root,
 * allows: see processLimits.ts), and every connection to one server port takes a local ephemeral port (clients
 * are spread over more loopback source addresses when a size would use most of the range).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { makeSelfSignedCertificate } from '../test/support/selfSignedCertificate';
import { WS_PATH, wsProtocolsFor, type ClientMessage, type ServerMessage } from '../shared/ws';
import { createMemoryEventBus, createMemoryEventLog } from '../main/server/signalling/events';
import { attachSignallingServer } from '../main/server/signalling/signallingServer';
import { createMemoryTicketStore, type TicketClaims } from '../main/server/signalling/tickets';
import { errorMessage } from '../shared/errorMessage';
import { ephemeralPortRange, openFileLimit, relaunchWithOpenFiles } from './support/processLimits';
import {
  parseSignallingBenchArgs,
  SIGNALLING_BENCH_USAGE,
  type BenchShape,
  type SignallingBenchOptions,
} from './support/signallingOptions';
import { percentile } from './support/statistics';

const CONNECT_CONCURRENCY = 100;
/** Presence changes per second in the latency run: in workspaces of 100 each reaches 99 peers (9,900 deliveries/s). */
const PRESENCE_RATE = 100;
const PRESENCE_EVENTS = 500;
const SATURATION_EVENTS = 500;
const SIGNALS = 300;
/** Descriptors a process needs beyond one per client (listeners, pipes, the runtime's own). */
const SPARE_FILES = 1024;
/** Past this share of the ephemeral port range, clients connect from more loopback source addresses. */
const PORT_RANGE_SHARE = 0.8;

type Request = { id: number; cmd: 'mint'; claims: TicketClaims[] } | { id: number; cmd: 'stats' | 'stop' };
interface Stats {
  rss: number;
  /** The JavaScript heap in use: with RSS, it tells the server's own objects from TLS and socket buffers. */
  heapUsed: number;
  /** User + system CPU time of the server process so far. */
  cpuMs: number;
  maxRss: number;
  connections: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Server process

async function runServer(clients: number): Promise<void> {
  const certificate = makeSelfSignedCertificate();
  const server = createServer({ key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  // All tickets are minted before the first connect; at 10,000 clients connecting takes longer than the app's 30 s
  // ticket lifetime, which measures nothing about signalling, so the bench's tickets live for the whole run.
  const tickets = createMemoryTicketStore({ maxTickets: clients * 2, ttlMs: 3_600_000 });
  const signalling = attachSignallingServer({
    server,
    tickets,
    eventLog: createMemoryEventLog(),
    eventBus: createMemoryEventBus(),
    canJoinRoom: async () => ({ ok: true, relayOnly: true }),
    maxConnectionsPerUser: 4,
  });
  const stats = (): Stats => ({
    rss: process.memoryUsage().rss,
    heapUsed: process.memoryUsage().heapUsed,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    maxRss: process.resourceUsage().maxRSS * 1024,
    connections: signalling.connectionCount(),
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: Request) => {
    void (async () => {
      if (request.cmd === 'mint') {
        const minted = await Promise.all(request.claims.map((c) => tickets.mint(c)));
        process.send?.({ id: request.id, value: minted.map((m) => m.ticket) });
      } else if (request.cmd === 'stats') {
        process.send?.({ id: request.id, value: stats() });
      } else {
        await signalling.close();
        server.closeAllConnections();
        server.close();
        process.send?.({ id: request.id, value: null }, () => process.exit(0));
      }
    })();
  });
  process.send?.({ ready: true, port: (server.address() as AddressInfo).port, ca: certificate.cert });
}

// ---------------------------------------------------------------------------------------------------------------
// Bench process

class ServerProcess {
  private next = 1;
  private readonly pending = new Map<number, (value: unknown) => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly ca: string,
  ) {
    child.on('message', (message: { id?: number; value?: unknown }) => {
      if (message.id === undefined) return;
      this.pending.get(message.id)?.(message.value);
      this.pending.delete(message.id);
    });
  }

  static async start(clients: number): Promise<ServerProcess> {
    // The child inherits this process's execArgv, so it runs under tsx as well.
    const child = fork(fileURLToPath(import.meta.url), ['server', String(clients)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ port: number; ca: string }>((resolve, reject) => {
      child.once('message', (message: { port: number; ca: string }) => resolve(message));
      child.once('exit', (code) => reject(new Error(`The server process exited early (${code})`)));
    });
    return new ServerProcess(child, ready.port, ready.ca);
  }

  request<T>(request: { cmd: 'mint'; claims: TicketClaims[] } | { cmd: 'stats' | 'stop' }): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, (value) => resolve(value as T));
      this.child.send({ ...request, id });
    });
  }
}

interface Member {
  readonly claims: TicketClaims;
  readonly roomIndex: number;
  readonly channelId: string;
  ws?: WebSocket;
  peerId?: string;
  state: 'active' | 'idle';
  onMessage?: (message: ServerMessage, at: bigint) => void;
}

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

/** Element `index` of a non-empty list, wrapping around. */
function at<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('empty list');
  return item;
}

function send(member: Member, message: ClientMessage): void {
  member.ws?.send(JSON.stringify(message));
}

/**
 * Loopback source addresses for `clients` connections to one server port: one while they fit well inside the
 * ephemeral port range, more (127.0.0.2, ...: all of 127/8 is loopback on Linux) when they would not.
 */
function sourceAddresses(clients: number): (string | undefined)[] {
  const range = ephemeralPortRange();
  const perSource = range === null ? 20_000 : Math.floor((range.high - range.low + 1) * PORT_RANGE_SHARE);
  const count = Math.ceil(clients / perSource);
  return count <= 1 ? [undefined] : Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/** Connects every member (hello answered by welcome); `progress.connected` counts them for a failure report. */
async function connectAll(
  server: ServerProcess,
  members: Member[],
  tickets: string[],
  progress: { connected: number },
): Promise<void> {
  const url = `wss://127.0.0.1:${server.port}${WS_PATH}`;
  const sources = sourceAddresses(members.length);
  let nextIndex = 0;
  async function connectOne(member: Member, ticket: string, localAddress: string | undefined): Promise<void> {
    const ws = new WebSocket(url, wsProtocolsFor(ticket), {
      ca: server.ca,
      perMessageDeflate: false,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    member.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const at = process.hrtime.bigint();
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'welcome') {
          member.peerId = message.connectionId;
          progress.connected += 1;
          resolve();
        }
        member.onMessage?.(message, at);
      });
      ws.once('open', () => send(member, { type: 'hello' }));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }
  async function lane(): Promise<void> {
    for (let i = nextIndex++; i < members.length; i = nextIndex++) {
      await connectOne(at(members, i), at(tickets, i), sources[i % sources.length]);
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, lane));
}

/** Joins every member to its room and waits until each has heard of every join in its workspace. */
async function joinRooms(workspaces: Member[][]): Promise<void> {
  await Promise.all(
    workspaces.flatMap((members) => {
      const perWorkspace = members.length;
      return members.map(
        (member) =>
          new Promise<void>((resolve) => {
            let joinsHeard = 0;
            let joined = false;
            member.onMessage = (message) => {
              if (message.type === 'room.joined') joined = true;
              if (message.type === 'event' && message.event.type === 'room.memberJoined') joinsHeard += 1;
              if (joined && joinsHeard === perWorkspace) {
                member.onMessage = undefined;
                resolve();
              }
            };
            send(member, { type: 'room.join', channelId: member.channelId });
          }),
      );
    }),
  );
}

interface Latencies {
  /** Until the last of the sender's room peers had the event. */
  readonly room: number[];
  /** Until the last of the sender's workspace peers had it. */
  readonly workspace: number[];
}

/**
 * Presence changes and their fan-out, timed per event at the receivers. Every member listens all the time; an
 * event is identified by its sender and the new state, and a sender has at most one change in flight.
 */
class PresenceProbe {
  private readonly pending = new Map<string, { started: bigint; roomIndex: number; room: number; all: number }>();
  private readonly waiters = new Map<string, () => void>();
  private readonly inFlight = new Set<Member>();
  latencies: Latencies = { room: [], workspace: [] };

  constructor(
    private readonly workspaces: Member[][],
    private readonly roomSizes: readonly number[],
  ) {
    for (const member of workspaces.flat()) {
      member.onMessage = (message, at) => {
        if (message.type !== 'event' || message.event.type !== 'presence.changed') return;
        const { userId, state } = message.event.payload;
        const key = `${userId}:${state}`;
        const entry = this.pending.get(key);
        if (entry === undefined || userId === member.claims.userId) return;
        if (member.roomIndex === entry.roomIndex && --entry.room === 0) this.latencies.room.push(ms(entry.started, at));
        if (--entry.all > 0) return;
        this.latencies.workspace.push(ms(entry.started, at));
        this.pending.delete(key);
        this.waiters.get(key)?.();
      };
    }
  }

  /** Sends one change from a random member of the workspace that has none in flight; resolves when all have it. */
  fire(members: Member[]): Promise<void> {
    let sender = at(members, Math.floor(Math.random() * members.length));
    while (this.inFlight.has(sender)) sender = at(members, Math.floor(Math.random() * members.length));
    this.inFlight.add(sender);
    sender.state = sender.state === 'active' ? 'idle' : 'active';
    const key = `${sender.claims.userId}:${sender.state}`;
    const done = new Promise<void>((resolve) => this.waiters.set(key, resolve));
    const roomIndex = sender.roomIndex;
    this.pending.set(key, {
      started: process.hrtime.bigint(),
      roomIndex,
      room: at(this.roomSizes, roomIndex) - 1,
      all: members.length - 1,
    });
    send(sender, { type: 'presence.set', state: sender.state });
    return done.then(() => {
      this.waiters.delete(key);
      this.inFlight.delete(sender);
    });
  }

  /** Open loop: a steady rate across all workspaces, as real traffic arrives, whatever the server's speed. */
  async atRate(perSecond: number, count: number): Promise<Latencies> {
    this.latencies = { room: [], workspace: [] };
    const started = performance.now();
    const all: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const wait = started + (i * 1000) / perSecond - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      all.push(this.fire(at(this.workspaces, i)));
    }
    await Promise.all(all);
    return this.latencies;
  }

  /** Closed loop: every workspace sends its next change as soon as the previous one reached everybody. */
  async flatOut(count: number): Promise<Latencies & { seconds: number; events: number; deliveries: number }> {
    this.latencies = { room: [], workspace: [] };
    const started = process.hrtime.bigint();
    const perWorkspace = Math.ceil(count / this.workspaces.length);
    await Promise.all(
      this.workspaces.map(async (members) => {
        for (let i = 0; i < perWorkspace; i += 1) await this.fire(members);
      }),
    );
    return {
      ...this.latencies,
      seconds: ms(started, process.hrtime.bigint()) / 1000,
      events: perWorkspace * this.workspaces.length,
      deliveries: perWorkspace * this.workspaces.reduce((sum, members) => sum + members.length - 1, 0),
    };
  }

  stop(): void {
    for (const member of this.workspaces.flat()) member.onMessage = undefined;
  }
}

/** Relay candidates from one member to another of its room, one at a time, each timed to its arrival. */
async function measureSignals(rooms: Member[][]): Promise<number[]> {
  const latencies: number[] = [];
  const candidate = 'candidate:3591394571 1 udp 41885439 198.51.100.10 50123 typ relay raddr 0.0.0.0 rport 0';
  for (let i = 0; i < SIGNALS; i += 1) {
    const members = at(rooms, i);
    const [from, to] = [at(members, i), at(members, i + 1)];
    await new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      to.onMessage = (message, at) => {
        if (message.type !== 'signal' || message.from !== from.peerId) return;
        to.onMessage = undefined;
        latencies.push(ms(started, at));
        resolve();
      };
      send(from, { type: 'signal', channelId: from.channelId, to: to.peerId ?? '', candidate: { candidate } });
    });
  }
  return latencies;
}

/** Members of a size, round-robin: client i is in workspace i mod W and, within it, room (i div W) mod R. */
function buildMembers(shape: BenchShape): { workspaces: Member[][]; rooms: Member[][] } {
  const workspaceIds = Array.from({ length: shape.workspaces }, () => randomUUID());
  const channelIds = Array.from({ length: shape.workspaces * shape.roomsPerWorkspace }, () => randomUUID());
  const workspaces: Member[][] = workspaceIds.map(() => []);
  const rooms: Member[][] = channelIds.map(() => []);
  for (let i = 0; i < shape.clients; i += 1) {
    const w = i % shape.workspaces;
    const roomIndex = w * shape.roomsPerWorkspace + (Math.floor(i / shape.workspaces) % shape.roomsPerWorkspace);
    const sessionId = `sess_${randomUUID().replaceAll('-', '')}`;
    const claims = { sessionId, userId: randomUUID(), workspaceId: at(workspaceIds, w) };
    const member: Member = { claims, roomIndex, channelId: at(channelIds, roomIndex), state: 'active' };
    at(workspaces, w).push(member);
    at(rooms, roomIndex).push(member);
  }
  return { workspaces, rooms };
}

/** What one size measured: the ladder's summary line. */
interface SizeResult {
  readonly shape: BenchShape;
  readonly connected: number;
  readonly failure: string | null;
  readonly connectRate?: number;
  /** Server CPU time per client connected, milliseconds. */
  readonly serverConnectMs?: number;
  readonly serverBytesPerClient?: number;
  readonly benchBytesPerClient?: number;
  readonly serverRss?: number;
  readonly joinSeconds?: number;
  readonly presenceP99?: number;
  readonly signalP99?: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const lat = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms (n=${values.length})`;

/** Both processes' CPU time at one moment, so a phase's load shows on which side (server or clients) it falls. */
interface Snapshot {
  readonly server: Stats;
  readonly benchCpuMs: number;
  readonly at: bigint;
}

async function snapshot(server: ServerProcess): Promise<Snapshot> {
  const stats = await server.request<Stats>({ cmd: 'stats' });
  const usage = process.cpuUsage();
  return { server: stats, benchCpuMs: (usage.user + usage.system) / 1000, at: process.hrtime.bigint() };
}

/**
 * CPU time each process spent per unit of work over a phase: unlike a rate, it hardly changes when other programs
 * share the cores, so it says what the work costs and, with the cores free, how fast it could go.
 */
function cpuPer(from: Snapshot, to: Snapshot, units: number, unit: string, scale: 'ms' | 'µs'): string {
  const factor = scale === 'ms' ? 1 : 1000;
  const per = (cpuMs: number) => `${((cpuMs * factor) / units).toFixed(scale === 'ms' ? 2 : 1)} ${scale}`;
  return `server ${per(to.server.cpuMs - from.server.cpuMs)}, bench ${per(to.benchCpuMs - from.benchCpuMs)} per ${unit}`;
}

/** CPU of each process over a phase, as a share of one core. */
function cpu(from: Snapshot, to: Snapshot): string {
  const wallMs = ms(from.at, to.at);
  const share = (cpuMs: number) => `${((cpuMs / wallMs) * 100).toFixed(0)} %`;
  return `server CPU ${share(to.server.cpuMs - from.server.cpuMs)}, bench CPU ${share(to.benchCpuMs - from.benchCpuMs)}`;
}

function printRows(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`\n${title}\n`);
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
}

/** One size against a fresh server process; `result` is filled in as phases finish, so a failure keeps them. */
async function runSize(
  shape: BenchShape,
  connectOnly: boolean,
  result: { value: SizeResult },
  members: Member[],
  server: ServerProcess,
): Promise<void> {
  const { workspaces, rooms } = buildMembers(shape);
  members.push(...workspaces.flat());
  const progress = { connected: 0 };
  const track = () => {
    result.value = { ...result.value, connected: progress.connected };
  };
  const idle = await server.request<Stats>({ cmd: 'stats' });
  const tickets = await server.request<string[]>({ cmd: 'mint', claims: members.map((m) => m.claims) });
  const benchBefore = process.memoryUsage().rss;

  const beforeConnect = await snapshot(server);
  const connectStart = process.hrtime.bigint();
  const ticker = setInterval(track, 250);
  try {
    await connectAll(server, members, tickets, progress);
  } finally {
    clearInterval(ticker);
    track();
  }
  const connectSeconds = ms(connectStart, process.hrtime.bigint()) / 1000;
  const afterConnect = await snapshot(server);
  const joinStart = process.hrtime.bigint();
  await joinRooms(workspaces);
  const joinSeconds = ms(joinStart, process.hrtime.bigint()) / 1000;
  const connected = await server.request<Stats>({ cmd: 'stats' });
  const benchAfter = process.memoryUsage().rss;
  const largest = Math.max(...workspaces.map((w) => w.length));
  result.value = {
    ...result.value,
    connectRate: shape.clients / connectSeconds,
    serverConnectMs: (afterConnect.server.cpuMs - beforeConnect.server.cpuMs) / shape.clients,
    serverBytesPerClient: (connected.rss - idle.rss) / shape.clients,
    benchBytesPerClient: (benchAfter - benchBefore) / shape.clients,
    serverRss: connected.rss,
    joinSeconds,
  };
  const rows: Array<[string, string]> = [
    [
      'clients',
      `${connected.connections} in ${rooms.length} rooms (${shape.workspaces} workspaces x ${shape.roomsPerWorkspace}` +
        ` rooms, ${shape.smallestRoom === shape.largestRoom ? shape.largestRoom : `${shape.smallestRoom}-${shape.largestRoom}`} per room)`,
    ],
    [
      'connect rate',
      `${(shape.clients / connectSeconds).toFixed(0)} clients/s (TLS + ticket + hello/welcome, ${CONNECT_CONCURRENCY} at a time)`,
    ],
    ['  while connecting', cpu(beforeConnect, afterConnect)],
    ['  CPU time per client connected', cpuPer(beforeConnect, afterConnect, shape.clients, 'client', 'ms')],
    ['room joins', `${joinSeconds.toFixed(2)} s until every member heard every join of its workspace`],
    ['server RSS idle', mb(idle.rss)],
    [
      `server RSS ${shape.clients} clients`,
      `${mb(connected.rss)} = ${kb((connected.rss - idle.rss) / shape.clients)} per client ` +
        `(JavaScript heap ${kb((connected.heapUsed - idle.heapUsed) / shape.clients)} of it)`,
    ],
    ['bench (client) RSS per client', kb((benchAfter - benchBefore) / shape.clients)],
  ];
  if (connectOnly) {
    printRows(`${shape.clients} clients: connect and join only`, rows);
    return;
  }

  const probe = new PresenceProbe(
    workspaces,
    rooms.map((room) => room.length),
  );
  const beforeLoad = await snapshot(server);
  const presence = await probe.atRate(PRESENCE_RATE, PRESENCE_EVENTS);
  const afterRate = await snapshot(server);
  const saturated = await probe.flatOut(SATURATION_EVENTS);
  const afterSaturation = await snapshot(server);
  probe.stop();
  const signals = await measureSignals(rooms);
  const loaded = await server.request<Stats>({ cmd: 'stats' });
  result.value = {
    ...result.value,
    presenceP99: percentile(presence.workspace, 99),
    signalP99: percentile(signals, 99),
  };
  rows.push(
    [`presence at ${PRESENCE_RATE}/s -> room peers`, lat(presence.room)],
    [`presence at ${PRESENCE_RATE}/s -> workspace peers (up to ${largest - 1})`, lat(presence.workspace)],
    [`  at ${PRESENCE_RATE}/s`, cpu(beforeLoad, afterRate)],
    ['presence flat out -> workspace peers', lat(saturated.workspace)],
    [
      '  flat-out throughput',
      `${(saturated.events / saturated.seconds).toFixed(0)} events/s = ` +
        `${(saturated.deliveries / saturated.seconds).toFixed(0)} deliveries/s, ${cpu(afterRate, afterSaturation)}`,
    ],
    ['  CPU time per delivery', cpuPer(afterRate, afterSaturation, saturated.deliveries, 'delivery', 'µs')],
    ['signal relay (1 peer)', lat(signals)],
    ['server RSS after load', `${mb(loaded.rss)} (peak ${mb(loaded.maxRss)})`],
  );
  printRows(`${shape.clients} clients`, rows);
}

/** Runs one size with its time limit, then closes every client and the server, whatever happened. */
async function measureSize(shape: BenchShape, options: SignallingBenchOptions): Promise<SizeResult> {
  const result: { value: SizeResult } = { value: { shape, connected: 0, failure: null } };
  const members: Member[] = [];
  let server: ServerProcess | null = null;
  let timer: NodeJS.Timeout | undefined;
  const limitMs = options.timeoutMs(shape.clients);
  try {
    server = await ServerProcess.start(shape.clients);
    const running = server;
    await Promise.race([
      runSize(shape, options.connectOnly, result, members, running),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`not finished within ${limitMs / 1000} s`)), limitMs);
      }),
      new Promise<never>((_resolve, reject) =>
        running.child.once('exit', (code, signal) =>
          reject(new Error(`the server process ended (${signal ?? `exit ${code ?? '?'}`})`)),
        ),
      ),
    ]);
  } catch (error) {
    result.value = { ...result.value, failure: errorMessage(error) };
  } finally {
    clearTimeout(timer);
    for (const member of members) member.ws?.terminate();
    if (server !== null) {
      const stopping = server;
      await Promise.race([stopping.request({ cmd: 'stop' }), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      stopping.child.kill();
    }
  }
  if (result.value.failure !== null) {
    console.log(
      `\n${shape.clients} clients: FAILED after ${result.value.connected} connected: ${result.value.failure}`,
    );
  }
  return result.value;
}

function printSummary(results: readonly SizeResult[]): void {
  const header = [
    'clients',
    'workspaces x rooms',
    'connect/s',
    'server CPU/connect',
    'server RSS',
    'per client',
    'bench/client',
    'joins',
    'presence p99',
    'signal p99',
  ];
  const fixed = (value: number | undefined, digits: number, unit = '') =>
    value === undefined || Number.isNaN(value) ? '-' : `${value.toFixed(digits)}${unit}`;
  const lines = results.map((r) =>
    r.failure !== null && r.connectRate === undefined
      ? [
          String(r.shape.clients),
          `${r.shape.workspaces} x ${r.shape.roomsPerWorkspace}`,
          `failed at ${r.connected}: ${r.failure}`,
        ]
      : [
          String(r.shape.clients),
          `${r.shape.workspaces} x ${r.shape.roomsPerWorkspace}`,
          fixed(r.connectRate, 0),
          fixed(r.serverConnectMs, 2, ' ms'),
          r.serverRss === undefined ? '-' : mb(r.serverRss),
          r.serverBytesPerClient === undefined ? '-' : kb(r.serverBytesPerClient),
          r.benchBytesPerClient === undefined ? '-' : kb(r.benchBytesPerClient),
          fixed(r.joinSeconds, 1, ' s'),
          fixed(r.presenceP99, 1, ' ms'),
          fixed(r.signalP99, 1, ' ms') + (r.failure === null ? '' : ` (then failed: ${r.failure})`),
        ],
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (i < l.length - 1 ? (l[i] ?? '').length : 0))),
  );
  const format = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  console.log('\nsummary\n');
  console.log(`  ${format(header)}`);
  for (const line of lines) console.log(`  ${format(line)}`);
}

async function runBench(options: SignallingBenchOptions): Promise<void> {
  const largest = Math.max(...options.sizes.map((size) => size.clients));
  const files = openFileLimit();
  const ports = ephemeralPortRange();
  console.log('whoot signalling bench (server in a child process, TLS on 127.0.0.1)');
  console.log(
    `  machine: ${cpus().length} cores, ${mb(totalmem())} memory, Node ${process.version}; ` +
      `open files per process: ${files === null ? 'unknown' : `${files.soft} (hard ${files.hard})`}; ` +
      `ephemeral ports: ${ports === null ? 'unknown' : `${ports.low}-${ports.high}`}`,
  );
  // Figures from a machine busy with other work read slow; the load average says how busy it was.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`  load average at start: ${load()}`);
  if (files !== null && files.soft < largest + SPARE_FILES) {
    console.log(
      `  note: ${largest} clients need about ${largest + SPARE_FILES} open files in each process and the limit is ` +
        `${files.soft}; the bench could not raise it (hard limit ${files.hard}): sizes near it will fail with ` +
        'EMFILE. Raise the hard limit as root (ulimit -Hn, /etc/security/limits.conf, or LimitNOFILE= in systemd).',
    );
  }
  const results: SizeResult[] = [];
  for (const shape of options.sizes) {
    const result = await measureSize(shape, options);
    results.push(result);
    if (result.failure !== null) {
      const skipped = options.sizes.filter((s) => s.clients > shape.clients).map((s) => s.clients);
      if (skipped.length > 0) console.log(`  larger sizes not tried: ${skipped.join(', ')}`);
      break;
    }
  }
  printSummary(results);
  console.log(`\n  load average at the end: ${load()}`);
  console.log('\n  targets: p99 < 50 ms, server RSS < 300 MB at 1,000 clients (2-core machine)\n');
}

if (process.argv[2] === 'server') {
  void runServer(Number(process.argv[3]));
} else {
  const parsed = parseSignallingBenchArgs(process.argv.slice(2));
  if (parsed === 'help') {
    console.log(SIGNALLING_BENCH_USAGE);
  } else if (!parsed.ok) {
    console.error(`bench:signalling: ${parsed.error}\n\n${SIGNALLING_BENCH_USAGE}`);
    process.exitCode = 2;
  } else {
    const options = parsed.value;
    relaunchWithOpenFiles(Math.max(...options.sizes.map((size) => size.clients)) + SPARE_FILES);
    runBench(options).then(
      // Sockets of a size that failed may still hold the event loop; the figures are printed, so end here.
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  }
}
