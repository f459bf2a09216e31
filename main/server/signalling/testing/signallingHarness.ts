import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';
import { makeSelfSignedCertificate, type TestCertificate } from '../../../../test/support/selfSignedCertificate';
import {
  WS_PATH,
  parseServerMessage,
  wsProtocolsFor,
  type ClientMessage,
  type ServerMessage,
} from '../../../../shared/ws';
import type { JoinDecision } from '../clientConnection';
import { createMemoryEventBus, createMemoryEventLog, type EventBus, type EventLog } from '../events';
import { attachSignallingServer, type SignallingServer, type SignallingServerOptions } from '../signallingServer';
import { createMemoryTicketStore, type TicketClaims, type TicketStore } from '../tickets';
import { TEST_WAIT_MS } from '../../../../test/support/testDeadlines';

/**
 * A real signalling server on a real HTTPS server (127.0.0.1, self-signed certificate), and real `ws` clients, for
 * the signalling tests. Not part of the server: only tests import it.
 */

export interface Channel {
  readonly id: string;
  readonly workspaceId: string;
  readonly relayOnly: boolean;
}

/** Workspaces, their members and voice channels, standing in for the store behind `canJoinRoom`. */
export class World {
  readonly members = new Map<string, Set<string>>();
  readonly channels = new Map<string, Channel>();

  workspace(): string {
    const id = randomUUID();
    this.members.set(id, new Set());
    return id;
  }

  member(workspaceId: string): TicketClaims {
    const userId = randomUUID();
    this.members.get(workspaceId)?.add(userId);
    return { userId, workspaceId, sessionId: `sess_${randomUUID().replaceAll('-', '')}` };
  }

  channel(workspaceId: string, relayOnly = true): string {
    const id = randomUUID();
    this.channels.set(id, { id, workspaceId, relayOnly });
    return id;
  }

  async canJoinRoom(query: { userId: string; workspaceId: string; channelId: string }): Promise<JoinDecision> {
    const channel = this.channels.get(query.channelId);
    const member = this.members.get(query.workspaceId)?.has(query.userId) ?? false;
    if (channel === undefined || channel.workspaceId !== query.workspaceId || !member) return { ok: false };
    return { ok: true, relayOnly: channel.relayOnly };
  }
}

export interface Harness {
  readonly url: string;
  readonly certificate: TestCertificate;
  readonly world: World;
  readonly tickets: TicketStore;
  readonly eventLog: EventLog;
  readonly eventBus: EventBus;
  readonly signalling: SignallingServer;
  mint(claims: TicketClaims): Promise<string>;
  /** Opens a socket with a fresh ticket and sends `hello` (or the given first message), waiting for `welcome`. */
  connect(claims: TicketClaims, first?: ClientMessage, options?: ClientOptions): Promise<TestClient>;
  /** Opens a socket with a fresh ticket and sends nothing. */
  open(claims: TicketClaims, options?: ClientOptions): Promise<TestClient>;
  /** Attempts an upgrade and reports the HTTP status of a refusal, or 101 if a socket opened. */
  attempt(protocols: string[], options?: { path?: string; headers?: Record<string, string> }): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<SignallingServerOptions, 'server'>> {
  readonly certificate?: TestCertificate;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const certificate = options.certificate ?? makeSelfSignedCertificate();
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `wss://127.0.0.1:${port}${WS_PATH}`;
  const world = new World();
  const tickets = options.tickets ?? createMemoryTicketStore();
  const eventLog = options.eventLog ?? createMemoryEventLog();
  const eventBus = options.eventBus ?? createMemoryEventBus();
  const signalling = attachSignallingServer({
    canJoinRoom: (query) => world.canJoinRoom(query),
    ...options,
    server,
    tickets,
    eventLog,
    eventBus,
  });
  const clients = new Set<TestClient>();

  async function open(claims: TicketClaims, clientOptions: ClientOptions = {}): Promise<TestClient> {
    const { ticket } = await tickets.mint(claims);
    const ws = new WebSocket(url, wsProtocolsFor(ticket), { ca: certificate.cert, ...clientOptions });
    const client = new TestClient(ws);
    clients.add(client);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  return {
    url,
    certificate,
    world,
    tickets,
    eventLog,
    eventBus,
    signalling,
    mint: async (claims) => (await tickets.mint(claims)).ticket,
    open,
    async connect(claims, first = { type: 'hello' }, clientOptions) {
      const client = await open(claims, clientOptions);
      client.send(first);
      const welcome = await client.next('welcome');
      client.connectionId = welcome.connectionId;
      return client;
    },
    attempt(protocols, attemptOptions = {}) {
      const target = `wss://127.0.0.1:${port}${attemptOptions.path ?? WS_PATH}`;
      const ws = new WebSocket(target, protocols, { ca: certificate.cert, headers: attemptOptions.headers });
      return new Promise<number>((resolve, reject) => {
        ws.once('open', () => {
          ws.terminate();
          resolve(101);
        });
        ws.once('unexpected-response', (_request, response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', reject);
      });
    },
    async close() {
      for (const client of clients) client.ws.terminate();
      await signalling.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Message<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/** A `ws` client that keeps every parsed server message, and lets a test wait for the next one of a kind. */
export class TestClient {
  readonly received: ServerMessage[] = [];
  connectionId = '';
  private readonly taken = new Set<number>();
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      // Browsers hand a binary frame to the app as a Blob, which the client's parser refuses: text only.
      if (isBinary) throw new Error('The server sent a binary frame; the protocol is text frames only');
      const parsed = parseServerMessage(String(data));
      if (!parsed.ok) throw new Error(`The server sent an invalid message: ${parsed.error.message}`);
      this.received.push(parsed.value);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  send(message: ClientMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message of this type not returned before (others stay for later calls); fails after the timeout. */
  async next<T extends ServerMessage['type']>(
    type: T,
    match: (message: Message<T>) => boolean = () => true,
    timeoutMs = TEST_WAIT_MS,
  ): Promise<Message<T>> {
    const find = () => {
      for (const [i, message] of this.received.entries()) {
        if (this.taken.has(i)) continue;
        if (message.type === type && match(message as Message<T>)) {
          this.taken.add(i);
          return message as Message<T>;
        }
      }
      return undefined;
    };
    const found = find();
    if (found !== undefined) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`No ${type} message within ${timeoutMs} ms; received ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const wake = () => {
        const message = find();
        if (message === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(message);
      };
      this.waiters.add(wake);
    });
  }

  /** A round trip through the server: everything the server sent this client before it is now in `received`. */
  async barrier(): Promise<void> {
    const channelId = randomUUID();
    this.send({ type: 'room.leave', channelId });
    await this.next('room.left', (m) => m.channelId === channelId);
  }

  of<T extends ServerMessage['type']>(type: T): Message<T>[] {
    return this.received.filter((m): m is Message<T> => m.type === type);
  }
}
