import type { StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { VoicePreferences, VoicePreferencesUpdate } from '../../shared/voicePreferences';
import type { DevicesState } from '../stores/devicesStore';
import type { PageLifecycleTarget } from '../stores/voiceCredentialsStore';
import type { VoiceEngine } from './voiceEngine';
import type { VoiceState } from './voiceState';

/** A slider drag is saved once, when it settles, not once per step. */
export const SAVE_DELAY_MS = 400;

const sameProcessing = (a: VoiceState['processing'], b: VoiceState['processing']) =>
  a.echoCancellation === b.echoCancellation &&
  a.noiseSuppression === b.noiseSuppression &&
  a.autoGainControl === b.autoGainControl;

/**
 * The voice preferences main keeps (shared/voicePreferences.ts) applied at start, then every change the user makes
 * (sensitivity, processing, devices, a member's volume) reported back, gathered over SAVE_DELAY_MS. Nothing is
 * reported until the saved values are in, so a default seen at start never overwrites what the user had saved.
 */
export function linkVoicePreferences(deps: {
  readonly api: Pick<WhootApi, 'voicePreferences'>;
  readonly engine: VoiceEngine | null;
  readonly devices: StoreApi<DevicesState>;
  /** `window`: a change made just before the window closes is sent on pagehide instead of waiting out the delay. */
  readonly page?: PageLifecycleTarget | null;
}): () => void {
  const { api, engine, devices } = deps;
  const page = deps.page ?? null;
  let disposed = false;
  let pending: VoicePreferencesUpdate = {};
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribers: (() => void)[] = [];

  const flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (Object.keys(pending).length === 0) return;
    const update = pending;
    pending = {};
    // A refusal (the file could not be written) leaves the change in effect for this run; main logs why.
    void api.voicePreferences.set(update).catch(() => undefined);
  };
  const schedule = (change: VoicePreferencesUpdate) => {
    pending = {
      ...pending,
      ...change,
      ...(change.volumes ? { volumes: { ...pending.volumes, ...change.volumes } } : {}),
    };
    if (timer === null) timer = setTimeout(flush, SAVE_DELAY_MS);
  };

  const apply = (saved: VoicePreferences) => {
    if (engine !== null) {
      const state = engine.store.getState();
      if (state.sensitivityDb !== saved.sensitivityDb) engine.setSensitivityDb(saved.sensitivityDb);
      if (!sameProcessing(state.processing, saved.processing)) void engine.setProcessing(saved.processing);
      for (const [userId, volume] of Object.entries(saved.volumes)) engine.setPeerVolume(userId, volume);
    }
    // Through the devices store, whose choice the app already hands to the engine.
    devices.getState().selectInput(saved.inputDeviceId);
    devices.getState().selectOutput(saved.outputDeviceId);
  };

  const listen = () => {
    if (engine !== null) {
      unsubscribers.push(
        engine.store.subscribe((state, previous) => {
          if (state.sensitivityDb !== previous.sensitivityDb) schedule({ sensitivityDb: state.sensitivityDb });
          if (!sameProcessing(state.processing, previous.processing)) schedule({ processing: state.processing });
          if (state.volumes !== previous.volumes) {
            const changed = Object.entries(state.volumes).filter(([userId, v]) => previous.volumes[userId] !== v);
            if (changed.length > 0) schedule({ volumes: Object.fromEntries(changed) });
          }
        }),
      );
    }
    unsubscribers.push(
      devices.subscribe((state, previous) => {
        if (state.selectedInputId !== previous.selectedInputId) schedule({ inputDeviceId: state.selectedInputId });
        if (state.selectedOutputId !== previous.selectedOutputId) schedule({ outputDeviceId: state.selectedOutputId });
      }),
    );
  };

  page?.addEventListener('pagehide', flush);

  void api.voicePreferences
    .get()
    .then((result) => {
      if (disposed || !result.ok) return;
      apply(result.value);
      listen();
    })
    .catch(() => undefined);

  return () => {
    disposed = true;
    page?.removeEventListener('pagehide', flush);
    for (const unsubscribe of unsubscribers) unsubscribe();
    // What the user changed in the last moments before closing is still saved.
    flush();
  };
}
