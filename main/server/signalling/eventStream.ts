import type { ResyncReason, WorkspaceEvent } from '../../../shared/ws';
import type { EventBus, EventLog } from './events';

/** Where one connection's workspace events go, in order. */
export interface EventSink {
  /** Called once, before anything else: the events that follow are those after `seq`. */
  ready(seq: number): void;
  event(event: WorkspaceEvent): void;
  /** The client must reload the workspace's state; the events that follow are those after `seq`. */
  resync(reason: ResyncReason, seq: number): void;
  /** The log failed; the stream has stopped and will deliver nothing more. */
  failed(error: unknown): void;
  /**
   * Resolves once the client has taken in most of what was sent. A replay awaits it between pages, so a long
   * replay to a slow link waits for the link instead of piling up in memory (or being cut off as a slow reader).
   */
  drained?(): Promise<void>;
}

/** Start from "now" (a client without state) or after the last sequence the client saw. */
export type StreamStart = 'latest' | { readonly after: number };

export interface EventStreamOptions {
  readonly workspaceId: string;
  readonly log: EventLog;
  readonly bus: EventBus;
  readonly sink: EventSink;
  readonly pageSize?: number;
  /** A client that missed more than this gets `resync` (reloading is cheaper than the replay). */
  readonly maxReplay?: number;
  /**
   * How long a live event that skipped ahead waits for the ones it overtook before the gap is read from the log.
   * Across nodes, publishes overtake each other all the time by a few milliseconds; reading the log at once made
   * every socket of the workspace query the database for each such pair, which at 100 events/s and a few hundred
   * sockets exhausted the pool and closed sockets.
   */
  readonly gapWaitMs?: number;
}

export const DEFAULT_GAP_WAIT_MS = 250;

/**
 * One connection's view of its workspace's events: every event after the cursor exactly once, in sequence order.
 *
 * It subscribes to the bus before it reads the log, and holds live events while it reads; afterwards the held
 * events at or below the last one read are dropped as duplicates. A live event that skips ahead of the cursor
 * (another node's publish overtaking, or a late publish on this one) is held too; if what it overtook has not come
 * within `gapWaitMs`, the gap is read from the log, which already has it: publishers append before they publish. So
 * neither a replay racing with publishes nor an out-of-order bus produces a gap or a duplicate.
 */
export class WorkspaceEventStream {
  private cursor = 0;
  private mode: 'idle' | 'catchingUp' | 'live' | 'closed' = 'idle';
  private held: WorkspaceEvent[] = [];
  /** The bus said it may have lost events while a catch-up was running: read the log once more after it. */
  private gapPending = false;
  private unsubscribe: () => void = () => {};
  /** While live events wait for the ones they overtook. */
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  /** `reached()` callers, woken as the cursor passes their sequence or the stream stops. */
  private waiters: { readonly seq: number; readonly wake: () => void }[] = [];
  private readonly pageSize: number;
  private readonly maxReplay: number;
  private readonly gapWaitMs: number;

  constructor(private readonly options: EventStreamOptions) {
    this.pageSize = options.pageSize ?? 500;
    this.maxReplay = options.maxReplay ?? 10_000;
    this.gapWaitMs = options.gapWaitMs ?? DEFAULT_GAP_WAIT_MS;
  }

  /** Resolves once the initial replay (if any) is done and the stream is live, or has failed. */
  async start(from: StreamStart): Promise<void> {
    if (this.mode !== 'idle') throw new Error('The event stream was already started');
    this.mode = 'catchingUp';
    const { bus, log, workspaceId, sink } = this.options;
    this.unsubscribe = bus.subscribe(
      workspaceId,
      (event) => this.onPublished(event),
      () => this.onGap(),
    );
    try {
      this.moveCursor(from === 'latest' ? await log.latestSeq(workspaceId) : from.after);
      if (this.isClosed()) return;
      sink.ready(this.cursor);
      if (from === 'latest') this.release();
      else await this.catchUp();
    } catch (error) {
      this.fail(error);
    }
  }

  close(): void {
    this.mode = 'closed';
    this.held = [];
    this.stopGapWait();
    this.unsubscribe();
    this.wakeWaiters();
  }

  /**
   * An event this node has just appended and published: taken in at once, as if the bus had brought it (the bus's
   * copy then counts as a duplicate). Lets a connection see the events its own actions caused without waiting
   * for a round trip through a shared bus.
   */
  offer(event: WorkspaceEvent): void {
    this.onPublished(event);
  }

