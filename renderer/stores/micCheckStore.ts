import { createStore, type StoreApi } from 'zustand/vanilla';
import { MicrophoneError, realClock, type LevelMeter, type MicrophonePort, type VoiceClock } from '../voice/ports';
import type { VoiceEngine } from '../voice/voiceEngine';
import { levelMoved } from '../voice/voiceActivity';
import type { DevicesStore } from './devicesStore';

/** What the microphone check needs from the page: the engine's microphone port, and a way to play a track back. */
export interface MicCheckPorts {
  readonly microphone: Pick<MicrophonePort, 'open' | 'meter'>;
  /** Plays the track on an output device (null: the system default); resolves to what stops it. */
  readonly playBack: (track: MediaStreamTrack, outputDeviceId: string | null) => Promise<() => void>;
}

/**
 * Where the level comes from: the call's microphone (the engine's own meter, so there is never a second one),
 * a preview opened for Settings, or nothing yet.
 */
export type MicCheckSource = 'off' | 'opening' | 'preview' | 'call';

export interface MicCheckState {
  readonly source: MicCheckSource;
  /** 0 to 1, the peak since the last read; redrawn only when it moves a visible step (voiceActivity.ts). */
  readonly level: number;
  /** Let's check: the microphone plays back through the chosen speaker. */
  readonly checking: boolean;
  /** Why the microphone could not be opened or played back, in words. */
  readonly error: string | null;
  /** Settings shows the meter: open the microphone (or follow the call's). Nested calls count. */
  start(): () => void;
  startCheck(): Promise<void>;
  stopCheck(): void;
}

export type MicCheckStore = StoreApi<MicCheckState>;

/** The meter's reading rate: smooth enough to watch, far below the display's frame rate (issue 19 measures CPU). */
export const MIC_CHECK_INTERVAL_MS = 50;

/**
 * The microphone level in Settings, and "Let's check" (hear yourself). One analyser at a time: in a call the level
 * is the engine's (it reads its meter at the same rate anyway), outside a call Settings opens the chosen microphone
 * with the chosen processing for as long as it shows, reads it every 50 ms and closes it when Settings goes. Let's
 * check is offered only outside a call: in one, the others are the check.
 */
export function createMicCheckStore(deps: {
  readonly ports: MicCheckPorts | null;
  readonly engine: VoiceEngine | null;
  readonly devices: DevicesStore;
  readonly clock?: Pick<VoiceClock, 'setInterval' | 'clearInterval'>;
}): { store: MicCheckStore; dispose: () => void } {
  const clock = deps.clock ?? realClock;
  const { ports, engine, devices } = deps;
  let users = 0;
  /** Bumped whenever what is open changes, so a slow getUserMedia for an old request closes what it opened. */
  let generation = 0;
  let preview: { track: MediaStreamTrack; meter: LevelMeter; deviceId: string | null } | null = null;
  let timer: unknown = null;
  let stopPlayback: (() => void) | null = null;
  let unlinkEngine: (() => void) | null = null;
  let unwatchLevel: (() => void) | null = null;
  let unlinkDevices: (() => void) | null = null;

  function closePreview(): void {
    generation += 1;
    if (timer !== null) clock.clearInterval(timer);
    timer = null;
    stopPlayback?.();
    stopPlayback = null;
    preview?.meter.stop();
    preview?.track.stop();
    preview = null;
  }

  const store = createStore<MicCheckState>()((set, get) => {
    const inCall = () => engine !== null && engine.store.getState().channelId !== null;

    function setLevel(level: number): void {
      if (levelMoved(get().level, level)) set({ level });
    }

    async function openPreview(): Promise<void> {
      if (ports?.microphone.meter === undefined) {
        set({ source: 'off', error: 'This window cannot read the microphone.' });
        return;
      }
      const deviceId = devices.getState().selectedInputId;
      const processing = engine?.store.getState().processing ?? {
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      };
      const mine = generation;
      set({ source: 'opening', error: null });
      try {
        const track = await ports.microphone.open(deviceId, processing);
        if (mine !== generation || users === 0 || inCall()) {
          track.stop();
          return;
        }
        const meter = ports.microphone.meter(track);
        preview = { track, meter, deviceId };
        timer = clock.setInterval(() => setLevel(meter.level()), MIC_CHECK_INTERVAL_MS);
        set({ source: 'preview' });
      } catch (cause) {
        if (mine !== generation) return;
        set({
          source: 'off',
          level: 0,
          error: cause instanceof MicrophoneError ? cause.message : 'The microphone could not be opened.',
        });
      }
    }

    /** Follows what should be open now: the call's level, a preview, or nothing. */
    function follow(): void {
      if (users === 0) {
        closePreview();
        set({ source: 'off', level: 0, checking: false });
        return;
      }
      if (inCall()) {
        if (preview !== null || get().source !== 'call') {
          closePreview();
          set({ source: 'call', checking: false, error: null, level: engine?.store.getState().localLevel ?? 0 });
        }
        return;
      }
      const wanted = devices.getState().selectedInputId;
      if (preview !== null && preview.deviceId === wanted && preview.track.readyState === 'live') return;
      const wasChecking = get().checking;
      closePreview();
      set({ source: 'off', level: 0, checking: false });
      void openPreview().then(() => {
        if (wasChecking && preview !== null) void get().startCheck();
      });
    }

    return {
      source: 'off',
      level: 0,
      checking: false,
      error: null,
      start() {
        users += 1;
        if (users === 1) {
          // In a call the meter draws the engine's own reading, which reaches the store only while watched.
          unwatchLevel = engine?.watchLevel() ?? null;
          unlinkEngine =
            engine?.store.subscribe((state, previous) => {
              if (state.channelId !== previous.channelId) follow();
              else if (state.processing !== previous.processing && preview !== null) {
                // Echo cancellation and the rest are set when the microphone opens: hear the new choice.
                closePreview();
                follow();
              } else if (state.localLevel !== previous.localLevel && get().source === 'call') {
                set({ level: state.localLevel });
              }
            }) ?? null;
          unlinkDevices = devices.subscribe((state, previous) => {
            if (state.selectedInputId !== previous.selectedInputId) follow();
            else if (state.selectedOutputId !== previous.selectedOutputId && get().checking) {
              get().stopCheck();
              void get().startCheck();
            }
          });
          follow();
        }
        let stopped = false;
        return () => {
          if (stopped) return;
          stopped = true;
          users -= 1;
          if (users > 0) return;
          unlinkEngine?.();
          unlinkDevices?.();
          unwatchLevel?.();
          unwatchLevel = null;
          unlinkEngine = null;
          unlinkDevices = null;
          follow();
        };
      },
      async startCheck() {
        if (preview === null || ports === null || get().checking) return;
        const mine = generation;
        try {
          const stop = await ports.playBack(preview.track, devices.getState().selectedOutputId);
          if (mine !== generation) return stop();
          stopPlayback = stop;
          set({ checking: true, error: null });
        } catch {
          set({ error: 'Your voice could not be played on the chosen speaker.' });
        }
      },
      stopCheck() {
        stopPlayback?.();
        stopPlayback = null;
        set({ checking: false });
      },
    };
  });
  return {
    store,
    dispose() {
      users = 0;
      unlinkEngine?.();
      unlinkDevices?.();
      unwatchLevel?.();
      closePreview();
    },
  };
}
