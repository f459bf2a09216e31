/**
 * Group commit for a write that every caller must take turns on (a chain head, a counter row): while one
 * transaction holds the turn, the callers that arrive meanwhile wait together and go in the next transaction as one
 * batch. A node's round trips to PostgreSQL wait behind its own event loop, so under fan-out load a lock held across
 * three of them was held for tens of milliseconds per caller and the queue behind it grew without bound; batched, the
 * lock is taken once per batch and the work per caller is one more row in one statement.
 *
 * A lone caller goes at once (no timer, no added latency). Batches under one key run one after another; different
 * keys run side by side. If a batch of several fails, each of its callers is run again alone, so one bad entry
 * (a workspace deleted meanwhile, say) fails only its own caller.
 */
export function groupCommit<I, O>(
  run: (key: string, batch: readonly I[]) => Promise<readonly O[]>,
  maxBatch = 256,
): (key: string, item: I) => Promise<O> {
  interface Waiting {
    readonly item: I;
    readonly resolve: (value: O) => void;
    readonly reject: (error: unknown) => void;
  }
  const queues = new Map<string, Waiting[]>();

  async function settle(key: string, batch: readonly Waiting[]): Promise<void> {
    try {
      const results = await run(
        key,
        batch.map((waiting) => waiting.item),
      );
      if (results.length !== batch.length) throw new Error('a batch returned a different number of results');
      batch.forEach((waiting, index) => waiting.resolve(results[index] as O));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const waiting of batch) await settle(key, [waiting]);
    }
  }

  async function drain(key: string, queue: Waiting[]): Promise<void> {
    while (queue.length > 0) await settle(key, queue.splice(0, maxBatch));
    queues.delete(key);
  }

  return (key, item) =>
    new Promise<O>((resolve, reject) => {
      const queue = queues.get(key);
      if (queue !== undefined) {
        queue.push({ item, resolve, reject });
        return;
      }
      const started: Waiting[] = [{ item, resolve, reject }];
      queues.set(key, started);
      void drain(key, started);
    });
}
