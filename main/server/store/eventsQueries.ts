import type { StoreContext } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import { StoreError } from './errors';
import { newId } from './ids';
import type { JsonValue } from './json';
import { prepareScoped } from './scopedSql';
import type { EventRetention, ScopedEvents, WorkspaceEvent } from './types';

export interface EventRow {
  id: string;
  workspace_id: string;
  seq: number;
  type: string;
  payload: string;
  created_at: number;
}

/** A client that reconnects within 10 minutes must be able to resume (ARCHITECTURE.md, Events). */
export const MIN_EVENT_RETENTION_MS = 10 * 60 * 1000;
export const DEFAULT_EVENT_RETENTION_MS = 15 * 60 * 1000;

/** Event statements, prepared once per store; `scoped` binds them to one workspace. */
export function eventsQueries({ db, now, fields }: StoreContext) {
  // The counter lives on the workspace row, not in MAX(seq): pruning must never make a number come back, and
  // the UPDATE takes the row's write lock, which serialises appends the same way in PostgreSQL.
  const nextSeq = prepareScoped<{ workspaceId: string }, { seq: number }>(
    db,
    'UPDATE workspaces SET last_event_seq = last_event_seq + 1 WHERE id = @workspaceId RETURNING last_event_seq AS seq',
  );
  const insert = prepareScoped<{
    workspaceId: string;
    id: string;
    seq: number;
    type: string;
    payload: string;
    now: number;
  }>(
    db,
    `INSERT INTO workspace_events (id, workspace_id, seq, type, payload, created_at)
     VALUES (@id, @workspaceId, @seq, @type, @payload, @now)`,
  );
  const since = prepareScoped<{ workspaceId: string; afterSeq: number; limit: number }, EventRow>(
    db,
    `SELECT id, workspace_id, seq, type, payload, created_at FROM workspace_events
     WHERE workspace_id = @workspaceId AND seq > @afterSeq ORDER BY seq LIMIT @limit`,
  );
  const oldest = prepareScoped<{ workspaceId: string }, { seq: number | null }>(
    db,
    'SELECT min(seq) AS seq FROM workspace_events WHERE workspace_id = @workspaceId',
  );
  const latest = prepareScoped<{ workspaceId: string }, { seq: number }>(
    db,
    'SELECT last_event_seq AS seq FROM workspaces WHERE id = @workspaceId',
  );
  const prune = db.prepare<{ before: number }>('DELETE FROM workspace_events WHERE created_at < @before');

  const oldestKept = db.transaction((workspaceId: string) => {
    return oldest.get({ workspaceId })?.seq ?? (latest.get({ workspaceId })?.seq ?? 0) + 1;
  });

  const append = db.transaction((workspaceId: string, type: string, payload: JsonValue): WorkspaceEvent => {
    const seq = nextSeq.get({ workspaceId })?.seq;
    if (seq === undefined) throw new StoreError('unknown_workspace', `workspace ${workspaceId} does not exist`);
    const event = { id: newId(), workspaceId, seq, type, payload, createdAt: now() };
    // Sealed: payloads carry message bodies and file names (docs/chat.md), and presence says who was around when.
    const sealed = fields.seal(ENCRYPTED_COLUMNS.eventPayload, event.id, Buffer.from(JSON.stringify(payload), 'utf8'));
    insert.run({ ...event, payload: sealed, now: event.createdAt });
    return event;
  });

  return {
    retention: {
      async prune(retentionMs = DEFAULT_EVENT_RETENTION_MS) {
        if (!(retentionMs >= MIN_EVENT_RETENTION_MS)) {
          throw new StoreError('invalid_argument', `event retention must be at least ${MIN_EVENT_RETENTION_MS} ms`);
        }
        return prune.run({ before: now() - retentionMs }).changes;
      },
    } satisfies EventRetention,
    scoped(workspaceId: string): ScopedEvents {
      return {
        async append(type, payload) {
          return append.immediate(workspaceId, type, payload);
        },
        async since(afterSeq, limit) {
          // A negative LIMIT means "no limit" to SQLite; a caller's bad arithmetic must not mean "everything".
          const rows = since.all({ workspaceId, afterSeq, limit: Math.max(0, Math.trunc(limit)) });
          return rows.map((row) => toEvent(row, fields));
        },
        async oldestSeq() {
          return oldestKept(workspaceId);
        },
        async latestSeq() {
          return latest.get({ workspaceId })?.seq ?? 0;
        },
      };
    },
  };
}

export function toEvent(row: EventRow, fields: FieldCodec): WorkspaceEvent {
  const payload = fields.open(ENCRYPTED_COLUMNS.eventPayload, row.id, row.payload);
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    seq: row.seq,
    type: row.type,
    payload: JSON.parse(payload.toString('utf8')) as JsonValue,
    createdAt: row.created_at,
  };
}
