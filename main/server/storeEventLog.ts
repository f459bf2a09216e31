import { workspaceEventSchema, type WorkspaceEvent } from '../../shared/ws';
import type { EventLog } from './signalling/events';
import type { JsonValue, Store } from './store';

/**
 * The signalling server's EventLog over the store: sequence numbers come from SQLite, so they survive restarts and
 * a client that reconnects (to this node or, later, another) resumes without a gap. Events the store kept but that
 * no longer match the current schema are skipped rather than sent.
 */
export function storeEventLog(store: Store): EventLog {
  return {
    async append(workspaceId, type, payload) {
      const event = await store.forWorkspace(workspaceId).events.append(type, payload as unknown as JsonValue);
      return { id: event.id, seq: event.seq, at: event.createdAt };
    },
    async since(workspaceId, afterSeq, limit) {
      const events = store.forWorkspace(workspaceId).events;
      const latest = await events.latestSeq();
      if (afterSeq > latest) return { resync: true };
      if (afterSeq === latest) return { events: [] };
      const oldest = await events.oldestSeq();
      if (oldest === 0 || afterSeq + 1 < oldest) return { resync: true };
      const stored = await events.since(afterSeq, limit);
      const out: WorkspaceEvent[] = [];
      for (const event of stored) {
        const parsed = workspaceEventSchema.safeParse({
          id: event.id,
          seq: event.seq,
          workspaceId: event.workspaceId,
          type: event.type,
          at: event.createdAt,
          payload: event.payload,
        });
        if (parsed.success) out.push(parsed.data);
      }
      return { events: out };
    },
    latestSeq: (workspaceId) => store.forWorkspace(workspaceId).events.latestSeq(),
  };
}
