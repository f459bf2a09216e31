import { fromFlag, present, referencing, toFlag, type Flag, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS } from './encryptedColumns';
import { newId } from './ids';
import type { JsonValue } from './json';
import { prepareScoped } from './scopedSql';
import type {
  AttemptResult,
  ClaimedDelivery,
  ScopedWebhooks,
  WebhookAttempt,
  WebhookAttemptOutcome,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookQueue,
} from './webhookTypes';

export interface EndpointRow {
  id: string;
  workspace_id: string;
  url: string;
  description: string;
  enabled: Flag;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DeliveryRow {
  endpoint_id: string;
  event_id: string;
  workspace_id: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  extra_attempts: number;
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface AttemptRow {
  event_id: string;
  attempt: number;
  started_at: number;
  finished_at: number | null;
  outcome: WebhookAttemptOutcome;
  status_code: number | null;
  error: string | null;
}

export const ENDPOINT_COLUMNS = 'id, workspace_id, url, description, enabled, created_by, created_at, updated_at';
export const DELIVERY_COLUMNS = `d.endpoint_id, d.event_id, d.workspace_id, e.type, d.status, d.attempts, d.extra_attempts,
  d.next_attempt_at, d.created_at, d.updated_at`;
const utf8 = (text: string) => Buffer.from(text, 'utf8');

export interface SecretInfoRow {
  id: string;
  created_at: number;
  expires_at: number | null;
}

export function endpointRecord(
  row: EndpointRow,
  subscriptions: readonly { event_type: string }[],
  secrets: readonly SecretInfoRow[],
): WebhookEndpoint {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    url: row.url,
    description: row.description,
    events: subscriptions.map((s) => s.event_type),
    enabled: fromFlag(row.enabled),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secrets: secrets.map((s) => ({ id: s.id, createdAt: s.created_at, expiresAt: s.expires_at })),
  };
}

/** Deliveries with their attempt histories (the attempts of those deliveries, in attempt order). */
export function deliveryRecords(rows: readonly DeliveryRow[], attempts: readonly AttemptRow[]): WebhookDelivery[] {
  const byEvent = new Map<string, WebhookAttempt[]>();
  for (const row of attempts) {
    const list = byEvent.get(row.event_id) ?? [];
    list.push({
      attempt: row.attempt,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      statusCode: row.status_code,
      error: row.error,
    });
    byEvent.set(row.event_id, list);
  }
  return rows.map((row) => ({
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.type,
    status: row.status,
    attempts: row.attempts,
    extraAttempts: row.extra_attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    history: byEvent.get(row.event_id) ?? [],
  }));
}

/** Where a delivery goes after an attempt: done on success, failed once its attempts are spent, else pending. */
export function statusAfter(
  result: AttemptResult,
  state: { readonly attempts: number; readonly extra_attempts: number },
  standardAttempts: number,
): WebhookDeliveryStatus {
  if (result.outcome === 'succeeded') return 'succeeded';
  return state.attempts >= standardAttempts + state.extra_attempts ? 'failed' : 'pending';
}

/** How an attempt whose lease ran out ends: the sender stopped (or died) before it knew the answer. */
export const INTERRUPTED: AttemptResult = {
  outcome: 'interrupted',
  statusCode: null,
  error: 'the sender stopped before the answer arrived',
};

/** What a sender learns of an attempt's error: its start, never a receiver's whole answer. */
export const attemptError = (error: string | null): string | null => (error === null ? null : error.slice(0, 200));

/**
 * Webhook endpoints (workspace-scoped, like channels) and the delivery queue (server-wide: the dispatcher serves
 * every workspace). Queue transitions are single transactions, so an attempt is started, finished or recovered
 * exactly once whatever crashes in between.
 */
export function webhooksQueries({ db, now, fields }: StoreContext) {
  const insertEndpoint = prepareScoped<{
    workspaceId: string;
    id: string;
    url: string;
    description: string;
    enabled: number;
    createdBy: string;
    now: number;
  }>(
    db,
    `INSERT INTO webhook_endpoints (id, workspace_id, url, description, enabled, created_by, created_at, updated_at)
     VALUES (@id, @workspaceId, @url, @description, @enabled, @createdBy, @now, @now)`,
  );
  const getEndpoint = prepareScoped<{ workspaceId: string; id: string }, EndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const listEndpoints = prepareScoped<{ workspaceId: string }, EndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = @workspaceId ORDER BY created_at, id`,
  );
  const updateEndpoint = prepareScoped<{
    workspaceId: string;
    id: string;
    url: string | null;
    description: string | null;
    enabled: number | null;
    now: number;
  }>(
    db,
    `UPDATE webhook_endpoints SET url = coalesce(@url, url), description = coalesce(@description, description),
       enabled = coalesce(@enabled, enabled), updated_at = @now
     WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const deleteEndpoint = prepareScoped<{ workspaceId: string; id: string }>(
    db,
    'DELETE FROM webhook_endpoints WHERE workspace_id = @workspaceId AND id = @id',
  );
  const insertSubscription = prepareScoped<{ workspaceId: string; endpointId: string; type: string }>(
    db,
    `INSERT INTO webhook_subscriptions (workspace_id, endpoint_id, event_type) VALUES (@workspaceId, @endpointId, @type)
     ON CONFLICT DO NOTHING`,
  );
  const clearSubscriptions = prepareScoped<{ workspaceId: string; endpointId: string }>(
    db,
    'DELETE FROM webhook_subscriptions WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId',
  );
  const subscriptions = prepareScoped<{ workspaceId: string; endpointId: string }, { event_type: string }>(
    db,
    `SELECT event_type FROM webhook_subscriptions WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId
     ORDER BY event_type`,
  );
  const insertSecret = prepareScoped<{
    workspaceId: string;
    id: string;
    endpointId: string;
    secret: string;
    now: number;
  }>(
    db,
    `INSERT INTO webhook_secrets (id, workspace_id, endpoint_id, secret, created_at, expires_at)
     VALUES (@id, @workspaceId, @endpointId, @secret, @now, NULL)`,
  );
  const retireSecrets = prepareScoped<{ workspaceId: string; endpointId: string; retireAt: number }>(
    db,
    `UPDATE webhook_secrets SET expires_at = @retireAt
     WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId AND expires_at IS NULL`,
  );
  const secretInfos = prepareScoped<
    { workspaceId: string; endpointId: string; now: number },
    { id: string; created_at: number; expires_at: number | null }
  >(
    db,
    `SELECT id, created_at, expires_at FROM webhook_secrets
     WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId AND (expires_at IS NULL OR expires_at > @now)
     ORDER BY expires_at IS NOT NULL, created_at DESC, id DESC`,
  );
  // The cursor starts at the end of what exists: an endpoint hears about what happens after it was created.
  const startCursor = prepareScoped<{ workspaceId: string }>(
    db,
    `INSERT INTO webhook_cursors (workspace_id, event_seq, audit_seq)
     SELECT id, last_event_seq, (SELECT coalesce(max(seq), 0) FROM audit_log) FROM workspaces WHERE id = @workspaceId
     ON CONFLICT (workspace_id) DO NOTHING`,
  );
  const listDeliveries = prepareScoped<{ workspaceId: string; endpointId: string; limit: number }, DeliveryRow>(
    db,
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.workspace_id = @workspaceId AND d.endpoint_id = @endpointId
     ORDER BY d.created_at DESC, d.event_id DESC LIMIT @limit`,
  );
  const getDelivery = prepareScoped<{ workspaceId: string; endpointId: string; eventId: string }, DeliveryRow>(
    db,
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.workspace_id = @workspaceId AND d.endpoint_id = @endpointId AND d.event_id = @eventId`,
  );
  const attemptsOf = prepareScoped<{ workspaceId: string; endpointId: string; eventIds: string }, AttemptRow>(
    db,
    `SELECT event_id, attempt, started_at, finished_at, outcome, status_code, error FROM webhook_attempts
     WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId AND event_id IN (SELECT value FROM json_each(@eventIds))
     ORDER BY event_id, attempt`,
  );
  const requeue = prepareScoped<{
    workspaceId: string;
    endpointId: string;
    eventId: string;
    standardAttempts: number;
    now: number;
  }>(
    db,
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @now, lease_until = NULL, updated_at = @now,
       extra_attempts = CASE WHEN status = 'pending' THEN extra_attempts
         ELSE max(extra_attempts, attempts + 1 - @standardAttempts) END
     WHERE workspace_id = @workspaceId AND endpoint_id = @endpointId AND event_id = @eventId AND status != 'in_flight'`,
  );

  // ---- the queue: server-wide ------------------------------------------------------------------------------
  const cursors = db.prepare<[], { workspace_id: string; event_seq: number; audit_seq: number }>(
    'SELECT workspace_id, event_seq, audit_seq FROM webhook_cursors ORDER BY workspace_id',
  );
  const moveCursor = db.prepare<{
    workspaceId: string;
    eventSeq: number;
    auditSeq: number;
    nextEventSeq: number;
    nextAuditSeq: number;
  }>(
    `UPDATE webhook_cursors SET event_seq = @nextEventSeq, audit_seq = @nextAuditSeq
     WHERE workspace_id = @workspaceId AND event_seq = @eventSeq AND audit_seq = @auditSeq`,
  );
  const subscribers = db.prepare<{ workspaceId: string; type: string }, { id: string }>(
    `SELECT ep.id FROM webhook_subscriptions sub JOIN webhook_endpoints ep ON ep.id = sub.endpoint_id
     WHERE sub.workspace_id = @workspaceId AND sub.event_type = @type AND ep.enabled = 1`,
  );
  const insertEvent = db.prepare(
    `INSERT INTO webhook_events (id, workspace_id, type, data, occurred_at, created_at)
     VALUES (@id, @workspaceId, @type, @data, @occurredAt, @now) ON CONFLICT (id) DO NOTHING`,
  );
  const insertDelivery = db.prepare(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, workspace_id, status, attempts, extra_attempts,
       next_attempt_at, lease_until, created_at, updated_at)
     VALUES (@endpointId, @eventId, @workspaceId, 'pending', 0, 0, @now, NULL, @now, @now) ON CONFLICT DO NOTHING`,
  );
  const due = db.prepare<
    { now: number; limit: number },
    { endpoint_id: string; event_id: string; workspace_id: string; attempts: number; url: string }
  >(
    `SELECT d.endpoint_id, d.event_id, d.workspace_id, d.attempts, ep.url
     FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND ep.enabled = 1
     ORDER BY d.next_attempt_at LIMIT @limit`,
  );
  const lease = db.prepare(
    `UPDATE webhook_deliveries SET status = 'in_flight', attempts = attempts + 1, next_attempt_at = NULL,
       lease_until = @leaseUntil, updated_at = @now
     WHERE endpoint_id = @endpointId AND event_id = @eventId AND status = 'pending'`,
  );
  const startAttempt = db.prepare(
    `INSERT INTO webhook_attempts (endpoint_id, event_id, workspace_id, attempt, started_at, outcome)
     VALUES (@endpointId, @eventId, @workspaceId, @attempt, @now, 'in_flight')`,
  );
  const eventById = db.prepare<[string], { id: string; type: string; data: string; occurred_at: number }>(
    'SELECT id, type, data, occurred_at FROM webhook_events WHERE id = ?',
  );
  const liveSecrets = db.prepare<{ endpointId: string; now: number }, { id: string; secret: string }>(
    `SELECT id, secret FROM webhook_secrets WHERE endpoint_id = @endpointId AND (expires_at IS NULL OR expires_at > @now)
     ORDER BY expires_at IS NOT NULL, created_at DESC, id DESC`,
  );
  const endAttempt = db.prepare(
    `UPDATE webhook_attempts SET outcome = @outcome, status_code = @statusCode, error = @error, finished_at = @now
     WHERE endpoint_id = @endpointId AND event_id = @eventId AND attempt = @attempt AND outcome = 'in_flight'`,
  );
  const deliveryState = db.prepare<
    { endpointId: string; eventId: string },
    { status: WebhookDeliveryStatus; attempts: number; extra_attempts: number }
  >(
    'SELECT status, attempts, extra_attempts FROM webhook_deliveries WHERE endpoint_id = @endpointId AND event_id = @eventId',
  );
  const settle = db.prepare(
    `UPDATE webhook_deliveries SET status = @status, next_attempt_at = @nextAttemptAt, lease_until = NULL,
       updated_at = @now
     WHERE endpoint_id = @endpointId AND event_id = @eventId AND status = 'in_flight'`,
  );
  const expiredLeases = db.prepare<{ now: number }, { endpoint_id: string; event_id: string; attempts: number }>(
    `SELECT endpoint_id, event_id, attempts FROM webhook_deliveries WHERE status = 'in_flight' AND lease_until <= @now`,
  );
  const nextWake = db.prepare<[], { at: number | null }>(
    `SELECT min(at) AS at FROM (
       SELECT min(d.next_attempt_at) AS at FROM webhook_deliveries d JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
         WHERE d.status = 'pending' AND ep.enabled = 1
       UNION ALL
       SELECT min(lease_until) FROM webhook_deliveries WHERE status = 'in_flight')`,
  );
  const countByStatus = db.prepare<[], { status: WebhookDeliveryStatus; n: number }>(
    'SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status',
  );
  const pruneDeliveries = db.prepare<{ before: number }>(
    `DELETE FROM webhook_deliveries WHERE status IN ('succeeded', 'failed') AND updated_at < @before`,
  );
  const pruneEvents = db.prepare<{ before: number }>(
    `DELETE FROM webhook_events WHERE created_at < @before
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`,
  );
  const pruneSecrets = db.prepare<{ now: number }>(
    'DELETE FROM webhook_secrets WHERE expires_at IS NOT NULL AND expires_at <= @now',
  );

  function endpointOf(row: EndpointRow): WebhookEndpoint {
    const scope = { workspaceId: row.workspace_id, endpointId: row.id };
    return endpointRecord(row, subscriptions.all(scope), secretInfos.all({ ...scope, now: now() }));
  }

  function sealSecret(workspaceId: string, endpointId: string, secret: string, at: number): void {
    const id = newId(at);
    const sealed = fields.seal(ENCRYPTED_COLUMNS.webhookSecret, id, utf8(secret));
    insertSecret.run({ workspaceId, id, endpointId, secret: sealed, now: at });
  }

  function withHistory(workspaceId: string, rows: readonly DeliveryRow[]): WebhookDelivery[] {
    if (rows.length === 0) return [];
    const endpointId = rows[0]?.endpoint_id ?? '';
    const eventIds = JSON.stringify(rows.map((row) => row.event_id));
    return deliveryRecords(rows, attemptsOf.all({ workspaceId, endpointId, eventIds }));
  }

  const create = db.transaction((workspaceId: string, input: Parameters<ScopedWebhooks['create']>[0]) => {
    const at = now();
    const id = newId(at);
    referencing('the webhook', () =>
      insertEndpoint.run({
        workspaceId,
        id,
        url: input.url,
        description: input.description,
        enabled: toFlag(input.enabled),
        createdBy: input.createdBy,
        now: at,
      }),
    );
    for (const type of input.events) insertSubscription.run({ workspaceId, endpointId: id, type });
    sealSecret(workspaceId, id, input.secret, at);
    startCursor.run({ workspaceId });
    return endpointOf(present(getEndpoint.get({ workspaceId, id }), 'webhook'));
  });

  const update = db.transaction(
    (workspaceId: string, id: string, patch: Parameters<ScopedWebhooks['update']>[1]): WebhookEndpoint | undefined => {
      const changed = updateEndpoint.run({
        workspaceId,
        id,
        url: patch.url ?? null,
        description: patch.description ?? null,
        enabled: patch.enabled === undefined ? null : toFlag(patch.enabled),
        now: now(),
      });
      if (changed.changes !== 1) return undefined;
      if (patch.events !== undefined) {
        clearSubscriptions.run({ workspaceId, endpointId: id });
        for (const type of patch.events) insertSubscription.run({ workspaceId, endpointId: id, type });
      }
      return endpointOf(present(getEndpoint.get({ workspaceId, id }), 'webhook'));
    },
  );

  const rotate = db.transaction(
    (workspaceId: string, id: string, secret: string, retireAt: number): WebhookEndpoint | undefined => {
      if (getEndpoint.get({ workspaceId, id }) === undefined) return undefined;
      const at = now();
      retireSecrets.run({ workspaceId, endpointId: id, retireAt: Math.max(at, retireAt) });
      sealSecret(workspaceId, id, secret, at);
      return endpointOf(present(getEndpoint.get({ workspaceId, id }), 'webhook'));
    },
  );

  const redeliver = db.transaction(
    (workspaceId: string, endpointId: string, eventId: string, standardAttempts: number) => {
      const key = { workspaceId, endpointId, eventId };
      if (getDelivery.get(key) === undefined) return undefined;
      requeue.run({ ...key, standardAttempts, now: now() });
      return withHistory(workspaceId, [present(getDelivery.get(key), 'delivery')])[0];
    },
  );

  const fanOut = db.transaction((input: Parameters<WebhookQueue['fanOut']>[0]): number => {
    const { cursor, next, events } = input;
    const moved = moveCursor.run({
      workspaceId: cursor.workspaceId,
      eventSeq: cursor.eventSeq,
      auditSeq: cursor.auditSeq,
      nextEventSeq: next.eventSeq,
      nextAuditSeq: next.auditSeq,
    });
    if (moved.changes !== 1) return 0;
    const at = now();
    let queued = 0;
    for (const event of events) {
      const endpoints = subscribers.all({ workspaceId: cursor.workspaceId, type: event.type });
      if (endpoints.length === 0) continue;
      insertEvent.run({
        id: event.id,
        workspaceId: cursor.workspaceId,
        type: event.type,
        data: fields.seal(ENCRYPTED_COLUMNS.webhookEventData, event.id, utf8(JSON.stringify(event.data))),
        occurredAt: event.occurredAt,
        now: at,
      });
      for (const endpoint of endpoints) {
        queued += insertDelivery.run({
          endpointId: endpoint.id,
          eventId: event.id,
          workspaceId: cursor.workspaceId,
          now: at,
        }).changes;
      }
    }
    return queued;
  });

  const claim = db.transaction((limit: number, leaseMs: number): ClaimedDelivery[] => {
    const at = now();
    const claimed: ClaimedDelivery[] = [];
    for (const row of due.all({ now: at, limit: Math.max(0, Math.trunc(limit)) })) {
      const key = { endpointId: row.endpoint_id, eventId: row.event_id };
      if (lease.run({ ...key, leaseUntil: at + leaseMs, now: at }).changes !== 1) continue;
      const attempt = row.attempts + 1;
      startAttempt.run({ ...key, workspaceId: row.workspace_id, attempt, now: at });
      const event = present(eventById.get(row.event_id), 'webhook event');
      const data = fields.open(ENCRYPTED_COLUMNS.webhookEventData, event.id, event.data).toString('utf8');
      claimed.push({
        ...key,
        workspaceId: row.workspace_id,
        attempt,
        url: row.url,
        secrets: liveSecrets
          .all({ endpointId: row.endpoint_id, now: at })
          .map((s) => fields.open(ENCRYPTED_COLUMNS.webhookSecret, s.id, s.secret).toString('utf8')),
        event: { id: event.id, type: event.type, data: JSON.parse(data) as JsonValue, occurredAt: event.occurred_at },
      });
    }
    return claimed;
  });

  function settleAttempt(
    key: { endpointId: string; eventId: string },
    attempt: number,
    result: AttemptResult,
    retryAt: number,
    standardAttempts: number,
  ): WebhookDeliveryStatus | 'stale' {
    const at = now();
    const state = deliveryState.get(key);
    if (state === undefined || state.status !== 'in_flight' || state.attempts !== attempt) return 'stale';
    const ended = endAttempt.run({
      ...key,
      attempt,
      outcome: result.outcome,
      statusCode: result.statusCode,
      error: attemptError(result.error),
      now: at,
    });
    if (ended.changes !== 1) return 'stale';
    const status = statusAfter(result, state, standardAttempts);
    settle.run({ ...key, status, nextAttemptAt: status === 'pending' ? Math.max(retryAt, at) : null, now: at });
    return status;
  }

  const finish = db.transaction((input: Parameters<WebhookQueue['finish']>[0]) =>
    settleAttempt(
      { endpointId: input.endpointId, eventId: input.eventId },
      input.attempt,
      input.result,
      input.retryAt,
      input.standardAttempts,
    ),
  );

  const recover = db.transaction((retryAt: (attempt: number) => number, standardAttempts: number): number => {
    let recovered = 0;
    for (const row of expiredLeases.all({ now: now() })) {
      const outcome = settleAttempt(
        { endpointId: row.endpoint_id, eventId: row.event_id },
        row.attempts,
        INTERRUPTED,
        retryAt(row.attempts),
        standardAttempts,
      );
      if (outcome !== 'stale') recovered += 1;
    }
    return recovered;
  });

  const prune = db.transaction((before: number) => {
    const removed = pruneDeliveries.run({ before }).changes;
    pruneEvents.run({ before });
    pruneSecrets.run({ now: now() });
    return removed;
  });

  const queue: WebhookQueue = {
    async cursors() {
      return cursors.all().map((row) => ({
        workspaceId: row.workspace_id,
        eventSeq: row.event_seq,
        auditSeq: row.audit_seq,
      }));
    },
    async fanOut(input) {
      return fanOut.immediate(input);
    },
    async claimDue({ limit, leaseMs }) {
      return claim.immediate(limit, leaseMs);
    },
    async finish(input) {
      return finish.immediate(input);
    },
    async recoverExpiredLeases({ retryAt, standardAttempts }) {
      return recover.immediate(retryAt, standardAttempts);
    },
    async nextWakeAt() {
      return nextWake.get()?.at ?? null;
    },
    async counts() {
      const counts: Record<WebhookDeliveryStatus, number> = { pending: 0, in_flight: 0, succeeded: 0, failed: 0 };
      for (const row of countByStatus.all()) counts[row.status] = row.n;
      return counts;
    },
    async prune(before) {
      return prune.immediate(before);
    },
  };

  return {
    queue,
    scoped(workspaceId: string): ScopedWebhooks {
      return {
        async create(input) {
          return create.immediate(workspaceId, input);
        },
        async get(endpointId) {
          const row = getEndpoint.get({ workspaceId, id: endpointId });
          return row && endpointOf(row);
        },
        async list() {
          return listEndpoints.all({ workspaceId }).map(endpointOf);
        },
        async update(endpointId, patch) {
          return update.immediate(workspaceId, endpointId, patch);
        },
        async delete(endpointId) {
          return deleteEndpoint.run({ workspaceId, id: endpointId }).changes === 1;
        },
        async rotateSecret(endpointId, input) {
          return rotate.immediate(workspaceId, endpointId, input.secret, input.retireAt);
        },
        async deliveries(endpointId, limit) {
          const rows = listDeliveries.all({ workspaceId, endpointId, limit: Math.max(0, Math.trunc(limit)) });
          return withHistory(workspaceId, rows);
        },
        async delivery(endpointId, eventId) {
          const row = getDelivery.get({ workspaceId, endpointId, eventId });
          return row && withHistory(workspaceId, [row])[0];
        },
        async redeliver(endpointId, eventId, standardAttempts) {
          return redeliver.immediate(workspaceId, endpointId, eventId, standardAttempts);
        },
      };
    },
  };
}
