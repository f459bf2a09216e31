import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../../test/support/selfSignedCertificate';
import { EVENT_RETENTION_MS, createMemoryEventLog } from './events';
import { startHarness, type Harness, type TestClient } from './testing/signallingHarness';

const certificate = makeSelfSignedCertificate();

const channelEvent = (workspaceId: string) => ({
  channel: {
    id: randomUUID(),
    workspaceId,
    name: 'Lounge',
    kind: 'voice' as const,
    relayOnly: true,
    voiceMode: 'auto' as const,
  },
});

const eventSeqs = (client: TestClient) => client.of('event').map((m) => m.event.seq);

describe('workspace events over the socket', () => {
  let h: Harness;
  let now = Date.now();
  beforeAll(async () => {
    h = await startHarness({ certificate, eventLog: createMemoryEventLog({ now: () => now }) });
  });
  afterAll(() => h.close());

  it('go to members of their workspace only', async () => {
    const [wsA, wsB] = [h.world.workspace(), h.world.workspace()];
    const inA = await h.connect(h.world.member(wsA));
    const inB = await h.connect(h.world.member(wsB));
    const created = await h.signalling.publishWorkspaceEvent(wsA, 'channel.created', channelEvent(wsA));
    expect((await inA.next('event', (m) => m.event.type === 'channel.created')).event).toEqual(created);
    inA.send({ type: 'presence.set', state: 'dnd' });
    await inA.next('event', (m) => m.event.type === 'presence.changed');
    await inB.barrier();
    expect(inB.of('event').filter((m) => m.event.workspaceId !== wsB)).toEqual([]);
    expect(inB.of('event').every((m) => m.event.type === 'member.online')).toBe(true);
  });

  it('announce members online and offline, presence, and room joins to the workspace', async () => {
    const ws = h.world.workspace();
    const watcher = await h.connect(h.world.member(ws));
    const claims = h.world.member(ws);
    const member = await h.connect(claims);
    const { userId } = claims;
    await watcher.next('event', (m) => m.event.type === 'member.online' && m.event.payload.userId === userId);
    member.send({ type: 'presence.set', state: 'idle' });
    const presence = await watcher.next('event', (m) => m.event.type === 'presence.changed');
    expect(presence.event.payload).toEqual({ userId, state: 'idle' });
    const channelId = h.world.channel(ws);
    member.send({ type: 'room.join', channelId });
    const joinedEvent = await watcher.next('event', (m) => m.event.type === 'room.memberJoined');
    expect(joinedEvent.event.payload).toEqual({
      channelId,
      userId,
      peerId: member.connectionId,
      selfMuted: false,
      selfDeafened: false,
    });
    member.ws.close();
    await watcher.next('event', (m) => m.event.type === 'room.memberLeft');
    await watcher.next('event', (m) => m.event.type === 'member.offline' && m.event.payload.userId === userId);
  });

  it('after a reconnect, resume delivers every missed event once, in order, then live ones', async () => {
    const ws = h.world.workspace();
    const claims = h.world.member(ws);
    const before = await h.connect(claims);
    await h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() });
    const seen = await before.next('event', (m) => m.event.type === 'channel.deleted');
    before.ws.close();
    await before.closed;

    const missed = [];
    for (let i = 0; i < 30; i += 1) {
      missed.push(await h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() }));
    }
    // More events arrive while the client reconnects (the replay race itself is covered in events.test.ts).
    const resumed = h.connect(claims, { type: 'resume', workspaceId: ws, lastSeq: seen.event.seq });
    const during = Array.from({ length: 5 }, () =>
      h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() }),
    );
    const after = await resumed;
    await Promise.all(during);
    const last = await h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() });
    await after.next('event', (m) => m.event.seq === last.seq);

    expect(after.received[0]).toMatchObject({ type: 'welcome', seq: seen.event.seq });
    // Every sequence after the cursor, each once, in order (this client's own member.online may follow `last`).
    const seqs = eventSeqs(after);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seen.event.seq + 1 + i));
    expect(seqs.at(-1)).toBeGreaterThanOrEqual(last.seq);
    const deleted = after.of('event').filter((m) => m.event.type === 'channel.deleted');
    expect(deleted.slice(0, missed.length).map((m) => m.event.id)).toEqual(missed.map((e) => e.id));
    expect(after.of('resync')).toEqual([]);
  });

  it('sends resync when the missed events are older than the retention window', async () => {
    const ws = h.world.workspace();
    await h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() });
    now += EVENT_RETENTION_MS + 1;
    const latest = await h.signalling.publishWorkspaceEvent(ws, 'channel.deleted', { channelId: randomUUID() });
    const client = await h.connect(h.world.member(ws), { type: 'resume', workspaceId: ws, lastSeq: 0 });
    expect(await client.next('resync')).toEqual({
      type: 'resync',
      workspaceId: ws,
      reason: 'expired',
      seq: latest.seq,
    });
    expect(eventSeqs(client).filter((seq) => seq <= latest.seq)).toEqual([]);
  });

  it('refuses to resume with a cursor of another workspace', async () => {
    const ws = h.world.workspace();
    const client = await h.open(h.world.member(ws));
    client.send({ type: 'resume', workspaceId: h.world.workspace(), lastSeq: 3 });
    expect((await client.next('error')).code).toBe('invalid_message');
    client.send({ type: 'hello' });
    expect((await client.next('welcome')).workspaceId).toBe(ws);
  });
});
