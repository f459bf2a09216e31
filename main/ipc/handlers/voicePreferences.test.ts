import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultVoicePreferences, MAX_SAVED_VOLUMES } from '../../../shared/voicePreferences';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createPreferencesStore, type PreferencesStore } from '../../settings/preferencesStore';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers, type IpcDispatcher } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';
import { TEST_IO_TIMEOUT_MS } from '../../../test/support/testDeadlines';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const IFRAME = { url: 'app://whoot/index.html', isMainFrame: false };
const ELSEWHERE = { url: 'https://evil.example/', isMainFrame: true };

/** The real dispatcher and handlers over a real preferences file, probed as a compromised page would. */
describe('voicePreferences.get / voicePreferences.set over the IPC door', () => {
  let dir: string;
  let filePath: string;
  let dispatcher: IpcDispatcher;

  const dispatcherFor = (preferences: PreferencesStore | null) =>
    registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
        sessions: createSessionService({
          vault: new CredentialVault(),
          keychain: null,
          api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
          events: createEventSink(() => undefined),
        }),
        preferences,
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-voiceprefs-ipc-'));
    filePath = join(dir, 'preferences.json');
    dispatcher = dispatcherFor(createPreferencesStore({ filePath }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const set = (payload: unknown, sender = APP) => dispatcher.dispatch('whoot:voicePreferences.set', sender, payload);
  const fileText = () => (existsSync(filePath) ? readFileSync(filePath, 'utf8') : null);

  it('answers the defaults, saves a change and answers what was saved', async () => {
    expect(await dispatcher.dispatch('whoot:voicePreferences.get', APP, {})).toEqual({
      ok: true,
      value: defaultVoicePreferences,
    });
    const member = randomUUID();
    const saved = await set({ sensitivityDb: -42, volumes: { [member]: 0.5 } });
    expect(saved).toEqual({
      ok: true,
      value: { ...defaultVoicePreferences, sensitivityDb: -42, volumes: { [member]: 0.5 } },
    });
    expect(JSON.parse(fileText() ?? '{}').voice).toEqual(saved.ok ? saved.value : null);
  });

  it.each([
    ['a sensitivity above 0 dB', { sensitivityDb: 40 }],
    ['a sensitivity that is not a number', { sensitivityDb: '-40' }],
    ['a volume of 1000 %', { volumes: { [randomUUID()]: 10 } }],
    ['a volume keyed by a path', { volumes: { '../../etc/passwd': 1 } }],
    ['a volume keyed by __proto__', JSON.parse('{"volumes": {"__proto__": 1}}')],
    [
      'more volumes than are kept',
      { volumes: Object.fromEntries(Array.from({ length: MAX_SAVED_VOLUMES + 1 }, () => [randomUUID(), 0.5])) },
    ],
    ['a device id of 100,000 characters', { inputDeviceId: 'a'.repeat(100_000) }],
    ['a device id with a NUL', { outputDeviceId: 'mic\u0000' }],
    ['a field that is not a voice preference', { pushToTalk: { mode: 'toggle' } }],
    ['not an object', 'loud'],
  ])('refuses %s and leaves the file as it was', async (_name, payload) => {
    await set({ sensitivityDb: -30 });
    const before = fileText();
    const result = await set(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid_input');
    expect(fileText()).toBe(before);
  });

  it.each([
    ['a frame inside the page', IFRAME],
    ['another origin', ELSEWHERE],
  ])('refuses %s, changing nothing', async (_name, sender) => {
    const result = await set({ sensitivityDb: -10 }, sender);
    expect(result.ok).toBe(false);
    expect(fileText()).toBeNull();
    expect((await dispatcher.dispatch('whoot:voicePreferences.get', sender, {})).ok).toBe(false);
  });

  it('says plainly when this window keeps no preferences', async () => {
    const without = dispatcherFor(null);
    expect(await without.dispatch('whoot:voicePreferences.set', APP, { sensitivityDb: -10 })).toMatchObject({
      ok: false,
      error: { code: 'preferences_unavailable' },
    });
  });
});
