import { type PushToTalkMechanism, type PushToTalkPreferences, type PushToTalkStatus } from '../../shared/pushToTalk';
import { ok, type Result } from '../../shared/result';
import type { EventSink } from '../ipc/eventSink';
import type { PreferencesStore } from '../settings/preferencesStore';
import { toAccelerator } from './electronAccelerator';
import type { GlobalShortcutsPortalPort } from './globalShortcutsPortal';
import { hookAvailability, isWaylandSession, type InputEnvironment } from './hookAvailability';
import { startKeyHook, type LaunchKeyHook } from './keyHook';
import { createShortcutMatcher } from './shortcutMatcher';
import { createTalkState } from './talkState';
import { errorMessage } from '../../shared/errorMessage';

/** Electron's globalShortcut, reduced to what the toggle fallback needs (main/app/pushToTalk.ts adapts it). */
export interface GlobalShortcutPort {
  /** False when the shortcut could not be registered (another program holds it, or the accelerator is refused). */
  register(accelerator: string, onPress: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface PushToTalkService {
  /** Settles once the saved preferences are in effect (the hook started, or the fallback chosen). */
  readonly ready: Promise<void>;
  status(): PushToTalkStatus;
  /** Hears talking start and stop (the tray shows it); returns the unsubscribe. */
  onActiveChange(listener: (active: boolean) => void): () => void;
  /** Validates and saves the change, then applies it; a refused change leaves file and behaviour as they were. */
  update(update: Partial<PushToTalkPreferences>): Promise<Result<PushToTalkStatus>>;
  /** Unhooks, unregisters and stops talking: on quit. */
  dispose(): void;
}

export interface PushToTalkDeps {
  readonly preferences: PreferencesStore;
  readonly environment: InputEnvironment;
  /** How to start the key hook process; null where none can run. */
  readonly launchHook: LaunchKeyHook | null;
  /** Electron's globalShortcut; null where there is none (plain Node). */
  readonly shortcuts: GlobalShortcutPort | null;
  /** The desktop's GlobalShortcuts portal, tried on a Wayland session before the toggle fallback; absent elsewhere. */
  readonly portal?: GlobalShortcutsPortalPort | null;
  readonly events: EventSink;
  readonly log?: (message: string) => void;
}

const off: PushToTalkMechanism = { kind: 'off', detail: 'Voice activity: the microphone opens when you speak.' };

/**
 * Push-to-talk for the desktop: picks how the shortcut is heard, in order of preference, and says which and why:
 * the system key hook (press and release, any window focused), on Wayland the desktop's GlobalShortcuts portal
 * (press and release too), then toggle-to-talk through Electron's globalShortcut (presses only), else unavailable.
 * A hook that dies or a portal session the desktop closes later stops talking at once and falls back the same way,
 * with `pushToTalk.mechanismChanged` so the settings show it.
 */
export async function createPushToTalkController(deps: PushToTalkDeps): Promise<PushToTalkService> {
  const log = deps.log ?? (() => undefined);
  let preferences = (await deps.preferences.load()).pushToTalk;
  let mechanism: PushToTalkMechanism = off;
  let teardown: () => void = () => undefined;
  // A portal bind waiting for the desktop's answer, so a change can abandon it instead of queueing behind it.
  let pendingBind: AbortController | null = null;
  // Each apply gets a number; a hook that reports after a newer apply (or dispose) is ignored.
  let generation = 0;
  const activeListeners = new Set<(active: boolean) => void>();

  const talk = createTalkState({
    mode: 'hold',
    releaseDelayMs: preferences.releaseDelayMs,
    onChange: (active) => {
      deps.events.emit('pushToTalk.changed', { active });
      for (const listener of activeListeners) listener(active);
    },
  });

  const setMechanism = (next: PushToTalkMechanism) => {
    // Reasons come from the OS and the hook process; the contract bounds what the settings show.
    const bounded = { kind: next.kind, detail: next.detail.slice(0, 400) };
    if (bounded.kind === mechanism.kind && bounded.detail === mechanism.detail) return;
    mechanism = bounded;
    deps.events.emit('pushToTalk.mechanismChanged', mechanism);
  };

  const fallBack = (whyNoHook: string) => {
    const { key, mode } = preferences;
    const accelerator = toAccelerator(key);
    const lead = mode === 'pushToTalk' ? `Hold-to-talk is not possible: ${whyNoHook}` : whyNoHook;
    if (accelerator === null) {
      return setMechanism({
        kind: 'unavailable',
        detail: `${lead}, and a mouse button cannot be a global shortcut. Choose a key.`,
      });
    }
    if (deps.shortcuts === null) {
      return setMechanism({ kind: 'unavailable', detail: `${lead}, and there are no global shortcuts here.` });
    }
    talk.setMode('toggle');
    const shortcuts = deps.shortcuts;
    if (!shortcuts.register(accelerator, () => talk.tap())) {
      return setMechanism({
        kind: 'unavailable',
        detail: `${lead}, and ${key} could not be registered as a global shortcut (another program may use it). Choose another key.`,
      });
    }
    teardown = () => shortcuts.unregister(accelerator);
    setMechanism({ kind: 'toggle', detail: `${lead}. Press ${key} to start talking and press it again to stop.` });
  };

  const apply = async (): Promise<void> => {
    teardown();
    teardown = () => undefined;
    talk.stop();
    const mine = ++generation;
    const { mode, key } = preferences;
    if (mode === 'voiceActivity') return setMechanism(off);

    const availability = hookAvailability(deps.environment);
    if (!availability.ok && isWaylandSession(deps.environment) && deps.portal) {
      return bindPortal(mine, availability.reason, deps.portal);
    }
    if (!availability.ok || deps.launchHook === null) {
      return fallBack(availability.ok ? 'no key hook can run here' : availability.reason);
    }
    talk.setMode(mode === 'pushToTalk' ? 'hold' : 'toggle');
    setMechanism({ kind: 'starting', detail: 'Starting the system key hook.' });
    const matcher = createShortcutMatcher(key);
    const hook = startKeyHook({
      launch: deps.launchHook,
      watch: matcher.watch,
      onInput: (input) => {
        const change = matcher.feed(input);
        if (change === 'pressed') talk.press();
        if (change === 'released') talk.release();
      },
      onFailure: (reason) => {
        if (mine !== generation) return;
        log(`push-to-talk: ${reason}`);
        // A key that was down when the hook died will never be seen coming up.
        talk.stop();
        teardown = () => undefined;
        fallBack(`the system key hook stopped (${reason})`);
      },
    });
    teardown = () => hook.stop();
    try {
      await hook.ready;
    } catch (error) {
      if (mine !== generation) return;
      const reason = errorMessage(error, 'unknown error');
      log(`push-to-talk: ${reason}`);
      teardown = () => undefined;
      return fallBack(`the system key hook could not start (${reason})`);
    }
    if (mine !== generation) return;
    const how = mode === 'pushToTalk' ? `Hold ${key} to talk` : `Press ${key} to start or stop talking`;
    setMechanism({ kind: 'hook', detail: `${how}, whichever window has focus (system key hook).` });
  };

  const bindPortal = async (mine: number, whyNoHook: string, portal: GlobalShortcutsPortalPort): Promise<void> => {
    const { mode, key } = preferences;
    talk.setMode(mode === 'pushToTalk' ? 'hold' : 'toggle');
    setMechanism({
      kind: 'starting',
      detail: `Asking the desktop to bind ${key} as a global shortcut (it may ask you to confirm).`,
    });
    // The desktop may show a dialog for minutes; dispose, and a new key or mode, must not wait for it.
    const abandon = new AbortController();
    teardown = () => abandon.abort();
    pendingBind = abandon;
    const result = await portal.bind(
      key,
      {
        onPress: () => {
          if (mine === generation) talk.press();
        },
        onRelease: () => {
          if (mine === generation) talk.release();
        },
        onClosed: (reason) => {
          if (mine !== generation) return;
          log(`push-to-talk: ${reason}`);
          // A key that was down when the session ended will never be seen coming up.
          talk.stop();
          teardown = () => undefined;
          fallBack(`${whyNoHook}, and ${reason}`);
        },
      },
      abandon.signal,
    );
    if (pendingBind === abandon) pendingBind = null;
    // Abandoned for a newer apply (which follows in the queue) or for dispose: neither wants this outcome.
    if (mine !== generation || abandon.signal.aborted) {
      if (result.ok) result.shortcut.close();
      return;
    }
    if (!result.ok) {
      log(`push-to-talk: ${result.reason}`);
      teardown = () => undefined;
      return fallBack(`${whyNoHook}, and ${result.reason}`);
    }
    teardown = () => result.shortcut.close();
    // The desktop's own words for the trigger: the user may have chosen another key in its dialog.
    const trigger = result.shortcut.triggerDescription ?? key;
    const how = mode === 'pushToTalk' ? `Hold ${trigger} to talk` : `Press ${trigger} to start or stop talking`;
    setMechanism({ kind: 'portal', detail: `${how}, whichever window has focus (the desktop's global shortcuts).` });
  };

  // Changes are applied one at a time, in order; the answer to each describes the state it left.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const status = (): PushToTalkStatus => ({ ...preferences, mechanism, active: talk.active });

  // Main opens the window meanwhile; the settings hear the outcome through pushToTalk.mechanismChanged.
  const ready = serialized(apply);

  return {
    ready,
    status,
    onActiveChange(listener) {
      activeListeners.add(listener);
      return () => activeListeners.delete(listener);
    },
    update: (update) => {
      // A portal dialog may stay open for minutes and holds the queue meanwhile; a new key or mode answers it.
      const rebinds =
        (update.mode !== undefined && update.mode !== preferences.mode) ||
        (update.key !== undefined && update.key !== preferences.key);
      const abandoned = rebinds && pendingBind !== null;
      if (abandoned) pendingBind?.abort();
      return serialized(async () => {
        const saved = await deps.preferences.update('pushToTalk', () => ({ ...preferences, ...update }));
        if (!saved.ok) {
          // The change was refused: ask again for the key that is still saved.
          if (abandoned) await apply();
          return saved;
        }
        const previous = preferences;
        preferences = saved.value.pushToTalk;
        talk.setReleaseDelay(preferences.releaseDelayMs);
        if (previous.mode !== preferences.mode || previous.key !== preferences.key) await apply();
        return ok(status());
      });
    },
    dispose() {
      generation += 1;
      teardown();
      teardown = () => undefined;
      talk.stop();
    },
  };
}
