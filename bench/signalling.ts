/**
 * Signalling benchmark: `npx tsx bench/signalling.ts`.
 *
 * The server runs in a child process (this file with the `server` argument), so its RSS is its own; the clients run
 * here, so one clock (process.hrtime) times both ends of every message. Everything binds to 127.0.0.1 and the run
 * stops by itself.
 *
 * Shape: 10 workspaces x 100 members, each workspace with 5 voice rooms of 20, so 1,000 authenticated clients in
 * 50 rooms. Tickets are minted directly from the server's ticket store (the REST step is not measured).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { makeSelfSignedCertificate } from '../test/support/selfSignedCertificate';
import { WS_PATH, wsProtocolsFor, type ClientMessage, type ServerMessage } from '../shared/ws';
import { createMemoryEventBus, createMemoryEventLog } from '../main/server/signalling/events';
import { attachSignallingServer } from '../main/server/signalling/signallingServer';
import { createMemoryTicketStore, type TicketClaims } from '../main/server/signalling/tickets';
import { percentile } from './support/statistics';

const WORKSPACES = 10;
const ROOMS_PER_WORKSPACE = 5;
const MEMBERS_PER_ROOM = 20;
const CLIENTS = WORKSPACES * ROOMS_PER_WORKSPACE * MEMBERS_PER_ROOM;
const CONNECT_CONCURRENCY = 100;
/** Presence changes per second in the latency run: each reaches 99 peers, so 100/s is 9,900 deliveries/s. */
const PRESENCE_RATE = 100;
const PRESENCE_EVENTS = 500;
const SATURATION_EVENTS = 500;
const SIGNALS = 300;
const WATCHDOG_MS = 180_000;

