import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../main/server/serverApp';
import type { ServerMessage, WorkspaceEvent } from '../../shared/ws';
import { connectSocket, type WsTestClient } from '../support/rawServerClient';
import { signIn, signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * A server stopped and started again on the same data directory keeps accounts, workspaces, channels, the audit
 * chain and the event log, and a WebSocket client that was away resumes from its last sequence number with every
 * missed event exactly once, in order, on the same server and across the restart.
 */

let first: TestServer;
let second: TestServer | undefined;
let ada: TestClient;
let workspaceId: string;
let channelId: string;
let auditBefore: Awaited<ReturnType<RunningServer['store']['audit']['since']>>;
const sockets: WsTestClient[] = [];

async function connect(server: RunningServer, client: TestClient, first: Parameters<typeof connectSocket>[3]) {
  const connected = await connectSocket(server, client, workspaceId, first);
  sockets.push(connected.socket);
  return connected;
}

/** Waits until the server stored an event past `seq` (a disconnect's member.offline is stored asynchronously). */
async function waitForSeq(server: RunningServer, seq: number) {
  for (let i = 0; i < 200; i += 1) {
    if ((await server.store.forWorkspace(workspaceId).events.latestSeq()) >= seq) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no event ${seq} stored`);
}

/** The client's view: welcome, then the events received, in order. */
const eventsOf = (socket: WsTestClient): WorkspaceEvent[] =>
  socket.received.flatMap((m: ServerMessage) => (m.type === 'event' ? [m.event] : []));

/** Goes online, notes the last sequence seen, goes away; returns that sequence. */
async function visitAndLeave(server: RunningServer, client: TestClient): Promise<number> {
  const { socket, welcome } = await connect(server, client, { type: 'hello' });
  const online = await socket.next('event', (m) => m.event.type === 'member.online');
  expect(online.event.seq).toBe(welcome.seq + 1);
  const lastSeen = online.event.seq;
  socket.ws.close();
  await socket.closed;
  await waitForSeq(server, lastSeen + 1);
  return lastSeen;
}

/** Resumes after `lastSeq` and collects events until this connection's own member.online arrives. */
async function resume(server: RunningServer, client: TestClient, lastSeq: number, expectedLatest: number) {
  const { socket, welcome } = await connect(server, client, { type: 'resume', workspaceId, lastSeq });
  expect(welcome.seq).toBe(lastSeq);
  await socket.next('event', (m) => m.event.type === 'member.online' && m.event.seq > expectedLatest, 5000);
  await socket.barrier();
  expect(socket.of('resync')).toEqual([]);
  const events = eventsOf(socket);
  const stored = await server.store.forWorkspace(workspaceId).events.since(lastSeq, 100);
  // Leave cleanly (member.offline stored), so the next visit is a first connection again.
  socket.ws.close();
  await socket.closed;
  await waitForSeq(server, (events.at(-1)?.seq ?? lastSeq) + 1);
  return { received: events, stored };
}

function expectExactlyOnceInOrder(received: WorkspaceEvent[], stored: { id: string; seq: number }[], after: number) {
  expect(received.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
  expect(received.map((e) => e.id)).toEqual(stored.map((e) => e.id));
  expect(received[0]?.seq).toBe(after + 1);
  received.forEach((event, index) => expect(event.seq).toBe(after + 1 + index));
  expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
}

beforeAll(async () => {
  first = await startTestServer();
  ada = await signUpAndIn(first.server, 'ada');
  workspaceId = (await ada.call('createWorkspace', { body: { slug: 'restart', name: 'Restart' } })).workspace.id;
  channelId = (await ada.call('createChannel', { params: { workspaceId }, body: { name: 'General' } })).channel.id;
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await second?.close();
  await first?.close();
});

describe('events resume on one server', () => {
  it('a client that saw seq N and was away receives every missed event after N, in order, once', async () => {
    const lastSeen = await visitAndLeave(first.server, ada);
    const created: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      created.push((await ada.call('createChannel', { params: { workspaceId }, body: { name } })).channel.id);
    }
    await ada.call('deleteChannel', { params: { workspaceId, channelId: created[1]! } });
    const latest = await first.server.store.forWorkspace(workspaceId).events.latestSeq();

    const { received, stored } = await resume(first.server, ada, lastSeen, latest);
    expectExactlyOnceInOrder(received, stored, lastSeen);
    expect(received.map((e) => e.type)).toEqual([
      'member.offline',
      'channel.created',
      'channel.created',
      'channel.created',
      'channel.deleted',
      'member.online',
    ]);
    const createdIds = received.flatMap((e) => (e.type === 'channel.created' ? [e.payload.channel.id] : []));
    expect(createdIds).toEqual(created);
  });
});

describe('restart on the same data directory', () => {
  let lastSeenBeforeRestart: number;

  it('keeps accounts, workspaces, channels and the audit chain', async () => {
    lastSeenBeforeRestart = await visitAndLeave(first.server, ada);
    for (const socket of sockets) socket.ws.terminate();
    auditBefore = await first.server.store.audit.since(0, 10_000);
    expect(auditBefore.length).toBeGreaterThan(0);
    await first.close(false);

    second = await startTestServer({}, first.dataDir);
    const again = await signIn(second.server, ada.email, ada.password);
    expect(again.user.id).toBe(ada.user.id);
    const workspaces = await again.call('listWorkspaces');
    expect(workspaces.workspaces).toEqual([{ id: workspaceId, slug: 'restart', name: 'Restart', role: 'owner' }]);
    const channels = await again.call('listChannels', { params: { workspaceId } });
    expect(channels.channels.map((c) => c.id)).toContain(channelId);

    const verified = await second.server.store.audit.verify();
    expect(verified.ok).toBe(true);
    const auditAfter = await second.server.store.audit.since(0, 10_000);
    expect(auditAfter.slice(0, auditBefore.length)).toEqual(auditBefore);
    // The sign-in above was appended to the same chain.
    expect(auditAfter.length).toBeGreaterThan(auditBefore.length);
  });

  it('a client that was away across the restart resumes with every missed event, in order, once', async () => {
    const server = second!.server;
    const again = await signIn(server, ada.email, ada.password);
    const created: string[] = [];
    for (const name of ['after-1', 'after-2']) {
      created.push((await again.call('createChannel', { params: { workspaceId }, body: { name } })).channel.id);
    }
    const latest = await server.store.forWorkspace(workspaceId).events.latestSeq();
    expect(latest).toBeGreaterThan(lastSeenBeforeRestart + 2);

    const { received, stored } = await resume(server, again, lastSeenBeforeRestart, latest);
    expectExactlyOnceInOrder(received, stored, lastSeenBeforeRestart);
    const createdIds = received.flatMap((e) => (e.type === 'channel.created' ? [e.payload.channel.id] : []));
    expect(createdIds).toEqual(created);
    expect(received.at(-1)?.type).toBe('member.online');
  });
});
