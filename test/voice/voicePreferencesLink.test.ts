import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { voicePreferencesGetHandler, voicePreferencesSetHandler } from '../../main/ipc/handlers/voicePreferences';
import { createPreferencesStore, type PreferencesStore } from '../../main/settings/preferencesStore';
import { fail } from '../../shared/result';
import { createWorkspaceSocket } from '../../renderer/realtime/workspaceSocket';
import { createDevicesStore } from '../../renderer/stores/devicesStore';
import { createFakeWhootApi } from '../../renderer/testing/fakeWhootApi';
import { linkVoicePreferences, SAVE_DELAY_MS } from '../../renderer/voice/linkVoicePreferences';
import { createVoiceEngine, type VoiceEngine } from '../../renderer/voice/voiceEngine';
import { createWrtcMicrophone } from '../../bot/ports/wrtcMicrophone';
import { createWrtcSpeakers } from '../../bot/ports/wrtcSpeakers';
import { wrtcPeerConnection } from '../../bot/voiceBot';
import { eventually } from '../support/voiceBots';

/*
 * The renderer's side of saved voice settings against main's: the app's voice engine (on @roamhq/wrtc, not in a
 * call), its devices store, the IPC handlers main registers and a preferences file on disk. Only the IPC transport
 * between them is the store tests' scripted api, which answers with the real handlers.
 */

let dir: string;
let preferences: PreferencesStore;
const running: (() => void)[] = [];
const sender = { url: 'app://whoot/index.html', isMainFrame: true };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-voiceprefs-'));
  preferences = createPreferencesStore({ filePath: join(dir, 'preferences.json') });
});
afterEach(() => {
  for (const stop of running.splice(0)) stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One start of the app's renderer: engine, devices and the link, talking to main's handlers for this file. */
function startRenderer(options: { available?: boolean; page?: EventTarget } = {}) {
  const fake = createFakeWhootApi();
  const store = options.available === false ? null : preferences;
  let answered = false;
  fake.answer('voicePreferences.get', async () => {
    const result = await voicePreferencesGetHandler(store)({}, sender);
    answered = true;
    return result;
  });
  fake.answer('voicePreferences.set', async (update) => voicePreferencesSetHandler(store)(update, sender));
  const engine: VoiceEngine = createVoiceEngine({
    createPeerConnection: wrtcPeerConnection,
    microphone: createWrtcMicrophone({ kind: 'tone', frequency: 440 }),
    speakers: createWrtcSpeakers(),
    // Never started: the engine is not in a call here.
    signalling: createWorkspaceSocket({
      workspaceId: randomUUID(),
      ticket: async () => fail('unused', 'not in a call'),
      openSocket: () => {
        throw new Error('not in a call');
      },
    }),
    credentials: async () => fail('unused', 'not in a call'),
  });
  const devices = createDevicesStore(undefined);
  const unlink = linkVoicePreferences({ api: fake.api, engine, devices: devices.store, page: options.page ?? null });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unlink();
    engine.dispose();
    devices.dispose();
  };
  running.push(stop);
  const saves = () => fake.requests.filter((request) => request.channel === 'voicePreferences.set');
  /**
   * Resolves once the saved preferences were answered and applied (the link listens from then on). It used to wait
   * for the question only: under stress-ng main's file read took longer than the 20 ms after it, the test's changes
   * came before the link listened, and no save ever came. The link applies the answer in promise callbacks, which
   * all run before the timer of `pause`.
   */
  const ready = async () => {
    await eventually('the saved preferences answered', () => (answered ? true : undefined));
    await pause(20);
  };
  return { engine, devices: devices.store, stop, saves, ready };
}

describe('voice preferences across restarts', () => {
  it('saves what the user changes, gathered into one write, and a restart applies it', async () => {
    const member = randomUUID();
    const first = startRenderer();
    await first.ready();
    first.engine.setSensitivityDb(-40);
    first.engine.setSensitivityDb(-35);
    await first.engine.setProcessing({ echoCancellation: true, noiseSuppression: false, autoGainControl: true });
    first.engine.setPeerVolume(member, 1.5);
    first.devices.getState().selectInput('usb-headset');
    await eventually('a save', () => (first.saves().length > 0 ? true : undefined));
    await pause(50);
    expect(first.saves()).toHaveLength(1);
    first.stop();
    // Main writes the file atomically after it answers; on a busy machine the rename may still be on its way.
    await eventually('the preferences file', () => (existsSync(preferences.filePath) ? true : undefined));

    expect(JSON.parse(readFileSync(preferences.filePath, 'utf8')).voice).toEqual({
      sensitivityDb: -35,
      processing: { echoCancellation: true, noiseSuppression: false, autoGainControl: true },
      inputDeviceId: 'usb-headset',
      outputDeviceId: null,
      volumes: { [member]: 1.5 },
    });

    const second = startRenderer();
    await eventually('restored', () => (second.engine.store.getState().sensitivityDb === -35 ? true : undefined));
    const state = second.engine.store.getState();
    expect(state.processing.noiseSuppression).toBe(false);
    expect(state.volumes[member]).toBe(1.5);
    expect(second.devices.getState().selectedInputId).toBe('usb-headset');
    // Applying what was saved is not a change to save again.
    await pause(SAVE_DELAY_MS * 2);
    expect(second.saves()).toEqual([]);
  });

  it.each(['the app stops', 'the window closes (pagehide)'])(
    'saves the last change made just before %s',
    async (how) => {
      const page = new EventTarget();
      const first = startRenderer({ page });
      await first.ready();
      first.engine.setSensitivityDb(-20);
      if (how === 'the app stops') first.stop();
      else page.dispatchEvent(new Event('pagehide'));
      const deadline = Date.now() + 2000;
      while ((await preferences.load()).voice.sensitivityDb !== -20 && Date.now() < deadline) await pause(20);
      expect((await preferences.load()).voice.sensitivityDb).toBe(-20);
    },
  );

  it('keeps the defaults and asks main for nothing more where main keeps no preferences', async () => {
    const first = startRenderer({ available: false });
    await first.ready();
    first.engine.setSensitivityDb(-20);
    await pause(SAVE_DELAY_MS * 2);
    expect(first.saves()).toEqual([]);
  });
});
