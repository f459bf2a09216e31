/**
 * When a failed delivery is tried again (ARCHITECTURE.md, Webhooks): five attempts in all, the first at once and
 * the others 1 min, 5 min, 30 min and 2 h after the one before, each delay stretched by up to 10 % at random so
 * that receivers coming back from an outage are not hit by every sender in the same second.
 */
export const WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000];

export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;

export const WEBHOOK_RETRY_JITTER = 0.1;

/** The wait after attempt number `attempt` (1-based) failed; `random` returns [0, 1). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(1, Math.trunc(attempt)), WEBHOOK_RETRY_DELAYS_MS.length) - 1;
  const base = WEBHOOK_RETRY_DELAYS_MS[index] ?? 0;
  return base + Math.floor(base * WEBHOOK_RETRY_JITTER * Math.min(Math.max(random(), 0), 1));
}
