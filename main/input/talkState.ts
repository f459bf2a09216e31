/**
 * Whether the shortcut holds the microphone open: the state machine behind push-to-talk and toggle-to-talk, with no
 * knowledge of where presses come from (key hook, portal, Electron globalShortcut).
 *
 * hold:   press opens; release closes after `releaseDelayMs` (a press within the delay keeps it open without a
 *         flicker, so a quick re-press does not clip a word); repeated presses while held change nothing.
 * toggle: a press opens or closes; repeats while held change nothing. Where only presses are reported (Electron's
 *         globalShortcut, which auto-repeats a held key), `tap()` counts a press only after a quiet gap.
 * stop(): closes at once, whatever is pending: the hook died, the mode changed, or the app is quitting. A key still
 *         held then must not leave the microphone open.
 */
export type TalkMode = 'hold' | 'toggle';

export interface TalkState {
  readonly active: boolean;
  press(): void;
  release(): void;
  tap(): void;
  stop(): void;
  setMode(mode: TalkMode): void;
  setReleaseDelay(ms: number): void;
}

/** Longer than a keyboard's auto-repeat delay (typically 250-660 ms), shorter than a deliberate second press. */
export const TAP_QUIET_GAP_MS = 750;

export function createTalkState(options: {
  readonly mode: TalkMode;
  readonly releaseDelayMs: number;
  readonly onChange: (active: boolean) => void;
}): TalkState {
  let mode = options.mode;
  let releaseDelayMs = options.releaseDelayMs;
  let active = false;
  let held = false;
  let releaseTimer: ReturnType<typeof setTimeout> | null = null;
  let lastTapAt = Number.NEGATIVE_INFINITY;

  const cancelRelease = () => {
    if (releaseTimer !== null) clearTimeout(releaseTimer);
    releaseTimer = null;
  };
  const setActive = (next: boolean) => {
    if (next === active) return;
    active = next;
    options.onChange(next);
  };

  return {
    get active() {
      return active;
    },
    press() {
      if (held) return;
      held = true;
      if (mode === 'toggle') {
        setActive(!active);
        return;
      }
      cancelRelease();
      setActive(true);
    },
    release() {
      if (!held) return;
      held = false;
      if (mode === 'toggle' || !active) return;
      cancelRelease();
      if (releaseDelayMs === 0) {
        setActive(false);
        return;
      }
      releaseTimer = setTimeout(() => {
        releaseTimer = null;
        setActive(false);
      }, releaseDelayMs);
    },
    tap() {
      const at = performance.now();
      const quiet = at - lastTapAt >= TAP_QUIET_GAP_MS;
      // Every tap, counted or not, restarts the gap: a held key's repeats form one chain and toggle once.
      lastTapAt = at;
      if (quiet) setActive(!active);
    },
    stop() {
      cancelRelease();
      held = false;
      setActive(false);
    },
    setMode(next) {
      if (next === mode) return;
      mode = next;
      cancelRelease();
      held = false;
      setActive(false);
    },
    setReleaseDelay(ms) {
      releaseDelayMs = ms;
    },
  };
}
