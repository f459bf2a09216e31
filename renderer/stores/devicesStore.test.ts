import { describe, expect, it, vi } from 'vitest';
import { createDevicesStore, isConnected, type DeviceInfoLike, type MediaDevicesPort } from './devicesStore';

const unlabelled: DeviceInfoLike[] = [
  { deviceId: '', groupId: '', kind: 'audioinput', label: '' },
  { deviceId: '', groupId: '', kind: 'audiooutput', label: '' },
  { deviceId: '', groupId: '', kind: 'videoinput', label: '' },
];
const labelled: DeviceInfoLike[] = [
  { deviceId: 'default', groupId: 'g1', kind: 'audioinput', label: 'Default' },
  { deviceId: 'mic-usb', groupId: 'g2', kind: 'audioinput', label: 'USB microphone' },
  { deviceId: 'spk-hdmi', groupId: 'g3', kind: 'audiooutput', label: 'HDMI' },
  { deviceId: 'cam', groupId: 'g4', kind: 'videoinput', label: 'Camera' },
];

function fakeMediaDevices(devices: DeviceInfoLike[]) {
  const state = { devices, onChange: new Set<() => void>() };
  const stop = vi.fn();
  const port = {
    enumerateDevices: vi.fn(async () => state.devices),
    getUserMedia: vi.fn(async () => {
      state.devices = labelled;
      return { getTracks: () => [{ stop }] };
    }),
    addEventListener: (_type: 'devicechange', listener: () => void) => void state.onChange.add(listener),
    removeEventListener: (_type: 'devicechange', listener: () => void) => void state.onChange.delete(listener),
  } satisfies MediaDevicesPort;
  return {
    port,
    stop,
    state,
    change(next: DeviceInfoLike[]) {
      state.devices = next;
      for (const listener of state.onChange) listener();
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('devicesStore', () => {
  it('says audio is unavailable when there is no mediaDevices', async () => {
    const { store } = createDevicesStore(undefined);
    expect(store.getState().access).toBe('unavailable');
    await store.getState().refresh();
    await store.getState().requestAccess();
    expect(store.getState().inputs).toEqual([]);
  });

  it('lists inputs and outputs with placeholder names before permission', async () => {
    const media = fakeMediaDevices(unlabelled);
    const { store } = createDevicesStore(media.port);
    await store.getState().refresh();
    expect(store.getState().access).toBe('prompt');
    expect(store.getState().inputs).toEqual([{ id: 'audioinput-0', label: 'Microphone 1' }]);
    expect(store.getState().outputs).toEqual([{ id: 'audiooutput-0', label: 'Speaker 1' }]);
  });

  it('asks for the microphone once, stops the tracks at once, and shows the real names', async () => {
    const media = fakeMediaDevices(unlabelled);
    const { store } = createDevicesStore(media.port);
    await store.getState().requestAccess();
    expect(media.port.getUserMedia).toHaveBeenCalledWith({ audio: true });
    expect(media.stop).toHaveBeenCalledTimes(1);
    expect(store.getState().access).toBe('granted');
    expect(store.getState().inputs.map((device) => device.label)).toEqual(['Default', 'USB microphone']);
    expect(store.getState().outputs.map((device) => device.id)).toEqual(['spk-hdmi']);
  });

  it('reports a denied permission clearly and keeps the message across refreshes', async () => {
    const media = fakeMediaDevices(unlabelled);
    media.port.getUserMedia.mockRejectedValueOnce(new DOMException('Permission denied', 'NotAllowedError'));
    const { store } = createDevicesStore(media.port);
    await store.getState().requestAccess();
    expect(store.getState().access).toBe('denied');
    expect(store.getState().accessError).toMatch(/denied/);
    await store.getState().refresh();
    expect(store.getState().access).toBe('denied');
    expect(store.getState().accessError).toMatch(/denied/);
  });

  it('says so when there is no microphone at all', async () => {
    const media = fakeMediaDevices([]);
    media.port.getUserMedia.mockRejectedValueOnce(new DOMException('none', 'NotFoundError'));
    const { store } = createDevicesStore(media.port);
    await store.getState().requestAccess();
    expect(store.getState().access).toBe('prompt');
    expect(store.getState().accessError).toMatch(/No microphone/);
  });

  it('re-lists on devicechange and keeps a chosen device through unplug and replug', async () => {
    const media = fakeMediaDevices(labelled);
    const { store } = createDevicesStore(media.port);
    await store.getState().refresh();
    store.getState().selectInput('mic-usb');
    store.getState().selectOutput('spk-hdmi');
    expect(store.getState().selectedInputId).toBe('mic-usb');

    media.change(labelled.filter((device) => device.deviceId !== 'mic-usb'));
    await settle();

    expect(store.getState().inputs.map((device) => device.id)).toEqual(['default']);
    expect(store.getState().selectedInputId).toBe('mic-usb');
    expect(isConnected('mic-usb', store.getState().inputs)).toBe(false);
    expect(store.getState().selectedOutputId).toBe('spk-hdmi');

    media.change(labelled);
    await settle();
    expect(isConnected('mic-usb', store.getState().inputs)).toBe(true);
    expect(store.getState().selectedInputId).toBe('mic-usb');
  });

  it('takes a saved choice before the first listing, and goes back to the default on request', async () => {
    const media = fakeMediaDevices(labelled);
    const { store } = createDevicesStore(media.port);
    store.getState().selectInput('mic-usb');
    await store.getState().refresh();
    expect(store.getState().selectedInputId).toBe('mic-usb');
    store.getState().selectInput(null);
    expect(store.getState().selectedInputId).toBeNull();
    expect(isConnected(null, [])).toBe(true);
  });

  it('reports a failed listing', async () => {
    const media = fakeMediaDevices(labelled);
    media.port.enumerateDevices.mockRejectedValueOnce(new Error('boom'));
    const { store } = createDevicesStore(media.port);
    await store.getState().refresh();
    expect(store.getState().listError).toMatch(/could not be read/);
    await store.getState().refresh();
    expect(store.getState().listError).toBeNull();
  });

  it('stops listening for devicechange when disposed', () => {
    const media = fakeMediaDevices(labelled);
    const { dispose } = createDevicesStore(media.port);
    expect(media.state.onChange.size).toBe(1);
    dispose();
    expect(media.state.onChange.size).toBe(0);
  });
});
