import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { MicrophoneError } from '../voice/ports';
import type { VoiceEngine } from '../voice/voiceEngine';
import { initialVoiceState, type VoiceState } from '../voice/voiceState';
import { createDevicesStore } from './devicesStore';
import { createMicCheckStore, MIC_CHECK_INTERVAL_MS, type MicCheckPorts } from './micCheckStore';

/** A microphone track as the store uses it: stop and readyState. */
class FakeTrack {
  readyState: 'live' | 'ended' = 'live';
  constructor(readonly deviceId: string | null) {}
  stop() {
    this.readyState = 'ended';
  }
}

function intervalClock() {
  let next = 1;
  const timers = new Map<number, () => void>();
  return {
    setInterval: (run: () => void) => {
      const id = next++;
      timers.set(id, run);
      return id;
    },
    clearInterval: (handle: unknown) => void timers.delete(handle as number),
    tick(times = 1) {
      for (let i = 0; i < times; i += 1) for (const run of [...timers.values()]) run();
    },
    running: () => timers.size,
  };
}

function setUp(options: { failOpen?: MicrophoneError } = {}) {
  const clock = intervalClock();
  const opened: FakeTrack[] = [];
  const meters: { track: FakeTrack; stopped: boolean }[] = [];
  const playing: { track: FakeTrack; output: string | null; stopped: boolean }[] = [];
  let level = 0;
  const ports: MicCheckPorts = {
    microphone: {
      async open(deviceId) {
        if (options.failOpen) throw options.failOpen;
        const track = new FakeTrack(deviceId);
        opened.push(track);
        return track as unknown as MediaStreamTrack;
      },
      meter(track) {
        const entry = { track: track as unknown as FakeTrack, stopped: false };
        meters.push(entry);
        return { level: () => level, stop: () => void (entry.stopped = true) };
      },
    },
    async playBack(track, output) {
      const entry = { track: track as unknown as FakeTrack, output, stopped: false };
      playing.push(entry);
      return () => void (entry.stopped = true);
    },
  };
  const voice = createStore<VoiceState>()(() => initialVoiceState());
  // The engine keeps its level to itself unless a meter watches it (VoiceEngine.watchLevel).
  const watch = { watchers: 0 };
  const engine = {
    store: voice,
    watchLevel() {
      watch.watchers += 1;
      return () => void (watch.watchers -= 1);
    },
  } as unknown as VoiceEngine;
  const devices = createDevicesStore(null).store;
  const { store, dispose } = createMicCheckStore({ ports, engine, devices, clock });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    clock,
    opened,
    meters,
    playing,
    voice,
    watch,
    devices,
    store,
    dispose,
    settle,
    setLevel: (value: number) => (level = value),
  };
}

describe('microphone check', () => {
  it('opens the chosen microphone while Settings shows, reads it at a modest rate, and closes it after', async () => {
    const t = setUp();
    t.devices.getState().selectInput('usb-mic');
    const stop = t.store.getState().start();
    await t.settle();
    expect(t.store.getState().source).toBe('preview');
    expect(t.opened.map((track) => track.deviceId)).toEqual(['usb-mic']);
    expect(t.clock.running()).toBe(1);
    expect(MIC_CHECK_INTERVAL_MS).toBeGreaterThanOrEqual(33);

    t.setLevel(0.5);
    t.clock.tick();
    expect(t.store.getState().level).toBe(0.5);
    // A wobble the meter cannot show is not a new state (no re-render).
    const before = t.store.getState();
    t.setLevel(0.51);
    t.clock.tick();
    expect(t.store.getState()).toBe(before);

    stop();
    expect(t.opened[0]?.readyState).toBe('ended');
    expect(t.meters[0]?.stopped).toBe(true);
    expect(t.clock.running()).toBe(0);
    expect(t.store.getState()).toMatchObject({ source: 'off', level: 0 });
  });

  it('opens the new microphone when another is chosen', async () => {
    const t = setUp();
    const stop = t.store.getState().start();
    await t.settle();
    t.devices.getState().selectInput('headset');
    await t.settle();
    expect(t.opened.map((track) => [track.deviceId, track.readyState])).toEqual([
      [null, 'ended'],
      ['headset', 'live'],
    ]);
    stop();
  });

  it('in a call reads the call’s own level instead of opening a second microphone, and reopens after it', async () => {
    const t = setUp();
    const stop = t.store.getState().start();
    await t.settle();
    expect(t.watch.watchers).toBe(1);
    t.voice.setState({ channelId: 'room', localLevel: 0.25 });
    expect(t.store.getState()).toMatchObject({ source: 'call', level: 0.25 });
    expect(t.opened[0]?.readyState).toBe('ended');
    expect(t.clock.running()).toBe(0);
    t.voice.setState({ localLevel: 0.5 });
    expect(t.store.getState().level).toBe(0.5);

    t.voice.setState({ channelId: null, localLevel: 0 });
    await t.settle();
    expect(t.store.getState().source).toBe('preview');
    expect(t.opened).toHaveLength(2);
    stop();
    // Settings gone: the engine's level goes back to staying inside it.
    expect(t.watch.watchers).toBe(0);
  });

  it('Let’s check plays the microphone on the chosen speaker until stopped, and follows a new speaker', async () => {
    const t = setUp();
    t.devices.getState().selectOutput('headphones');
    const stop = t.store.getState().start();
    await t.settle();
    await t.store.getState().startCheck();
    expect(t.store.getState().checking).toBe(true);
    expect(t.playing.map((entry) => entry.output)).toEqual(['headphones']);

    t.devices.getState().selectOutput('speakers');
    await t.settle();
    expect(t.playing.map((entry) => [entry.output, entry.stopped])).toEqual([
      ['headphones', true],
      ['speakers', false],
    ]);

    t.store.getState().stopCheck();
    expect(t.store.getState().checking).toBe(false);
    expect(t.playing[1]?.stopped).toBe(true);
    stop();
  });

  it('stops the check when a call starts or Settings closes', async () => {
    const t = setUp();
    const stop = t.store.getState().start();
    await t.settle();
    await t.store.getState().startCheck();
    t.voice.setState({ channelId: 'room' });
    expect(t.store.getState().checking).toBe(false);
    expect(t.playing[0]?.stopped).toBe(true);
    t.voice.setState({ channelId: null });
    await t.settle();
    await t.store.getState().startCheck();
    stop();
    expect(t.playing[1]?.stopped).toBe(true);
    expect(t.store.getState().checking).toBe(false);
  });

  it('says why when the microphone cannot be opened', async () => {
    const t = setUp({ failOpen: new MicrophoneError('busy', 'The microphone is in use or unavailable.') });
    const stop = t.store.getState().start();
    await t.settle();
    expect(t.store.getState()).toMatchObject({ source: 'off', error: 'The microphone is in use or unavailable.' });
    await t.store.getState().startCheck();
    expect(t.store.getState().checking).toBe(false);
    stop();
  });
});
