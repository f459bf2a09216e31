import { createStore, type StoreApi } from 'zustand/vanilla';

/** The slice of `navigator.mediaDevices` the store uses, so tests can hand in a fake. */
export interface MediaDevicesPort {
  enumerateDevices(): Promise<readonly DeviceInfoLike[]>;
  getUserMedia(constraints: { audio: true }): Promise<{ getTracks(): readonly { stop(): void }[] }>;
  addEventListener(type: 'devicechange', listener: () => void): void;
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

export interface DeviceInfoLike {
  readonly deviceId: string;
  readonly groupId: string;
  readonly kind: string;
  readonly label: string;
}

export interface AudioDevice {
  readonly id: string;
  readonly label: string;
}

/**
 * `unavailable`: no mediaDevices at all (insecure context, or blocked). `prompt`: devices listed without labels,
 * as Chromium does before microphone permission. `granted` / `denied`: the answer to the explicit request.
 */
export type DeviceAccess = 'unavailable' | 'prompt' | 'granted' | 'denied';

export interface DevicesState {
  readonly access: DeviceAccess;
  readonly inputs: readonly AudioDevice[];
  readonly outputs: readonly AudioDevice[];
  /**
   * null means "follow the system default". A chosen device stays chosen while it is unplugged (the engine uses the
   * default meanwhile and goes back to it on return), and main keeps the choice across restarts.
   */
  readonly selectedInputId: string | null;
  readonly selectedOutputId: string | null;
  readonly loading: boolean;
  readonly requesting: boolean;
  /** Why the microphone request failed; kept across refreshes until the next request. */
  readonly accessError: string | null;
  /** Why the device list could not be read; cleared by the next successful refresh. */
  readonly listError: string | null;
  refresh(): Promise<void>;
  requestAccess(): Promise<void>;
  selectInput(id: string | null): void;
  selectOutput(id: string | null): void;
}

export type DevicesStore = StoreApi<DevicesState>;

function toAudioDevices(devices: readonly DeviceInfoLike[], kind: 'audioinput' | 'audiooutput'): AudioDevice[] {
  const prefix = kind === 'audioinput' ? 'Microphone' : 'Speaker';
  return devices
    .filter((device) => device.kind === kind)
    .map((device, index) => ({
      // Before permission Chromium reports empty ids; a positional id still gives React a stable key.
      id: device.deviceId || `${kind}-${index}`,
      label: device.label || `${prefix} ${index + 1}`,
    }));
}

/** Whether a chosen device is plugged in now; "the system default" always is. */
export const isConnected = (id: string | null, devices: readonly AudioDevice[]): boolean =>
  id === null || devices.some((device) => device.id === id);

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

function accessErrorMessage(error: unknown): { access: DeviceAccess | null; message: string } {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return {
        access: 'denied',
        message: 'Microphone access was denied. Allow it for whoot in your system settings, then try again.',
      };
    case 'NotFoundError':
      return { access: null, message: 'No microphone was found. Plug one in and try again.' };
    case 'NotReadableError':
      return { access: null, message: 'The microphone is in use by another program or could not be opened.' };
    default:
      return { access: null, message: 'The microphone could not be opened.' };
  }
}

export function createDevicesStore(mediaDevices: MediaDevicesPort | null | undefined): {
  store: DevicesStore;
  dispose: () => void;
} {
  const store = createStore<DevicesState>()((set, get) => ({
    access: mediaDevices ? 'prompt' : 'unavailable',
    inputs: [],
    outputs: [],
    selectedInputId: null,
    selectedOutputId: null,
    loading: false,
    requesting: false,
    accessError: null,
    listError: null,

    async refresh() {
      if (!mediaDevices) return;
      set({ loading: true });
      try {
        const devices = await mediaDevices.enumerateDevices();
        const inputs = toAudioDevices(devices, 'audioinput');
        const outputs = toAudioDevices(devices, 'audiooutput');
        // Labels only appear once the page may use the microphone, so they are the permission signal here.
        const labelled = devices.some((device) => device.kind === 'audioinput' && device.label !== '');
        const { access } = get();
        set({
          inputs,
          outputs,
          loading: false,
          access: labelled ? 'granted' : access === 'granted' ? 'prompt' : access,
          listError: null,
        });
      } catch {
        set({ loading: false, listError: 'The list of audio devices could not be read.' });
      }
    },

    async requestAccess() {
      if (!mediaDevices || get().requesting) return;
      set({ requesting: true, accessError: null });
      try {
        const stream = await mediaDevices.getUserMedia({ audio: true });
        // Only the permission was wanted: release the microphone at once so no capture indicator stays on.
        for (const track of stream.getTracks()) track.stop();
        set({ requesting: false, access: 'granted' });
      } catch (error) {
        const { access, message } = accessErrorMessage(error);
        set({ requesting: false, accessError: message, ...(access ? { access } : {}) });
      }
      await get().refresh();
    },

    // Not checked against the list: a saved choice arrives before the first listing, or while the device is out.
    selectInput(id) {
      set({ selectedInputId: id });
    },

    selectOutput(id) {
      set({ selectedOutputId: id });
    },
  }));

  // Listening from start-up, not only while Settings is open: a device unplugged mid-call must reach the voice engine.
  const onDeviceChange = () => void store.getState().refresh();
  mediaDevices?.addEventListener('devicechange', onDeviceChange);

  return {
    store,
    dispose: () => mediaDevices?.removeEventListener('devicechange', onDeviceChange),
  };
}
