import { fromKeyHookSchema, type ToKeyHookMessage } from './keyHookProtocol';
import type { HookInput, WatchList } from './shortcutMatcher';

/**
 * The key hook as main sees it: a child process (keyHookEntry.ts) reached through this small interface, so the same
 * adapter runs over Electron's utilityProcess in the app (main/app/pushToTalkHook.ts) and Node's child_process in
 * tests (forkKeyHook.ts).
 */
export interface HookProcess {
  send(message: ToKeyHookMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended, with a short description (exit code or signal, last stderr line). */
  onExit(listener: (description: string) => void): void;
  kill(): void;
}

export type LaunchKeyHook = () => HookProcess;

export interface KeyHook {
  /** Resolves once the hook sees the desktop's input; rejects with the reason when it could not start. */
  readonly ready: Promise<void>;
  /** Changes which codes the hook forwards (a new shortcut). */
  watch(list: WatchList): void;
  /** Unhooks and ends the process; no failure is reported for an end asked for. */
  stop(): void;
}

export interface KeyHookOptions {
  readonly launch: LaunchKeyHook;
  readonly watch: WatchList;
  readonly onInput: (input: HookInput) => void;
  /** The hook died after it had started: whatever it was holding must be let go. Called at most once. */
  readonly onFailure: (reason: string) => void;
  readonly startTimeoutMs?: number;
}

// Long enough for a machine busy at log-in (a 5 s limit failed on a loaded 2-core machine and left push-to-talk
// unavailable for the session); it only turns a hook that never answers into a reason the user can read.
const START_TIMEOUT_MS = 20_000;

export function startKeyHook(options: KeyHookOptions): KeyHook {
  const child = options.launch();
  let started = false;
  let ended = false;
  let stopRequested = false;
  let settleStart: { resolve: () => void; reject: (error: Error) => void } | null = null;
  let lastError: string | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    settleStart = { resolve, reject };
  });
  // The owner may only watch for onFailure; a start failure must not also be an unhandled rejection.
  ready.catch(() => undefined);
  const failStart = (reason: string) => {
    settleStart?.reject(new Error(reason));
    settleStart = null;
  };

  const timer = setTimeout(() => {
    if (started) return;
    failStart(`the key hook did not start within ${(options.startTimeoutMs ?? START_TIMEOUT_MS) / 1000} s`);
    stopRequested = true;
    child.kill();
  }, options.startTimeoutMs ?? START_TIMEOUT_MS);

  child.onMessage((raw) => {
    const parsed = fromKeyHookSchema.safeParse(raw);
    if (!parsed.success || ended) return;
    const message = parsed.data;
    if (message.type === 'ready') {
      started = true;
      clearTimeout(timer);
      settleStart?.resolve();
      settleStart = null;
    } else if (message.type === 'error') {
      lastError = message.message;
    } else if (started && !stopRequested) {
      options.onInput({ device: message.device, state: message.state, code: message.code });
    }
  });

  child.onExit((description) => {
    ended = true;
    clearTimeout(timer);
    const reason = lastError ?? `the key hook process ended (${description})`;
    if (!started) failStart(reason);
    else if (!stopRequested) options.onFailure(reason);
  });

  child.send({ type: 'watch', keys: [...options.watch.keys], buttons: [...options.watch.buttons] });

  return {
    ready,
    watch(list) {
      if (!ended) child.send({ type: 'watch', keys: [...list.keys], buttons: [...list.buttons] });
    },
    stop() {
      if (ended || stopRequested) return;
      stopRequested = true;
      clearTimeout(timer);
      failStart('the key hook was stopped before it started');
      try {
        child.send({ type: 'stop' });
      } catch {
        // The channel may already be gone; kill below still ends the process.
      }
      // A hook stuck in native code does not read its messages: make sure it goes.
      setTimeout(() => {
        if (!ended) child.kill();
      }, 1000).unref();
    },
  };
}
