import { randomUUID } from 'node:crypto';
import type { WorkspaceEvent, WorkspaceEventPayload, WorkspaceEventType } from '../../../shared/ws';
import { createMemoryPubSub } from './pubsub';

export interface AppendedEvent {
  readonly id: string;
  readonly seq: number;
  /** Unix milliseconds. */
  readonly at: number;
}

export type SinceResult = { readonly events: readonly WorkspaceEvent[] } | { readonly resync: true };

/**
 * Where workspace events and their sequence numbers live. Sequence numbers come from here, not from a server node,
 * so a client that reconnects to another node resumes without a gap. The store's implementation (SQLite, and a
 * second engine later) runs against the same contract as the memory one below.
 *
 * Contract:
 * - `seq` is per workspace, starts at 1 and increases by one per append (a gap is tolerated by readers but costs
 *   them an extra read).
 * - Events are kept at least 10 minutes (`EVENT_RETENTION_MS`).
 * - `since` returns events with seq > afterSeq in ascending order, at most `limit`; `{ resync: true }` when some of
 *   them are no longer kept, or when afterSeq is beyond the latest sequence (a cursor this log never issued).
 */
export interface EventLog {
  append<T extends WorkspaceEventType>(
    workspaceId: string,
    type: T,
    payload: WorkspaceEventPayload<T>,
  ): Promise<AppendedEvent>;
  since(workspaceId: string, afterSeq: number, limit: number): Promise<SinceResult>;
  /** The highest sequence appended in the workspace, 0 if none. */
  latestSeq(workspaceId: string): Promise<number>;
}

/**
 * Live delivery of stored events to every node's connections of one workspace; the topic is the workspace id, so
 * an event cannot reach another workspace's listeners. Publishers append to the EventLog first, then publish.
 */
export interface EventBus {
  publish(workspaceId: string, event: WorkspaceEvent): void;
  /** `onGap`: live events may have been lost (pubsub.ts); the subscriber reads the log from its cursor. */
  subscribe(workspaceId: string, listener: (event: WorkspaceEvent) => void, onGap?: () => void): () => void;
}

export const EVENT_RETENTION_MS = 10 * 60 * 1000;

export const createMemoryEventBus = (): EventBus => createMemoryPubSub<WorkspaceEvent>();

export interface MemoryEventLogOptions {
  /** Events are dropped once older than this; never below the contract's 10 minutes. */
  readonly retentionMs?: number;
  readonly now?: () => number;
}

interface WorkspaceLog {
  /** events[head..] are the kept ones, ascending by seq; the prefix is compacted away now and then. */
  events: WorkspaceEvent[];
  head: number;
  latest: number;
  /** Every seq up to this one has been dropped. */
  droppedThrough: number;
}

/** The in-process log, for tests and for a node without a store. */
export function createMemoryEventLog(options: MemoryEventLogOptions = {}): EventLog {
  const retentionMs = Math.max(options.retentionMs ?? EVENT_RETENTION_MS, EVENT_RETENTION_MS);
  const now = options.now ?? Date.now;
  const logs = new Map<string, WorkspaceLog>();

  function logOf(workspaceId: string): WorkspaceLog {
    let log = logs.get(workspaceId);
    if (log === undefined) logs.set(workspaceId, (log = { events: [], head: 0, latest: 0, droppedThrough: 0 }));
    return log;
  }

  function expire(log: WorkspaceLog, at: number): void {
    for (let oldest = log.events[log.head]; oldest !== undefined && at - oldest.at > retentionMs;) {
      log.droppedThrough = oldest.seq;
      log.head += 1;
      oldest = log.events[log.head];
    }
    if (log.head > 1024 && log.head * 2 > log.events.length) {
      log.events = log.events.slice(log.head);
      log.head = 0;
    }
  }

  return {
    async append(workspaceId, type, payload) {
      const log = logOf(workspaceId);
      const at = now();
      expire(log, at);
      const stored = { id: randomUUID(), seq: log.latest + 1, workspaceId, type, at, payload } as WorkspaceEvent;
      log.events.push(stored);
      log.latest = stored.seq;
      return { id: stored.id, seq: stored.seq, at };
    },
    async since(workspaceId, afterSeq, limit) {
      const log = logs.get(workspaceId) ?? { events: [], head: 0, latest: 0, droppedThrough: 0 };
      if (afterSeq < log.droppedThrough || afterSeq > log.latest) return { resync: true };
      // Sequences are dense, so the first event after afterSeq sits at a computable index.
      const first = log.events[log.head];
      const start = first === undefined ? log.events.length : log.head + Math.max(0, afterSeq + 1 - first.seq);
      return { events: log.events.slice(start, start + Math.max(0, limit)) };
    },
    async latestSeq(workspaceId) {
      return logs.get(workspaceId)?.latest ?? 0;
    },
  };
}
