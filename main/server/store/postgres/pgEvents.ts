import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { StoreError } from '../errors';
import { DEFAULT_EVENT_RETENTION_MS, MIN_EVENT_RETENTION_MS, toEvent, type EventRow } from '../eventsQueries';
import { newId } from '../ids';
import type { EventRetention, ScopedEvents, WorkspaceEvent } from '../types';
import type { PgStoreContext } from './pgContext';
import { limitOf } from './pgSql';

export function pgEvents({ db, now, fields }: PgStoreContext) {
  const retention: EventRetention = {
    async prune(retentionMs = DEFAULT_EVENT_RETENTION_MS) {
      if (!(retentionMs >= MIN_EVENT_RETENTION_MS)) {
        throw new StoreError('invalid_argument', `event retention must be at least ${MIN_EVENT_RETENTION_MS} ms`);
      }
      // Named cross-workspace operation: retention is one rule for every workspace's log.
      return db.maintenance((sql) =>
        sql.run('DELETE FROM workspace_events WHERE created_at < $1', [now() - retentionMs]),
      );
    },
  };

  function scoped(workspaceId: string): ScopedEvents {
    const latest = async () =>
      (
        await db.scoped(workspaceId, (sql) =>
          sql.row<{ seq: number }>('SELECT last_event_seq AS seq FROM workspaces WHERE id = $1', [workspaceId]),
        )
      )?.seq ?? 0;
    return {
      append: (type, payload) =>
        db.scoped(workspaceId, async (sql): Promise<WorkspaceEvent> => {
          // The counter on the workspace row: the UPDATE holds the row's lock until commit, so appends from any
          // number of nodes get 1, 2, 3... in commit order, and pruning never makes a number come back.
          const next = await sql.row<{ seq: number }>(
            'UPDATE workspaces SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq AS seq',
            [workspaceId],
          );
          if (next === undefined) throw new StoreError('unknown_workspace', `workspace ${workspaceId} does not exist`);
          const event = { id: newId(), workspaceId, seq: next.seq, type, payload, createdAt: now() };
          const sealed = fields.seal(
            ENCRYPTED_COLUMNS.eventPayload,
            event.id,
            Buffer.from(JSON.stringify(payload), 'utf8'),
          );
          await sql.run(
            `INSERT INTO workspace_events (workspace_id, id, seq, type, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
            [workspaceId, event.id, event.seq, type, sealed, event.createdAt],
          );
          return event;
        }),
      async since(afterSeq, limit) {
        const rows = await db.scoped(workspaceId, (sql) =>
          sql.rows<EventRow>(
            `SELECT id, workspace_id, seq, type, payload, created_at FROM workspace_events
             WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [workspaceId, afterSeq, limitOf(limit)],
          ),
        );
        return rows.map((row) => toEvent(row, fields));
      },
      async oldestSeq() {
        const row = await db.scoped(workspaceId, (sql) =>
          sql.row<{ oldest: number | null; latest: number | null }>(
            `SELECT (SELECT min(seq) FROM workspace_events WHERE workspace_id = $1) AS oldest,
                    (SELECT last_event_seq FROM workspaces WHERE id = $1) AS latest`,
            [workspaceId],
          ),
        );
        return row?.oldest ?? (row?.latest ?? 0) + 1;
      },
      latestSeq: latest,
    };
  }
  return { retention, scoped };
}
