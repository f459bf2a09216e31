import { FRAME_MS } from './pcm';

export interface FramePacer {
  /** Frames emitted so far. */
  readonly frames: () => number;
  /** Frames skipped after the event loop stalled for longer than the catch-up window. */
  readonly skipped: () => number;
  stop(): void;
}

/** Frames the pacer may emit back to back after a stall; beyond that it skips ahead rather than burst. */
const MAX_CATCH_UP_FRAMES = 10;

/**
 * Calls `onFrame` once per 10 ms of wall time. Each wake-up is scheduled against the absolute start time rather
 * than the previous tick, so timer lateness (about a millisecond per tick in Node) never accumulates into drift; a
 * late tick emits the frames that fell due, up to MAX_CATCH_UP_FRAMES.
 */
export function startFramePacer(
  onFrame: (index: number) => void,
  now: () => number = () => performance.now(),
): FramePacer {
  const start = now();
  let emitted = 0;
  let skipped = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  function tick(): void {
    timer = null;
    if (stopped) return;
    const due = Math.floor((now() - start) / FRAME_MS) + 1;
    if (due - emitted > MAX_CATCH_UP_FRAMES) {
      skipped += due - emitted - MAX_CATCH_UP_FRAMES;
      emitted = due - MAX_CATCH_UP_FRAMES;
    }
    while (emitted < due && !stopped) onFrame(emitted++);
    if (stopped) return;
    timer = setTimeout(tick, Math.max(0, start + emitted * FRAME_MS - now()));
  }
  tick();

  return {
    frames: () => emitted,
    skipped: () => skipped,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