  /** Resolves once the stream has passed `seq` (delivered it, or skipped past it in a resync), or has stopped. */
  reached(seq: number): Promise<void> {
    if (this.cursor >= seq || this.isClosed()) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ seq, wake }));
  }

  private moveCursor(seq: number): void {
    this.cursor = seq;
    if (this.waiters.length > 0) this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (this.isClosed() || this.cursor >= waiter.seq) waiter.wake();
      else this.waiters.push(waiter);
    }
  }

  private isClosed(): boolean {
    return this.mode === 'closed';
  }

  private onPublished(event: WorkspaceEvent): void {
    // Defence in depth: even a bus that mixed topics up must not carry an event into another workspace.
    if (event.workspaceId !== this.options.workspaceId || this.isClosed()) return;
    if (this.mode === 'live') this.deliver(event);
    else this.held.push(event);
  }

  /**
   * Live events may have been lost (a shared bus reconnected): they are all in the log, which publishers write
   * first, so the stream reads it from its cursor, as after a skipped sequence.
   */
  private onGap(): void {
    if (this.mode === 'live') void this.catchUp();
    else if (this.mode === 'catchingUp') this.gapPending = true;
  }

  private deliver(event: WorkspaceEvent): void {
    if (event.seq <= this.cursor) return;
    if (event.seq === this.cursor + 1) {
      this.moveCursor(event.seq);
      this.options.sink.event(event);
      this.deliverHeldInSequence();
      return;
    }
    this.held.push(event);
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = null;
      if (this.mode === 'live' && this.held.length > 0) void this.catchUp();
    }, this.gapWaitMs);
  }

  /** Held events that the cursor has reached (the overtaken one came): delivered in order, the wait ends if none is left. */
  private deliverHeldInSequence(): void {
    if (this.held.length === 0) return;
    this.held.sort((a, b) => a.seq - b.seq);
    for (let next = this.held[0]; next !== undefined && next.seq <= this.cursor + 1; next = this.held[0]) {
      this.held.shift();
      if (next.seq !== this.cursor + 1) continue;
      this.moveCursor(next.seq);
      this.options.sink.event(next);
    }
    if (this.held.length === 0) this.stopGapWait();
  }

  private stopGapWait(): void {
    if (this.gapTimer === null) return;
    clearTimeout(this.gapTimer);
    this.gapTimer = null;
  }

  private async catchUp(): Promise<void> {
    this.mode = 'catchingUp';
    this.gapPending = false;
    this.stopGapWait();
    const { log, workspaceId, sink } = this.options;
    try {
      let replayed = 0;
      for (;;) {
        const page = await log.since(workspaceId, this.cursor, this.pageSize);
        if (this.isClosed()) return;
        if ('resync' in page) {
          const latest = await log.latestSeq(workspaceId);
          this.resync(this.cursor > latest ? 'unknown_seq' : 'expired', latest);
          break;
        }
        for (const event of page.events) {
          if (this.isClosed()) return;
          if (event.seq <= this.cursor) continue;
          this.moveCursor(event.seq);
          sink.event(event);
          replayed += 1;
        }
        if (page.events.length < this.pageSize) break;
        await sink.drained?.();
        if (this.isClosed()) return;
        if (replayed >= this.maxReplay) {
          this.resync('too_many', await log.latestSeq(workspaceId));
          break;
        }
      }
      this.release();
    } catch (error) {
      this.fail(error);
    }
  }

  private resync(reason: ResyncReason, latest: number): void {
    if (this.isClosed()) return;
    this.moveCursor(latest);
    this.options.sink.resync(reason, latest);
  }

  /** Goes live, delivering what was held in sequence order; a remaining gap waits, then is read from the log. */
  private release(): void {
    if (this.isClosed()) return;
    this.mode = 'live';
    const held = this.held.sort((a, b) => a.seq - b.seq);
    this.held = [];
    for (const [index, event] of held.entries()) {
      if (this.mode !== 'live') {
        this.held.push(...held.slice(index));
        return;
      }
      this.deliver(event);
    }
    if (this.gapPending && this.mode === 'live') void this.catchUp();
  }

  private fail(error: unknown): void {
    if (this.isClosed()) return;
    this.close();
    this.options.sink.failed(error);
  }
}
