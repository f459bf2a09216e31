import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ResyncReason, WorkspaceEvent } from '../../../shared/ws';
import { EVENT_RETENTION_MS, createMemoryEventBus, createMemoryEventLog, type EventBus, type EventLog } from './events';
import { WorkspaceEventStream, type StreamStart } from './eventStream';

const wsA = randomUUID();
const wsB = randomUUID();
const user = randomUUID();

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Appends then publishes, as the signalling server does. */
async function publish(log: EventLog, bus: EventBus, workspaceId = wsA): Promise<WorkspaceEvent> {
  const payload = { userId: user, state: 'active' as const };
  const stored = await log.append(workspaceId, 'presence.changed', payload);
  const event: WorkspaceEvent = { ...stored, workspaceId, type: 'presence.changed', payload };
  bus.publish(workspaceId, event);
  return event;
}

function recordingSink() {
  const seen: Array<number | string> = [];
  const sink = {
    ready: (seq: number) => seen.push(`ready:${seq}`),
    event: (event: WorkspaceEvent) => seen.push(event.seq),
    resync: (reason: ResyncReason, seq: number) => seen.push(`resync:${reason}:${seq}`),
    failed: () => seen.push('failed'),
  };
  return { seen, sink };
}

describe('memory event log', () => {
  it('numbers events 1, 2, 3 per workspace and pages through them in order', async () => {
    const log = createMemoryEventLog();
    for (let i = 0; i < 5; i += 1) await log.append(wsA, 'member.online', { userId: user });
    const inB = await log.append(wsB, 'member.online', { userId: user });
    expect(inB.seq).toBe(1);
    expect(await log.latestSeq(wsA)).toBe(5);
    expect(await log.latestSeq(randomUUID())).toBe(0);
    const page = await log.since(wsA, 1, 2);
    expect('events' in page && page.events.map((e) => [e.seq, e.workspaceId, e.type])).toEqual([
      [2, wsA, 'member.online'],
      [3, wsA, 'member.online'],
    ]);
    expect(await log.since(wsA, 5, 10)).toEqual({ events: [] });
  });

  it('keeps events for 10 minutes and asks for a resync once a missed one is gone', async () => {
    const time = clock();
    const log = createMemoryEventLog({ now: time.now, retentionMs: 1 });
    await log.append(wsA, 'member.online', { userId: user });
    time.advance(EVENT_RETENTION_MS);
    await log.append(wsA, 'member.offline', { userId: user });
    expect(await log.since(wsA, 0, 10)).toMatchObject({ events: [{ seq: 1 }, { seq: 2 }] });
    time.advance(1);
    await log.append(wsA, 'member.online', { userId: user });
    expect(await log.since(wsA, 0, 10)).toEqual({ resync: true });
    expect(await log.since(wsA, 1, 10)).toMatchObject({ events: [{ seq: 2 }, { seq: 3 }] });
  });

  it('asks for a resync for a sequence it never issued', async () => {
    const log = createMemoryEventLog();
    await log.append(wsA, 'member.online', { userId: user });
    expect(await log.since(wsA, 2, 10)).toEqual({ resync: true });
    expect(await log.since(randomUUID(), 0, 10)).toEqual({ events: [] });
  });
});

describe('memory event bus', () => {
  it('delivers to the workspace subscribed to only, until unsubscribed', async () => {
    const bus = createMemoryEventBus();
    const log = createMemoryEventLog();
    const inA: number[] = [];
    const inB: number[] = [];
    const stopA = bus.subscribe(wsA, (e) => inA.push(e.seq));
    bus.subscribe(wsB, (e) => inB.push(e.seq));
    await publish(log, bus, wsA);
    stopA();
    stopA();
    await publish(log, bus, wsA);
    await publish(log, bus, wsB);
    expect(inA).toEqual([1]);
    expect(inB).toEqual([1]);
  });
});

