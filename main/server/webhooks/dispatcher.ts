import type { AttemptResult, ClaimedDelivery, Store } from '../store';
import { fanOutPending } from './fanOut';
import { postWebhook, trustContext } from './httpsDelivery';
import { retryDelayMs, WEBHOOK_MAX_ATTEMPTS } from './retrySchedule';
import { deliveryBody, deliveryHeaders } from './signing';
import { resolveTarget, systemLookup, type LookupAll } from './targetAddress';
import type { WebhookConfig } from './webhookConfig';

export interface WebhookDispatcherOptions {
  readonly store: Store;
  readonly config: WebhookConfig;
  /** Extra trusted CA certificates (PEM) for receivers, read from config.caFile by the caller. */
  readonly extraCa?: string;
  /** Unix milliseconds; the retry clock. Tests move it instead of waiting hours. */
  readonly now?: () => number;
  /** [0, 1): the retry jitter. */
  readonly random?: () => number;
  readonly lookup?: LookupAll;
  readonly log?: (message: string) => void;
}

export interface WebhookDispatcher {
  /** Starts polling for new events and due retries. */
  start(): void;
  /**
   * Fans out, sends everything due now and waits for those attempts to finish, until nothing more is due: what
   * tests call after moving the clock, instead of waiting for the next poll.
   */
  runDue(): Promise<void>;
  /** Stops polling; attempts in flight end as 'interrupted' (counted, never repeated) before this resolves. */
  close(): Promise<void>;
}

/** Finished deliveries are kept this long for the admin's history, then pruned. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3600_000;
const PRUNE_INTERVAL_MS = 3600_000;
/** A lease outlives any attempt (both timeouts) by this much, so only a dead sender's lease ever runs out. */
const LEASE_MARGIN_MS = 30_000;

/**
 * The delivery loop over the store's durable queue. Every state change is a store transaction: claiming an attempt
 * records it as started before a byte is sent, and its end is recorded before the next one can be claimed, so a
 * restart at any point loses no delivery and never sends the same attempt twice (an attempt cut off by a crash or
 * shutdown is recorded as 'interrupted' and the next one waits out the usual backoff).
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const { store, config } = options;
  const queue = store.webhookQueue;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const policy = {
    lookup: options.lookup ?? systemLookup,
    allowPrivateTargets: new Set(config.allowPrivateTargets),
  };
  const trust = options.extraCa === undefined ? undefined : trustContext(options.extraCa);
  const leaseMs = config.connectTimeoutMs + config.responseTimeoutMs + LEASE_MARGIN_MS;
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let closed = false;
  let pass: Promise<boolean> | null = null;
  let nextPruneAt = 0;

  const retryAt = (attempt: number) => now() + retryDelayMs(attempt, random);

  async function attempt(claim: ClaimedDelivery, signal: AbortSignal): Promise<AttemptResult> {
    const url = new URL(claim.url);
    const body = deliveryBody(claim);
    const target = await resolveTarget(url, policy);
    if (!target.ok)
      return {
        outcome: target.code === 'refused_address' ? 'refused_address' : 'network_error',
        statusCode: null,
        error: target.message,
      };
    if (signal.aborted)
      return { outcome: 'interrupted', statusCode: null, error: 'the server stopped during the attempt' };
    return postWebhook({
      url,
      address: target,
      body,
      headers: deliveryHeaders(claim, body, Math.floor(now() / 1000)),
      ...(trust === undefined ? {} : { trust }),
      connectTimeoutMs: config.connectTimeoutMs,
      responseTimeoutMs: config.responseTimeoutMs,
      signal,
    });
  }

  function launch(claim: ClaimedDelivery): void {
    const key = `${claim.endpointId}/${claim.eventId}`;
    const controller = new AbortController();
    const done = (async () => {
      let result: AttemptResult;
      try {
        result = await attempt(claim, controller.signal);
      } catch {
        result = { outcome: 'network_error', statusCode: null, error: 'the attempt failed unexpectedly' };
      }
      try {
        const status = await queue.finish({
          endpointId: claim.endpointId,
          eventId: claim.eventId,
          attempt: claim.attempt,
          result,
          retryAt: retryAt(claim.attempt),
          standardAttempts: WEBHOOK_MAX_ATTEMPTS,
        });
        if (status === 'failed') log(`webhook delivery ${claim.eventId} failed after ${claim.attempt} attempts`);
      } catch (error) {
        // The lease will run out and the attempt be recovered as interrupted: nothing is lost, nothing resent early.
        log(`webhook: recording an attempt failed (${error instanceof Error ? error.name : 'error'})`);
      } finally {
        inFlight.delete(key);
      }
      schedule(0);
    })();
    inFlight.set(key, { controller, done });
  }

  /** One pass: recover dead leases, fan out, claim what is due for the free slots. True when it found work. */
  async function runPass(): Promise<boolean> {
    let busy = false;
    try {
      if (now() >= nextPruneAt) {
        nextPruneAt = now() + PRUNE_INTERVAL_MS;
        await queue.prune(now() - DELIVERY_RETENTION_MS);
      }
      await queue.recoverExpiredLeases({ retryAt, standardAttempts: WEBHOOK_MAX_ATTEMPTS });
      const fanned = await fanOutPending(store);
      busy = fanned.more || fanned.queued > 0;
      const free = config.concurrency - inFlight.size;
      if (free > 0 && !closed) {
        const claims = await queue.claimDue({ limit: free, leaseMs });
        for (const claim of claims) launch(claim);
        busy ||= claims.length > 0;
      }
    } catch (error) {
      log(`webhook: dispatch pass failed (${error instanceof Error ? error.name : 'error'})`);
    }
    return busy;
  }

  /** Passes never overlap: a caller that arrives during one waits for it and then runs its own. */
  async function passOnce(): Promise<boolean> {
    while (pass !== null) await pass;
    pass = runPass();
    try {
      return await pass;
    } finally {
      pass = null;
    }
  }

  function schedule(delayMs: number): void {
    if (closed || !started) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void passOnce().then((busy) => schedule(busy ? 0 : config.pollIntervalMs));
    }, delayMs);
    timer.unref();
  }

  return {
    start() {
      started = true;
      schedule(0);
    },
    async runDue() {
      for (;;) {
        const busy = await passOnce();
        const running = [...inFlight.values()].map((entry) => entry.done);
        await Promise.all(running);
        if (!busy && running.length === 0) return;
      }
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      while (pass !== null) await pass;
      const running = [...inFlight.values()];
      for (const entry of running) entry.controller.abort();
      await Promise.all(running.map((entry) => entry.done));
    },
  };
}
