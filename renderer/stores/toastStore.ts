import { createStore, type StoreApi } from 'zustand/vanilla';
import { realClock, type VoiceClock } from '../voice/ports';

export interface ToastAction {
  /** A verb ("Undo"). */
  readonly label: string;
  readonly run: () => void;
}

export interface Toast {
  readonly id: number;
  readonly message: string;
  readonly tone: 'info' | 'error';
  readonly action: ToastAction | null;
}

export interface ToastRequest {
  readonly message: string;
  readonly tone?: Toast['tone'];
  readonly action?: ToastAction;
  /** How long it stays while nobody hovers or focuses it. */
  readonly timeoutMs?: number;
  /**
   * Runs once when the toast goes without its action taken: timed out, dismissed, pushed out by newer toasts or
   * the store disposed. What an Undo toast holds back happens then.
   */
  readonly onExpire?: () => void;
}

export interface ToastState {
  readonly toasts: readonly Toast[];
  show(request: ToastRequest): number;
  dismiss(id: number): void;
  /** Hover or focus: the clock stops, so nobody loses an Undo while reaching for it (WCAG 2.2.1). */
  pause(id: number): void;
  resume(id: number): void;
  /** Runs the toast's action once, then dismisses it. */
  act(id: number): void;
}

export type ToastStore = StoreApi<ToastState>;

/** Long enough to read a sentence and reach the button; an action makes it longer. */
export const TOAST_TIMEOUT_MS = 6000;
export const TOAST_ACTION_TIMEOUT_MS = 10_000;
/** Older toasts give way when more than this many would stack up. */
const MAX_VISIBLE = 3;

/** Short messages at the foot of the window, read politely, some with one action such as Undo. */
export function createToastStore(clock: Pick<VoiceClock, 'now' | 'setTimeout' | 'clearTimeout'> = realClock): {
  store: ToastStore;
  dispose: () => void;
} {
  let nextId = 1;
  const timers = new Map<number, { handle: unknown; remaining: number; startedAt: number | null }>();
  const expiries = new Map<number, () => void>();
  function expire(id: number): void {
    const run = expiries.get(id);
    expiries.delete(id);
    run?.();
  }

  const store = createStore<ToastState>()((set, get) => {
    function forget(id: number): void {
      const timer = timers.get(id);
      if (timer?.handle != null) clock.clearTimeout(timer.handle);
      timers.delete(id);
    }
    function start(id: number): void {
      const timer = timers.get(id);
      if (timer === undefined || timer.startedAt !== null) return;
      timer.startedAt = clock.now();
      timer.handle = clock.setTimeout(() => get().dismiss(id), timer.remaining);
    }
    return {
      toasts: [],
      show(request) {
        const id = nextId++;
        const toast: Toast = {
          id,
          message: request.message,
          tone: request.tone ?? 'info',
          action: request.action ?? null,
        };
        const remaining = request.timeoutMs ?? (request.action ? TOAST_ACTION_TIMEOUT_MS : TOAST_TIMEOUT_MS);
        timers.set(id, { handle: null, remaining, startedAt: null });
        if (request.onExpire) expiries.set(id, request.onExpire);
        const kept = [...get().toasts, toast];
        const pushedOut = kept.slice(0, Math.max(0, kept.length - MAX_VISIBLE));
        for (const old of pushedOut) forget(old.id);
        set({ toasts: kept.slice(-MAX_VISIBLE) });
        for (const old of pushedOut) expire(old.id);
        start(id);
        return id;
      },
      dismiss(id) {
        forget(id);
        set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
        expire(id);
      },
      pause(id) {
        const timer = timers.get(id);
        if (timer === undefined || timer.startedAt === null) return;
        if (timer.handle != null) clock.clearTimeout(timer.handle);
        timer.remaining = Math.max(0, timer.remaining - (clock.now() - timer.startedAt));
        timer.startedAt = null;
        timer.handle = null;
      },
      resume: start,
      act(id) {
        const toast = get().toasts.find((candidate) => candidate.id === id);
        // The action answers the toast: what would have happened on expiry does not.
        expiries.delete(id);
        get().dismiss(id);
        toast?.action?.run();
      },
    };
  });

  return {
    store,
    dispose() {
      for (const id of [...timers.keys()]) {
        const timer = timers.get(id);
        if (timer?.handle != null) clock.clearTimeout(timer.handle);
      }
      timers.clear();
      for (const id of [...expiries.keys()]) expire(id);
    },
  };
}
