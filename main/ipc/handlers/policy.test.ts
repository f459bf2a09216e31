import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WhootApi } from '../../../shared/ipc';
import { defaultVoicePreferences } from '../../../shared/voicePreferences';
import { createWhootBridge } from '../../../preload/createWhootBridge';
import { createPushToTalkController, type PushToTalkService } from '../../input/pushToTalkController';
import { withManagedPolicy } from '../../policy/managedPreferences';
import { loadPolicyFile } from '../../policy/policyFile';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createPreferencesStore } from '../../settings/preferencesStore';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const PIN_ALLOWED = 'A'.repeat(43);
const PIN_OTHER = 'B'.repeat(43);

/**
 * A managed policy from a real file, the real dispatcher and handlers behind the real bridge (window.whoot as the
 * page has it), over a real preferences file: a page that tries to change what the organization manages is refused
 * and the file on disk is byte for byte what it was.
 */
describe('managed policy over the IPC door', () => {
  let dir: string;
  let prefsPath: string;
  let api: WhootApi;
  let service: PushToTalkService;

  const prefsText = () => (existsSync(prefsPath) ? readFileSync(prefsPath, 'utf8') : null);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-policy-ipc-'));
    chmodSync(dir, 0o755);
    prefsPath = join(dir, 'preferences.json');
    const policyPath = join(dir, 'policy.json');
    writeFileSync(
      policyPath,
      JSON.stringify({
        inputMode: 'pushToTalk',
        pushToTalkKey: 'F9',
        echoCancellation: true,
        noiseSuppression: false,
        fileSharing: false,
        relayOnlyMedia: true,
        allowedServerPins: [PIN_ALLOWED],
        autoGainControl: 'off', // a bad key: reported, ignored, the rest still applies
      }),
    );
    chmodSync(policyPath, 0o644);
    const policy = await loadPolicyFile({ path: policyPath, platform: 'linux', adminUid: process.getuid?.() ?? 0 });

    // The user had saved their own choices before the policy arrived.
    const plain = createPreferencesStore({ filePath: prefsPath });
    await plain.update('pushToTalk', () => ({ mode: 'voiceActivity', key: 'F8', releaseDelayMs: 150 }));
    await plain.update('voice', () => ({
      ...defaultVoicePreferences,
      processing: { echoCancellation: false, noiseSuppression: true, autoGainControl: true },
    }));

    const preferences = withManagedPolicy(plain, policy.values);
    const sink = createEventSink(() => undefined);
    service = await createPushToTalkController({
      preferences,
      environment: { platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' } },
      launchHook: null,
      shortcuts: null,
      events: sink,
    });
    await service.ready;
    const dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
        sessions: createSessionService({
          vault: new CredentialVault(),
          keychain: null,
          api: createServerApi({ timeoutMs: 2000 }),
          events: sink,
        }),
        pushToTalk: service,
        preferences,
        policy,
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    api = createWhootBridge({
      invoke: (wireChannel, payload) => dispatcher.dispatch(wireChannel, APP, payload),
      subscribe: () => () => undefined,
    });
  });
  afterEach(() => {
    service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the page what is managed and which key was ignored', async () => {
    const view = await api.policy.get();
    expect(view.ok && view.value.status).toBe('applied');
    expect(view.ok && view.value.values).toMatchObject({
      inputMode: 'pushToTalk',
      pushToTalkKey: 'F9',
      fileSharing: false,
    });
    expect(view.ok && view.value.problems.map((problem) => problem.key)).toEqual(['autoGainControl']);
  });

  it('answers the managed values in place of the saved ones', async () => {
    const ptt = await api.pushToTalk.get();
    expect(ptt.ok && { mode: ptt.value.mode, key: ptt.value.key }).toEqual({ mode: 'pushToTalk', key: 'F9' });
    const voice = await api.voicePreferences.get();
    expect(voice.ok && voice.value.processing).toEqual({
      echoCancellation: true,
      noiseSuppression: false,
      autoGainControl: true,
    });
  });

  it('refuses a change to a managed value sent through the bridge, and the preference file stays the same', async () => {
    const before = prefsText();
    const attempts = [
      () => api.pushToTalk.set({ mode: 'voiceActivity' }),
      () => api.pushToTalk.set({ key: 'F10' }),
      () =>
        api.voicePreferences.set({
          processing: { echoCancellation: false, noiseSuppression: false, autoGainControl: true },
        }),
      () =>
        api.voicePreferences.set({
          processing: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        }),
    ];
    for (const attempt of attempts) {
      const result = await attempt();
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatchObject({ code: 'managed_by_policy' });
      expect(!result.ok && result.error.message).toMatch(/managed by your organization/);
      expect(prefsText()).toBe(before);
    }
    const ptt = await api.pushToTalk.get();
    expect(ptt.ok && ptt.value.mode).toBe('pushToTalk');
  });

  it('saves a change to an unmanaged value, keeping the user own managed choices underneath', async () => {
    const saved = await api.voicePreferences.set({
      sensitivityDb: -30,
      processing: { echoCancellation: true, noiseSuppression: false, autoGainControl: false },
    });
    expect(saved.ok && saved.value.processing).toEqual({
      echoCancellation: true,
      noiseSuppression: false,
      autoGainControl: false,
    });
    const onDisk = JSON.parse(prefsText() ?? '{}') as { voice: { sensitivityDb: number; processing: object } };
    expect(onDisk.voice.sensitivityDb).toBe(-30);
    // What the user had chosen for the managed switches is still theirs, should the policy be lifted.
    expect(onDisk.voice.processing).toEqual({
      echoCancellation: false,
      noiseSuppression: true,
      autoGainControl: false,
    });
    const delay = await api.pushToTalk.set({ releaseDelayMs: 400 });
    expect(delay.ok && delay.value.releaseDelayMs).toBe(400);
  });

  it('refuses file sharing in main, whatever the page shows', async () => {
    const id = '0190a0a0-0000-7000-8000-000000000000';
    for (const result of [
      await api.files.uploadBegin({ workspaceId: id, channelId: id, name: 'a.txt', size: 1 }),
      await api.files.downloadBegin({ workspaceId: id, fileId: id }),
      await api.files.save({ workspaceId: id, fileId: id, name: 'a.txt' }),
    ]) {
      expect(!result.ok && result.error.code).toBe('managed_by_policy');
    }
  });

  it('refuses to confirm or sign in to a server whose key the policy does not list, before any connection', async () => {
    const other = { host: '127.0.0.1', port: 9, spkiPin: PIN_OTHER };
    const confirmed = await api.servers.confirm(other);
    expect(!confirmed.ok && confirmed.error.code).toBe('server_not_allowed');
    const signIn = await api.session.signIn({
      server: other,
      email: 'ada@example.com',
      password: 'correct horse battery staple',
    });
    expect(!signIn.ok && signIn.error.code).toBe('server_not_allowed');
    expect(prefsText()).not.toContain(PIN_OTHER);
  });
});
