import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived the last full collection before it starts the next one (V8's
 * `--heap-growing-percent`; 0, its default, means "decide from the GC's speed", which came out near 10 % here).
 *
 * Why the server sets it: V8 counts ArrayBuffer memory (every socket read, every AES-GCM output) against the same
 * limit, young buffers included. A server holding a few hundred sessions (a 37 MB heap) and streaming a 24 MiB
 * upload reached that limit every few megabytes, and a full collection marks the whole heap each time: `perf` on
 * bench:chat's server showed concurrent marking and sweeping at about a third of its samples during uploads, more
 * than the hashing and the encryption together. At 100 % (the heap may double before the next full collection)
 * the server's CPU per encrypted 24 MiB upload went from 222 to 73 ms and the bare HTTPS upload's from 60 to 25 ms,
 * for at most twice the heap's live size in memory (tens of megabytes).
 */
export const SERVER_HEAP_GROWING_PERCENT = 100;

/**
 * Applies the server's heap tuning to this process. The server always runs in a process of its own (the headless
 * CLI, the desktop app's utility process); in a test process it changes only when V8 collects, never what runs.
 */
export function tuneServerHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`);
}
