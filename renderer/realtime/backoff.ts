/** First retry after about half a second, doubling to a 15 s ceiling. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

/**
 * "Equal jitter" backoff: half the exponential delay fixed, half random. After a server restart every client
 * reconnects at once; the random half spreads them out, the fixed half keeps one client from retrying in a tight loop.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 16)));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** How far apart a draining node's clients spread their reconnections. */
export const DRAIN_RECONNECT_SPREAD_MS = 2_000;

/**
 * A node that is draining (close code 4005) asked its clients to go elsewhere now: nothing failed, so no backoff,
 * only a uniformly random wait that keeps its thousands of clients from landing on the other nodes in one instant.
 */
export function drainReconnectDelay(random: () => number = Math.random): number {
  return Math.round(DRAIN_RECONNECT_SPREAD_MS * random());
}
