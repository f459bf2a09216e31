import type { JsonValue } from './json';

/**
 * Outbound webhooks in the store: endpoints and their secrets (workspace-scoped), and the durable delivery queue
 * with its fan-out outbox (server-wide, for the dispatcher). Times are Unix milliseconds from the store's clock.
 */

export type WebhookDeliveryStatus = 'pending' | 'in_flight' | 'succeeded' | 'failed';

export type WebhookAttemptOutcome =
  | 'in_flight'
  | 'succeeded'
  | 'http_error'
  | 'timeout'
  | 'network_error'
  | 'refused_address'
  /** The sender stopped (shutdown, crash) before it knew the answer: the attempt counts, and is never repeated. */
  | 'interrupted';

export interface WebhookSecretInfo {
  readonly id: string;
  readonly createdAt: number;
  /** Null for the current secret; set when a rotation retired it (it signs until then). */
  readonly expiresAt: number | null;
}

export interface WebhookEndpoint {
  readonly id: string;
  readonly workspaceId: string;
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Newest first; secrets whose grace period is over are left out. */
  readonly secrets: readonly WebhookSecretInfo[];
}

export interface NewWebhookEndpoint {
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
  readonly createdBy: string;
  /** The signing secret; sealed at rest and never returned by a read. */
  readonly secret: string;
}

export interface WebhookEndpointPatch {
  readonly url?: string;
  readonly description?: string;
  readonly events?: readonly string[];
  readonly enabled?: boolean;
}

export interface WebhookAttempt {
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt: number | null;
  readonly outcome: WebhookAttemptOutcome;
  readonly statusCode: number | null;
  readonly error: string | null;
}

export interface WebhookDelivery {
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  /** Attempts granted beyond the standard budget by manual redeliveries. */
  readonly extraAttempts: number;
  readonly nextAttemptAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Oldest first. */
  readonly history: readonly WebhookAttempt[];
}

export interface ScopedWebhooks {
  /** Also starts the workspace's fan-out cursor at the current end of its event log and audit entries. */
  create(input: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  get(endpointId: string): Promise<WebhookEndpoint | undefined>;
  list(): Promise<WebhookEndpoint[]>;
  update(endpointId: string, patch: WebhookEndpointPatch): Promise<WebhookEndpoint | undefined>;
  delete(endpointId: string): Promise<boolean>;
  /** Adds `secret` as current; the secrets current until now stop signing at `retireAt` (now: at once). */
  rotateSecret(
    endpointId: string,
    input: { readonly secret: string; readonly retireAt: number },
  ): Promise<WebhookEndpoint | undefined>;
  /** The endpoint's newest deliveries first, each with its attempt history. */
  deliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
  delivery(endpointId: string, eventId: string): Promise<WebhookDelivery | undefined>;
  /**
   * Sends a delivery again as soon as possible: a finished one (succeeded or failed) gets one more attempt beyond
   * what it has used, a pending one is brought forward, one in flight is left alone.
   */
  redeliver(endpointId: string, eventId: string, standardAttempts: number): Promise<WebhookDelivery | undefined>;
}

/** A source event, mapped to a webhook event by the fan-out, ready to be queued for every subscribed endpoint. */
export interface OutboxEvent {
  readonly id: string;
  readonly type: string;
  readonly data: JsonValue;
  readonly occurredAt: number;
}

export interface WebhookCursor {
  readonly workspaceId: string;
  readonly eventSeq: number;
  readonly auditSeq: number;
}

/** One attempt the queue handed to a sender: everything needed to build, sign and send it. */
export interface ClaimedDelivery {
  readonly endpointId: string;
  readonly eventId: string;
  readonly workspaceId: string;
  readonly attempt: number;
  readonly url: string;
  /** Live signing secrets, newest first. */
  readonly secrets: readonly string[];
  readonly event: OutboxEvent;
}

export interface AttemptResult {
  readonly outcome: Exclude<WebhookAttemptOutcome, 'in_flight'>;
  readonly statusCode: number | null;
  readonly error: string | null;
}

export interface WebhookQueue {
  /** Where fan-out stands in each workspace that has (or had) an endpoint. */
  cursors(): Promise<WebhookCursor[]>;
  /**
   * In one transaction: stores the events, queues a delivery for every enabled endpoint of the workspace that
   * subscribes to each event's type, and moves the cursor. A cursor that moved meanwhile (another node) wins and
   * nothing is written. Returns the deliveries queued.
   */
  fanOut(input: {
    readonly cursor: WebhookCursor;
    readonly next: { readonly eventSeq: number; readonly auditSeq: number };
    readonly events: readonly OutboxEvent[];
  }): Promise<number>;
  /** Leases up to `limit` due deliveries to this caller and records each one's attempt as started. */
  claimDue(input: { readonly limit: number; readonly leaseMs: number }): Promise<ClaimedDelivery[]>;
  /**
   * Records how the attempt ended. Success ends the delivery; otherwise it fails for good once `standardAttempts`
   * (plus any extra granted) are used up, or waits until `retryAt`. 'stale' when the attempt was no longer the
   * caller's (its lease ran out and it was recovered).
   */
  finish(input: {
    readonly endpointId: string;
    readonly eventId: string;
    readonly attempt: number;
    readonly result: AttemptResult;
    readonly retryAt: number;
    readonly standardAttempts: number;
  }): Promise<WebhookDeliveryStatus | 'stale'>;
  /** Ends attempts whose lease ran out as 'interrupted' and schedules their retries (`retryAt(attempt)`). */
  recoverExpiredLeases(input: {
    readonly retryAt: (attempt: number) => number;
    readonly standardAttempts: number;
  }): Promise<number>;
  /** The earliest time something becomes due (a pending delivery, or a lease running out), or null. */
  nextWakeAt(): Promise<number | null>;
  counts(): Promise<Readonly<Record<WebhookDeliveryStatus, number>>>;
  /** Deletes finished deliveries (and events nothing refers to) last updated before `before`. */
  prune(before: number): Promise<number>;
}
