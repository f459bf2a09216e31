import { getHeapSnapshot } from 'node:v8';

/**
 * Which of `needles` occur anywhere in a heap snapshot of this process (taking one runs a full GC first, so only
 * reachable values remain). Needles are Buffers, whose bytes live outside the JS heap, so the search itself leaves
 * nothing to find; the snapshot is streamed and searched with an overlap, never held whole.
 */
export async function heapContains(needles: readonly Buffer[]): Promise<boolean[]> {
  const found = needles.map(() => false);
  const overlap = Math.max(0, ...needles.map((needle) => needle.length)) - 1;
  let tail = Buffer.alloc(0);
  for await (const chunk of getHeapSnapshot()) {
    const window = Buffer.concat([tail, Buffer.from(chunk as Uint8Array)]);
    needles.forEach((needle, i) => {
      if (!found[i] && window.includes(needle)) found[i] = true;
    });
    tail = window.subarray(Math.max(0, window.length - overlap));
  }
  return found;
}