describe('WorkspaceEventStream', () => {
  function setup(options: { pageSize?: number; maxReplay?: number } = {}) {
    const log = createMemoryEventLog();
    const bus = createMemoryEventBus();
    const { seen, sink } = recordingSink();
    const stream = new WorkspaceEventStream({ workspaceId: wsA, log, bus, sink, ...options });
    return { log, bus, seen, stream, start: (from: StreamStart) => stream.start(from) };
  }

  it('from "latest" announces the current sequence and then delivers live events', async () => {
    const { log, bus, seen, start } = setup();
    await publish(log, bus);
    await start('latest');
    await publish(log, bus);
    expect(seen).toEqual(['ready:1', 2]);
  });

  it('replays after the cursor and goes live with no gap and no duplicate while events keep arriving', async () => {
    const log = createMemoryEventLog();
    const bus = createMemoryEventBus();
    for (let i = 0; i < 7; i += 1) await publish(log, bus);
    // Every page read lets two more events be appended and published before it returns.
    const racing: EventLog = {
      ...log,
      async since(workspaceId, afterSeq, limit) {
        const page = await log.since(workspaceId, afterSeq, limit);
        await publish(log, bus);
        await publish(log, bus);
        return page;
      },
    };
    const { seen, sink } = recordingSink();
    const stream = new WorkspaceEventStream({ workspaceId: wsA, log: racing, bus, sink, pageSize: 3 });
    await stream.start({ after: 2 });
    await publish(log, bus);
    const latest = await log.latestSeq(wsA);
    expect(seen).toEqual(['ready:2', ...Array.from({ length: latest - 2 }, (_, i) => i + 3)]);
  });

  it('reads a gap from the log when the bus delivers out of order', async () => {
    const { log, bus, seen, start } = setup();
    await start('latest');
    const p = { userId: user, state: 'idle' as const };
    const stored = [1, 2, 3].map(() => log.append(wsA, 'presence.changed', p));
    const [e1, e2, e3] = (await Promise.all(stored)).map((s) => ({
      ...s,
      workspaceId: wsA,
      type: 'presence.changed' as const,
      payload: p,
    }));
    bus.publish(wsA, e1!);
    bus.publish(wsA, e3!);
    await new Promise((resolve) => setImmediate(resolve));
    bus.publish(wsA, e2!);
    expect(seen).toEqual(['ready:0', 1, 2, 3]);
  });

  /** A live stream whose log reads are counted, and `count` events appended but not yet published. */
  async function liveWithAppended(count: number, gapWaitMs: number) {
    const log = createMemoryEventLog();
    const bus = createMemoryEventBus();
    const reads = { count: 0 };
    const counting: EventLog = { ...log, since: (...args) => ((reads.count += 1), log.since(...args)) };
    const { seen, sink } = recordingSink();
    const stream = new WorkspaceEventStream({ workspaceId: wsA, log: counting, bus, sink, gapWaitMs });
    await stream.start('latest');
    const p = { userId: user, state: 'idle' as const };
    const appended = await Promise.all(Array.from({ length: count }, () => log.append(wsA, 'presence.changed', p)));
    const events = appended.map((s) => ({ ...s, workspaceId: wsA, type: 'presence.changed' as const, payload: p }));
    return { bus, reads, seen, stream, events };
  }

  it('waits for an overtaken event instead of reading the log: publishes of two nodes crossing cost no query', async () => {
    const { bus, reads, seen, stream, events } = await liveWithAppended(4, 60_000);
    const [e1, e2, e3, e4] = events;
    bus.publish(wsA, e1!);
    bus.publish(wsA, e4!);
    bus.publish(wsA, e3!);
    expect(seen).toEqual(['ready:0', 1]);
    bus.publish(wsA, e2!);
    expect(seen).toEqual(['ready:0', 1, 2, 3, 4]);
    expect(reads.count).toBe(0);
    stream.close();
  });

  it('reads the gap from the log once the overtaken event has not come within the wait', async () => {
    const { bus, reads, seen, stream, events } = await liveWithAppended(3, 50);
    const [e1, , e3] = events;
    // Event 2 is in the log but its publish was lost.
    bus.publish(wsA, e1!);
    bus.publish(wsA, e3!);
    expect(seen).toEqual(['ready:0', 1]);
    await expect.poll(() => seen).toEqual(['ready:0', 1, 2, 3]);
    expect(reads.count).toBe(1);
    stream.close();
  });

  it('waits for the client to drain between replay pages', async () => {
    const log = createMemoryEventLog();
    const bus = createMemoryEventBus();
    for (let i = 0; i < 5; i += 1) await publish(log, bus);
    const { seen, sink } = recordingSink();
    const drained = () => {
      seen.push('drained');
      return Promise.resolve();
    };
    await new WorkspaceEventStream({ workspaceId: wsA, log, bus, sink: { ...sink, drained }, pageSize: 2 }).start({
      after: 0,
    });
    expect(seen).toEqual(['ready:0', 1, 2, 'drained', 3, 4, 'drained', 5]);
  });

  it('sends resync with the latest sequence when the missed events are gone, then continues live', async () => {
    const time = clock();
    const log = createMemoryEventLog({ now: time.now });
    const bus = createMemoryEventBus();
    await publish(log, bus);
    await publish(log, bus);
    time.advance(EVENT_RETENTION_MS + 1);
    await publish(log, bus);
    const { seen, sink } = recordingSink();
    await new WorkspaceEventStream({ workspaceId: wsA, log, bus, sink }).start({ after: 1 });
    await publish(log, bus);
    expect(seen).toEqual(['ready:1', 'resync:expired:3', 4]);
  });

  it('sends resync for a cursor ahead of the log, and for more missed events than a replay sends', async () => {
    const ahead = setup();
    await publish(ahead.log, ahead.bus);
    await ahead.start({ after: 9 });
    expect(ahead.seen).toEqual(['ready:9', 'resync:unknown_seq:1']);

    const many = setup({ pageSize: 2, maxReplay: 4 });
    for (let i = 0; i < 9; i += 1) await publish(many.log, many.bus);
    await many.start({ after: 0 });
    expect(many.seen).toEqual(['ready:0', 1, 2, 3, 4, 'resync:too_many:9']);
  });

  it('stops and reports when the log fails, and delivers nothing after close', async () => {
    const { seen, sink } = recordingSink();
    const bus = createMemoryEventBus();
    const failing: EventLog = {
      ...createMemoryEventLog(),
      since: () => Promise.reject(new Error('disk on fire')),
    };
    await new WorkspaceEventStream({ workspaceId: wsA, log: failing, bus, sink }).start({ after: 0 });
    expect(seen).toEqual(['ready:0', 'failed']);

    const closed = setup();
    await closed.start('latest');
    closed.stream.close();
    await publish(closed.log, closed.bus);
    expect(closed.seen).toEqual(['ready:0']);
  });

  it('ignores an event of another workspace even if the bus hands it over', async () => {
    const { log, bus, seen, start } = setup();
    await start('latest');
    const foreign = await log.append(wsB, 'member.online', { userId: user });
    bus.publish(wsA, { ...foreign, workspaceId: wsB, type: 'member.online', payload: { userId: user } });
    expect(seen).toEqual(['ready:0']);
  });
});
