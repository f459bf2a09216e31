import { newId, type OutboxEvent, type Store } from '../store';
import { fromAuditEntry, fromWorkspaceEvent } from './eventSources';

/** Source entries read per workspace and source in one pass; a full page makes the dispatcher come back at once. */
export const FAN_OUT_PAGE = 500;

/**
 * The outbox reader: for each workspace with webhooks, reads the event log and the audit entries after its cursor,
 * maps what webhooks carry (eventSources.ts) and hands it to the store, which queues the deliveries and moves the
 * cursor in one transaction. Reading from the stored logs rather than listening to the live bus is what makes
 * fan-out survive a restart: whatever was committed before a crash is read after it. Returns whether any page was
 * full (more to read).
 */
export async function fanOutPending(store: Store): Promise<{ readonly queued: number; readonly more: boolean }> {
  let queued = 0;
  let more = false;
  for (const cursor of await store.webhookQueue.cursors()) {
    const scope = store.forWorkspace(cursor.workspaceId);
    const [events, audit] = await Promise.all([
      scope.events.since(cursor.eventSeq, FAN_OUT_PAGE),
      scope.audit.since(cursor.auditSeq, FAN_OUT_PAGE),
    ]);
    if (events.length === 0 && audit.length === 0) continue;
    more ||= events.length === FAN_OUT_PAGE || audit.length === FAN_OUT_PAGE;
    const mapped: OutboxEvent[] = [];
    for (const event of events) {
      const webhook = fromWorkspaceEvent(event);
      // The workspace event's own id: receivers that also watch the app's events can match them up.
      if (webhook !== null) mapped.push({ id: event.id, ...webhook, occurredAt: event.createdAt });
    }
    for (const entry of audit) {
      const webhook = fromAuditEntry(entry);
      if (webhook !== null) mapped.push({ id: newId(entry.at), ...webhook, occurredAt: entry.at });
    }
    mapped.sort((a, b) => a.occurredAt - b.occurredAt);
    queued += await store.webhookQueue.fanOut({
      cursor,
      next: {
        eventSeq: events.at(-1)?.seq ?? cursor.eventSeq,
        auditSeq: audit.at(-1)?.seq ?? cursor.auditSeq,
      },
      events: mapped,
    });
  }
  return { queued, more };
}
