import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { newId } from '../ids';
import type { JsonValue } from '../json';
import {
  attemptError,
  DELIVERY_COLUMNS,
  deliveryRecords,
  ENDPOINT_COLUMNS,
  endpointRecord,
  INTERRUPTED,
  statusAfter,
  type AttemptRow,
  type DeliveryRow,
  type EndpointRow,
  type SecretInfoRow,
} from '../webhooksQueries';
import type {
  AttemptResult,
  ClaimedDelivery,
  ScopedWebhooks,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookQueue,
} from '../webhookTypes';
import type { PgStoreContext } from './pgContext';
import { limitOf, referencingPg, type Sql } from './pgSql';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const LIVE_SECRETS_ORDER = 'ORDER BY expires_at IS NOT NULL, created_at DESC, id DESC';

/**
 * Webhook endpoints (scoped, as the application role) and the delivery queue (the dispatcher's, server-wide, as
 * the maintenance role). Two nodes run dispatchers against one queue: a claim locks the due rows it takes with
 * FOR UPDATE SKIP LOCKED, so the other node's claim passes over them, and the lease it writes in that same
 * transaction keeps them out of every later claim; an attempt is therefore sent by one node only.
 */
export function pgWebhooks({ db, now, fields }: PgStoreContext) {
  function scoped(workspaceId: string): ScopedWebhooks {
    const tx = <T>(work: (sql: Sql) => Promise<T>) => db.scoped(workspaceId, work);
    const endpointRow = (sql: Sql, id: string, lock = '') =>
      sql.row<EndpointRow>(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 ${lock}`,
        [workspaceId, id],
      );
    async function endpointOf(sql: Sql, row: EndpointRow): Promise<WebhookEndpoint> {
      const subscriptions = await sql.rows<{ event_type: string }>(
        'SELECT event_type FROM webhook_subscriptions WHERE workspace_id = $1 AND endpoint_id = $2 ORDER BY event_type',
        [workspaceId, row.id],
      );
      const secrets = await sql.rows<SecretInfoRow>(
        `SELECT id, created_at, expires_at FROM webhook_secrets
         WHERE workspace_id = $1 AND endpoint_id = $2 AND (expires_at IS NULL OR expires_at > $3) ${LIVE_SECRETS_ORDER}`,
        [workspaceId, row.id, now()],
      );
      return endpointRecord(row, subscriptions, secrets);
    }
    const reread = async (sql: Sql, id: string) => endpointOf(sql, present(await endpointRow(sql, id), 'webhook'));
    const subscribe = (sql: Sql, endpointId: string, types: readonly string[]) =>
      sql.run(
        `INSERT INTO webhook_subscriptions (workspace_id, endpoint_id, event_type)
         SELECT $1, $2, type FROM unnest($3::text[]) AS type ON CONFLICT DO NOTHING`,
        [workspaceId, endpointId, types],
      );
    const sealSecret = (sql: Sql, endpointId: string, secret: string, at: number) => {
      const id = newId(at);
      return sql.run(
        `INSERT INTO webhook_secrets (workspace_id, id, endpoint_id, secret, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, NULL)`,
        [workspaceId, id, endpointId, fields.seal(ENCRYPTED_COLUMNS.webhookSecret, id, utf8(secret)), at],
      );
    };
    async function withHistory(sql: Sql, rows: readonly DeliveryRow[]): Promise<WebhookDelivery[]> {
      if (rows.length === 0) return [];
      const attempts = await sql.rows<AttemptRow>(
        `SELECT event_id, attempt, started_at, finished_at, outcome, status_code, error FROM webhook_attempts
         WHERE workspace_id = $1 AND endpoint_id = $2 AND event_id = ANY($3::text[]) ORDER BY event_id, attempt`,
        [workspaceId, rows[0]?.endpoint_id ?? '', rows.map((row) => row.event_id)],
      );
      return deliveryRecords(rows, attempts);
    }
    const deliveryRow = (sql: Sql, endpointId: string, eventId: string) =>
      sql.row<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.workspace_id = $1 AND d.endpoint_id = $2 AND d.event_id = $3`,
        [workspaceId, endpointId, eventId],
      );

    return {
      create: (input) =>
        referencingPg(
          'the webhook',
          tx(async (sql) => {
            const at = now();
            const id = newId(at);
            await sql.run(
              `INSERT INTO webhook_endpoints (workspace_id, id, url, description, enabled, created_by, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
              [workspaceId, id, input.url, input.description, input.enabled, input.createdBy, at],
            );
            await subscribe(sql, id, input.events);
            await sealSecret(sql, id, input.secret, at);
            // The cursor starts at the end of what exists: an endpoint hears about what happens after it was
            // created. The audit seq is this workspace's newest (its policy shows no other), which fan-out, reading
            // only this workspace's entries, treats exactly as the server-wide newest.
            await sql.run(
              `INSERT INTO webhook_cursors (workspace_id, event_seq, audit_seq)
               SELECT id, last_event_seq, (SELECT coalesce(max(seq), 0) FROM audit_log WHERE workspace_id = $1)
               FROM workspaces WHERE id = $1
               ON CONFLICT (workspace_id) DO NOTHING`,
              [workspaceId],
            );
            return reread(sql, id);
          }),
        ),
      get: (endpointId) =>
        tx(async (sql) => {
          const row = await endpointRow(sql, endpointId);
          return row && endpointOf(sql, row);
        }),
      list: () =>
        tx(async (sql) => {
          const rows = await sql.rows<EndpointRow>(
            `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id`,
            [workspaceId],
          );
          const endpoints: WebhookEndpoint[] = [];
          for (const row of rows) endpoints.push(await endpointOf(sql, row));
          return endpoints;
        }),
      update: (endpointId, patch) =>
        tx(async (sql) => {
          const changed = await sql.run(
            `UPDATE webhook_endpoints SET url = coalesce($3, url), description = coalesce($4, description),
               enabled = coalesce($5, enabled), updated_at = $6
             WHERE workspace_id = $1 AND id = $2`,
            [workspaceId, endpointId, patch.url ?? null, patch.description ?? null, patch.enabled ?? null, now()],
          );
          if (changed !== 1) return undefined;
          if (patch.events !== undefined) {
            await sql.run('DELETE FROM webhook_subscriptions WHERE workspace_id = $1 AND endpoint_id = $2', [
              workspaceId,
              endpointId,
            ]);
            await subscribe(sql, endpointId, patch.events);
          }
          return reread(sql, endpointId);
        }),
      async delete(endpointId) {
        const removed = await tx((sql) =>
          sql.run('DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2', [workspaceId, endpointId]),
        );
        return removed === 1;
      },
      rotateSecret: (endpointId, input) =>
        tx(async (sql) => {
          if ((await endpointRow(sql, endpointId, 'FOR UPDATE')) === undefined) return undefined;
          const at = now();
          await sql.run(
            `UPDATE webhook_secrets SET expires_at = $3
             WHERE workspace_id = $1 AND endpoint_id = $2 AND expires_at IS NULL`,
            [workspaceId, endpointId, Math.max(at, input.retireAt)],
          );
          await sealSecret(sql, endpointId, input.secret, at);
          return reread(sql, endpointId);
        }),
      deliveries: (endpointId, limit) =>
        tx(async (sql) =>
          withHistory(
            sql,
            await sql.rows<DeliveryRow>(
              `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
               WHERE d.workspace_id = $1 AND d.endpoint_id = $2
               ORDER BY d.created_at DESC, d.event_id DESC LIMIT $3`,
              [workspaceId, endpointId, limitOf(limit)],
            ),
          ),
        ),
      delivery: (endpointId, eventId) =>
        tx(async (sql) => {
          const row = await deliveryRow(sql, endpointId, eventId);
          return row && (await withHistory(sql, [row]))[0];
        }),
      redeliver: (endpointId, eventId, standardAttempts) =>
        tx(async (sql) => {
          if ((await deliveryRow(sql, endpointId, eventId)) === undefined) return undefined;
          await sql.run(
            `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4, lease_until = NULL, updated_at = $4,
               extra_attempts = CASE WHEN status = 'pending' THEN extra_attempts
                 ELSE greatest(extra_attempts, attempts + 1 - $5) END
             WHERE workspace_id = $1 AND endpoint_id = $2 AND event_id = $3 AND status <> 'in_flight'`,
            [workspaceId, endpointId, eventId, now(), standardAttempts],
          );
          return (await withHistory(sql, [present(await deliveryRow(sql, endpointId, eventId), 'delivery')]))[0];
        }),
    };
  }

  /** Ends an in-flight attempt inside the caller's transaction; 'stale' when it is no longer the caller's. */
  async function settleAttempt(
    sql: Sql,
    key: { readonly endpointId: string; readonly eventId: string },
    attempt: number,
    result: AttemptResult,
    retryAt: number,
    standardAttempts: number,
  ): Promise<WebhookDeliveryStatus | 'stale'> {
    const at = now();
    const state = await sql.row<{ status: WebhookDeliveryStatus; attempts: number; extra_attempts: number }>(
      `SELECT status, attempts, extra_attempts FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2
       FOR UPDATE`,
      [key.endpointId, key.eventId],
    );
    if (state === undefined || state.status !== 'in_flight' || state.attempts !== attempt) return 'stale';
    const ended = await sql.run(
      `UPDATE webhook_attempts SET outcome = $4, status_code = $5, error = $6, finished_at = $7
       WHERE endpoint_id = $1 AND event_id = $2 AND attempt = $3 AND outcome = 'in_flight'`,
      [key.endpointId, key.eventId, attempt, result.outcome, result.statusCode, attemptError(result.error), at],
    );
    if (ended !== 1) return 'stale';
    const status = statusAfter(result, state, standardAttempts);
    await sql.run(
      `UPDATE webhook_deliveries SET status = $3, next_attempt_at = $4, lease_until = NULL, updated_at = $5
       WHERE endpoint_id = $1 AND event_id = $2 AND status = 'in_flight'`,
      [key.endpointId, key.eventId, status, status === 'pending' ? Math.max(retryAt, at) : null, at],
    );
    return status;
  }

  // Every method below is the maintenance role's: the queue serves all workspaces.
  const queue: WebhookQueue = {
    async cursors() {
      const rows = await db.maintenance((sql) =>
        sql.rows<{ workspace_id: string; event_seq: number; audit_seq: number }>(
          'SELECT workspace_id, event_seq, audit_seq FROM webhook_cursors ORDER BY workspace_id',
        ),
      );
      return rows.map((row) => ({ workspaceId: row.workspace_id, eventSeq: row.event_seq, auditSeq: row.audit_seq }));
    },
    fanOut: ({ cursor, next, events }) =>
      db.maintenance(async (sql) => {
        // Compare-and-set on the cursor: of two nodes fanning out the same range, one moves it, the other writes
        // nothing (its UPDATE waits for the first's commit, then finds the cursor moved).
        const moved = await sql.run(
          `UPDATE webhook_cursors SET event_seq = $4, audit_seq = $5
           WHERE workspace_id = $1 AND event_seq = $2 AND audit_seq = $3`,
          [cursor.workspaceId, cursor.eventSeq, cursor.auditSeq, next.eventSeq, next.auditSeq],
        );
        if (moved !== 1) return 0;
        const at = now();
        let queued = 0;
        for (const event of events) {
          const endpoints = await sql.rows<{ id: string }>(
            `SELECT ep.id FROM webhook_subscriptions sub JOIN webhook_endpoints ep ON ep.id = sub.endpoint_id
             WHERE sub.workspace_id = $1 AND sub.event_type = $2 AND ep.enabled`,
            [cursor.workspaceId, event.type],
          );
          if (endpoints.length === 0) continue;
          await sql.run(
            `INSERT INTO webhook_events (id, workspace_id, type, data, occurred_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
            [
              event.id,
              cursor.workspaceId,
              event.type,
              fields.seal(ENCRYPTED_COLUMNS.webhookEventData, event.id, utf8(JSON.stringify(event.data))),
              event.occurredAt,
              at,
            ],
          );
          queued += await sql.run(
            `INSERT INTO webhook_deliveries (endpoint_id, event_id, workspace_id, status, attempts, extra_attempts,
               next_attempt_at, lease_until, created_at, updated_at)
             SELECT endpoint_id, $2, $3, 'pending', 0, 0, $4, NULL, $4, $4 FROM unnest($1::text[]) AS endpoint_id
             ON CONFLICT DO NOTHING`,
            [endpoints.map((endpoint) => endpoint.id), event.id, cursor.workspaceId, at],
          );
        }
        return queued;
      }),
    claimDue: ({ limit, leaseMs }) =>
      db.maintenance(async (sql) => {
        const at = now();
        const due = await sql.rows<{
          endpoint_id: string;
          event_id: string;
          workspace_id: string;
          attempts: number;
          url: string;
        }>(
          `SELECT d.endpoint_id, d.event_id, d.workspace_id, d.attempts, ep.url
           FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
           WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND ep.enabled
           ORDER BY d.next_attempt_at LIMIT $2
           FOR UPDATE OF d SKIP LOCKED`,
          [at, limitOf(limit)],
        );
        const claimed: ClaimedDelivery[] = [];
        for (const row of due) {
          const key = { endpointId: row.endpoint_id, eventId: row.event_id };
          const leased = await sql.run(
            `UPDATE webhook_deliveries SET status = 'in_flight', attempts = attempts + 1, next_attempt_at = NULL,
               lease_until = $3, updated_at = $4
             WHERE endpoint_id = $1 AND event_id = $2 AND status = 'pending'`,
            [key.endpointId, key.eventId, at + leaseMs, at],
          );
          if (leased !== 1) continue;
          const attempt = row.attempts + 1;
          await sql.run(
            `INSERT INTO webhook_attempts (endpoint_id, event_id, workspace_id, attempt, started_at, outcome)
             VALUES ($1, $2, $3, $4, $5, 'in_flight')`,
            [key.endpointId, key.eventId, row.workspace_id, attempt, at],
          );
          const event = present(
            await sql.row<{ id: string; type: string; data: string; occurred_at: number }>(
              'SELECT id, type, data, occurred_at FROM webhook_events WHERE id = $1',
              [row.event_id],
            ),
            'webhook event',
          );
          const secrets = await sql.rows<{ id: string; secret: string }>(
            `SELECT id, secret FROM webhook_secrets WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)
             ${LIVE_SECRETS_ORDER}`,
            [row.endpoint_id, at],
          );
          const data = fields.open(ENCRYPTED_COLUMNS.webhookEventData, event.id, event.data).toString('utf8');
          claimed.push({
            ...key,
            workspaceId: row.workspace_id,
            attempt,
            url: row.url,
            secrets: secrets.map((s) => fields.open(ENCRYPTED_COLUMNS.webhookSecret, s.id, s.secret).toString('utf8')),
            event: {
              id: event.id,
              type: event.type,
              data: JSON.parse(data) as JsonValue,
              occurredAt: event.occurred_at,
            },
          });
        }
        return claimed;
      }),
    finish: (input) =>
      db.maintenance((sql) =>
        settleAttempt(
          sql,
          { endpointId: input.endpointId, eventId: input.eventId },
          input.attempt,
          input.result,
          input.retryAt,
          input.standardAttempts,
        ),
      ),
    recoverExpiredLeases: ({ retryAt, standardAttempts }) =>
      db.maintenance(async (sql) => {
        const expired = await sql.rows<{ endpoint_id: string; event_id: string; attempts: number }>(
          `SELECT endpoint_id, event_id, attempts FROM webhook_deliveries
           WHERE status = 'in_flight' AND lease_until <= $1 FOR UPDATE SKIP LOCKED`,
          [now()],
        );
        let recovered = 0;
        for (const row of expired) {
          const outcome = await settleAttempt(
            sql,
            { endpointId: row.endpoint_id, eventId: row.event_id },
            row.attempts,
            INTERRUPTED,
            retryAt(row.attempts),
            standardAttempts,
          );
          if (outcome !== 'stale') recovered += 1;
        }
        return recovered;
      }),
    async nextWakeAt() {
      const row = await db.maintenance((sql) =>
        sql.row<{ at: number | null }>(
          `SELECT least(
             (SELECT min(d.next_attempt_at) FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
               WHERE d.status = 'pending' AND ep.enabled),
             (SELECT min(lease_until) FROM webhook_deliveries WHERE status = 'in_flight')) AS at`,
        ),
      );
      return row?.at ?? null;
    },
    async counts() {
      const counts: Record<WebhookDeliveryStatus, number> = { pending: 0, in_flight: 0, succeeded: 0, failed: 0 };
      const rows = await db.maintenance((sql) =>
        sql.rows<{ status: WebhookDeliveryStatus; n: number }>(
          'SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status',
        ),
      );
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },
    prune: (before) =>
      db.maintenance(async (sql) => {
        const removed = await sql.run(
          `DELETE FROM webhook_deliveries WHERE status IN ('succeeded', 'failed') AND updated_at < $1`,
          [before],
        );
        await sql.run(
          `DELETE FROM webhook_events WHERE created_at < $1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`,
          [before],
        );
        await sql.run('DELETE FROM webhook_secrets WHERE expires_at IS NOT NULL AND expires_at <= $1', [now()]);
        return removed;
      }),
  };

  return { queue, scoped };
}