type Request = { id: number; cmd: 'mint'; claims: TicketClaims[] } | { id: number; cmd: 'stats' | 'stop' };
interface Stats {
  rss: number;
  /** User + system CPU time of the server process so far. */
  cpuMs: number;
  maxRss: number;
  connections: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Server process

async function runServer(): Promise<void> {
  const certificate = makeSelfSignedCertificate();
  const server = createServer({ key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tickets = createMemoryTicketStore({ maxTickets: CLIENTS * 2 });
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

  static async start(): Promise<ServerProcess> {
    // The child inherits this process's execArgv, so it runs under tsx as well.
    const child = fork(fileURLToPath(import.meta.url), ['server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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

async function connectAll(server: ServerProcess, members: Member[], tickets: string[]): Promise<void> {
  const url = `wss://127.0.0.1:${server.port}${WS_PATH}`;
  let nextIndex = 0;
  async function connectOne(member: Member, ticket: string): Promise<void> {
    const ws = new WebSocket(url, wsProtocolsFor(ticket), { ca: server.ca, perMessageDeflate: false });
    member.ws = ws;
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const at = process.hrtime.bigint();
        const message = JSON.parse(String(data)) as ServerMessage;
        if (message.type === 'welcome') {
          member.peerId = message.connectionId;
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
    for (let i = nextIndex++; i < members.length; i = nextIndex++) await connectOne(at(members, i), at(tickets, i));
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, lane));
}

/** Joins every member to its room and waits until each has heard of every join in its workspace. */
async function joinRooms(members: Member[]): Promise<void> {
  const perWorkspace = ROOMS_PER_WORKSPACE * MEMBERS_PER_ROOM;
  await Promise.all(
    members.map(
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
    ),
  );
}

interface Latencies {
  /** Until the last of the sender's 19 room peers had the event. */
  readonly room: number[];
  /** Until the last of the sender's 99 workspace peers had it. */
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

  constructor(private readonly workspaces: Member[][]) {
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
      room: MEMBERS_PER_ROOM - 1,
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
  async flatOut(count: number): Promise<Latencies & { seconds: number }> {
    this.latencies = { room: [], workspace: [] };
    const started = process.hrtime.bigint();
    const perWorkspace = Math.ceil(count / this.workspaces.length);
    await Promise.all(
      this.workspaces.map(async (members) => {
        for (let i = 0; i < perWorkspace; i += 1) await this.fire(members);
      }),
    );
    return { ...this.latencies, seconds: ms(started, process.hrtime.bigint()) / 1000 };
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

async function runBench(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`The bench did not finish within ${WATCHDOG_MS / 1000} s`);
    process.exit(1);
  }, WATCHDOG_MS);
  const server = await ServerProcess.start();
  try {
    const idle = await server.request<Stats>({ cmd: 'stats' });
    const workspaces: Member[][] = [];
    const rooms: Member[][] = [];
    for (let w = 0; w < WORKSPACES; w += 1) {
      const workspaceId = randomUUID();
      const inWorkspace: Member[] = [];
      for (let r = 0; r < ROOMS_PER_WORKSPACE; r += 1) {
        const channelId = randomUUID();
        const inRoom: Member[] = [];
        for (let m = 0; m < MEMBERS_PER_ROOM; m += 1) {
          const sessionId = `sess_${randomUUID().replaceAll('-', '')}`;
          const claims = { sessionId, userId: randomUUID(), workspaceId };
          inRoom.push({ claims, roomIndex: rooms.length, channelId, state: 'active' });
        }
        rooms.push(inRoom);
        inWorkspace.push(...inRoom);
      }
      workspaces.push(inWorkspace);
    }
    const members = workspaces.flat();
    const tickets = await server.request<string[]>({ cmd: 'mint', claims: members.map((m) => m.claims) });

    const connectStart = process.hrtime.bigint();
    await connectAll(server, members, tickets);
    const connectSeconds = ms(connectStart, process.hrtime.bigint()) / 1000;
    const joinStart = process.hrtime.bigint();
    await joinRooms(members);
    const joinSeconds = ms(joinStart, process.hrtime.bigint()) / 1000;
    const connected = await server.request<Stats>({ cmd: 'stats' });

    const probe = new PresenceProbe(workspaces);
    const beforeLoad = await server.request<Stats>({ cmd: 'stats' });
    const presence = await probe.atRate(PRESENCE_RATE, PRESENCE_EVENTS);
    const afterRate = await server.request<Stats>({ cmd: 'stats' });
    const saturated = await probe.flatOut(SATURATION_EVENTS);
    const afterSaturation = await server.request<Stats>({ cmd: 'stats' });
    probe.stop();
    const signals = await measureSignals(rooms);
    const loaded = await server.request<Stats>({ cmd: 'stats' });
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const lat = (values: number[]) =>
      `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms (n=${values.length})`;
    const cpu = (from: Stats, to: Stats, seconds: number) => `${((to.cpuMs - from.cpuMs) / 10 / seconds).toFixed(0)} %`;
    const rateSeconds = PRESENCE_EVENTS / PRESENCE_RATE;
    const rows: Array<[string, string]> = [
      ['clients', `${connected.connections} in ${rooms.length} rooms (${WORKSPACES} workspaces x 100)`],
      ['connect rate', `${(CLIENTS / connectSeconds).toFixed(0)} clients/s (TLS + ticket + hello/welcome)`],
      ['room joins', `${joinSeconds.toFixed(2)} s until every member heard all 100 joins of its workspace`],
      [`presence at ${PRESENCE_RATE}/s -> 19 room peers`, lat(presence.room)],
      [`presence at ${PRESENCE_RATE}/s -> 99 workspace peers`, lat(presence.workspace)],
      [`  server CPU at ${PRESENCE_RATE}/s`, cpu(beforeLoad, afterRate, rateSeconds)],
      ['presence flat out -> 99 peers', lat(saturated.workspace)],
      [
        '  flat-out throughput',
        `${(SATURATION_EVENTS / saturated.seconds).toFixed(0)} events/s = ` +
          `${((SATURATION_EVENTS * 99) / saturated.seconds).toFixed(0)} deliveries/s, ` +
          `server CPU ${cpu(afterRate, afterSaturation, saturated.seconds)}`,
      ],
      ['signal relay (1 peer)', lat(signals)],
      ['server RSS idle', mb(idle.rss)],
      ['server RSS 1,000 clients', mb(connected.rss)],
      ['server RSS after load', `${mb(loaded.rss)} (peak ${mb(loaded.maxRss)})`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log('\nwhoot signalling bench (server in a child process, TLS on 127.0.0.1)\n');
    for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
    console.log('\n  targets: p99 < 50 ms, server RSS < 300 MB (2-core machine)\n');

    for (const member of members) member.ws?.terminate();
  } finally {
    await Promise.race([server.request({ cmd: 'stop' }), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    server.child.kill();
    clearTimeout(watchdog);
  }
}

if (process.argv[2] === 'server') {
  void runServer();
} else {
  runBench().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
