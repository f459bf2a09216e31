import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import {
  defaultPushToTalkPreferences,
  type PushToTalkMechanism,
  type PushToTalkMode,
  type PushToTalkPreferences,
} from '../../shared/pushToTalk';
import type { WhootError } from '../../shared/result';

/**
 * Push-to-talk as the renderer sees it: the saved preferences and how main hears the shortcut (both from
 * pushToTalk.get/set), and `talking`, pushed by main while the shortcut holds the microphone open. The voice
 * engine subscribes to `mode` and `talking`; the settings screen edits the rest.
 *
 * `unavailable`: main runs no push-to-talk here (no desktop to hook, as in the browser test harness).
 */
export type PushToTalkPhase = 'loading' | 'ready' | 'unavailable' | 'failed';

export interface PushToTalkStoreState {
  readonly phase: PushToTalkPhase;
  readonly mode: PushToTalkMode;
  readonly key: string;
  readonly releaseDelayMs: number;
  readonly mechanism: PushToTalkMechanism | null;
  /** True while the shortcut holds the microphone open (hold-to-talk, or toggled on). */
  readonly talking: boolean;
  readonly saving: boolean;
  /** Why the last load or change failed; cleared by the next success. */
  readonly error: WhootError | null;
  load(): Promise<void>;
  /** Resolves true when main saved and applied the change; on refusal the values stay as they were. */
  update(change: Partial<PushToTalkPreferences>): Promise<boolean>;
}

export type PushToTalkStore = StoreApi<PushToTalkStoreState>;

export function createPushToTalkStore(api: WhootApi): { store: PushToTalkStore; dispose: () => void } {
  // Counts pushed events, so a slow answer cannot overwrite a newer talking or mechanism event.
  let pushedVersion = 0;

  const store = createStore<PushToTalkStoreState>()((set, get) => ({
    phase: 'loading',
    ...defaultPushToTalkPreferences,
    mechanism: null,
    talking: false,
    saving: false,
    error: null,

    async load() {
      const versionAtStart = pushedVersion;
      const result = await api.pushToTalk.get();
      if (!result.ok) {
        const unavailable = result.error.code === 'push_to_talk_unavailable';
        // Main's reason, shown where the settings say how the shortcut is heard.
        set(
          unavailable
            ? { phase: 'unavailable', error: null, mechanism: { kind: 'unavailable', detail: result.error.message } }
            : { phase: 'failed', error: result.error },
        );
        return;
      }
      const { mode, key, releaseDelayMs, mechanism, active } = result.value;
      set({
        phase: 'ready',
        mode,
        key,
        releaseDelayMs,
        error: null,
        ...(pushedVersion === versionAtStart ? { mechanism, talking: active } : {}),
      });
    },

    async update(change) {
      if (get().saving) return false;
      set({ saving: true, error: null });
      const versionAtStart = pushedVersion;
      const result = await api.pushToTalk.set(change);
      if (!result.ok) {
        set({ saving: false, error: result.error });
        return false;
      }
      const { mode, key, releaseDelayMs, mechanism, active } = result.value;
      set({
        saving: false,
        phase: 'ready',
        mode,
        key,
        releaseDelayMs,
        ...(pushedVersion === versionAtStart ? { mechanism, talking: active } : {}),
      });
      return true;
    },
  }));

  const unsubscribers = [
    api.on('pushToTalk.changed', ({ active }) => {
      pushedVersion += 1;
      store.setState({ talking: active });
    }),
    api.on('pushToTalk.mechanismChanged', (mechanism) => {
      pushedVersion += 1;
      store.setState({ mechanism });
    }),
  ];

  return {
    store,
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  };
}

/** The part of the voice engine the desktop integration needs; structural, so this file does not import it. */
export interface CallControls {
  readonly store: StoreApi<{ readonly channelId: string | null; readonly muted: boolean; readonly deafened: boolean }>;
  setMuted(muted: boolean): void;
  setDeafened(deafened: boolean): void;
}

/**
 * Links the call to main's tray: every change of channel, mute or deafen is reported (voice.reportState), so the
 * tray shows the truth, and the tray's Mute and Deafen items act on the engine. Without an engine (a page with no
 * WebRTC) there is no call: the tray is told so once, and its requests find nothing to toggle.
 */
export function linkCallToTray(
  api: WhootApi,
  call: CallControls | null,
  channels: StoreApi<{ readonly channels: readonly { readonly id: string; readonly name: string }[] }> | null,
): () => void {
  const channelName = (id: string) => channels?.getState().channels.find((channel) => channel.id === id)?.name ?? null;
  let reported = '';
  const report = () => {
    const state = call?.store.getState() ?? { channelId: null, muted: false, deafened: false };
    const name = state.channelId === null ? null : (channelName(state.channelId) ?? 'a voice channel').slice(0, 100);
    const next = { inChannel: name, muted: state.muted, deafened: state.deafened };
    const key = JSON.stringify(next);
    if (key === reported) return;
    reported = key;
    void api.voice.reportState(next);
  };
  report();
  const unsubscribers = [
    api.on('voice.toggleMuteRequested', () => {
      if (call !== null) call.setMuted(!call.store.getState().muted);
    }),
    api.on('voice.toggleDeafenRequested', () => {
      if (call !== null) call.setDeafened(!call.store.getState().deafened);
    }),
    ...(call === null ? [] : [call.store.subscribe(report)]),
    ...(call === null || channels === null ? [] : [channels.subscribe(report)]),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
