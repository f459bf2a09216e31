import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { StoreError } from '../errors';
import { DEFAULT_EVENT_RETENTION_MS, MIN_EVENT_RETENTION_MS, toEvent, type EventRow } from '../eventsQueries';
import { newId } from '../ids';
import type { JsonValue } from '../json';
import type { EventRetention, ScopedEvents, WorkspaceEvent } from '../types';
import type { PgStoreContext } from './pgContext';
import { groupCommit } from './groupCommit';
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

  // The counter on the workspace row: the UPDATE holds the row's lock until commit, so appends from any number of
  // nodes get 1, 2, 3... in commit order, and pruning never makes a number come back. The appends a node gets for
  // one workspace while it holds that lock go in the next transaction together, numbered in the order they came.
  const appendBatch = groupCommit<{ type: string; payload: JsonValue }, WorkspaceEvent>((workspaceId, batch) =>
    db.scoped(workspaceId, async (sql) => {
      const last = await sql.row<{ seq: number }>(
        'UPDATE workspaces SET last_event_seq = last_event_seq + $2 WHERE id = $1 RETURNING last_event_seq AS seq',
        [workspaceId, batch.length],
      );
      if (last === undefined) throw new StoreError('unknown_workspace', `workspace ${workspaceId} does not exist`);
      const createdAt = now();
      const events = batch.map(({ type, payload }, index): WorkspaceEvent => ({
        id: newId(),
        workspaceId,
        seq: last.seq - batch.length + 1 + index,
        type,
        payload,
        createdAt,
      }));
      await sql.run(
        `INSERT INTO workspace_events (workspace_id, id, seq, type, payload, created_at)
         SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])`,
        [
          workspaceId,
          events.map((event) => event.id),
          events.map((event) => event.seq),
          events.map((event) => event.type),
          events.map((event) =>
            fields.seal(ENCRYPTED_COLUMNS.eventPayload, event.id, Buffer.from(JSON.stringify(event.payload), 'utf8')),
          ),
          events.map((event) => event.createdAt),
        ],
      );
      return events;
    }),
  );

  function scoped(workspaceId: string): ScopedEvents {
    const latest = async () =>
      (
        await db.scoped(workspaceId, (sql) =>
          sql.row<{ seq: number }>('SELECT last_event_seq AS seq FROM workspaces WHERE id = $1', [workspaceId]),
        )
      )?.seq ?? 0;
    return {
      append: (type, payload) => appendBatch(workspaceId, { type, payload }),
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
