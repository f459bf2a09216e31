import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPushToTalkController, type PushToTalkService } from '../../input/pushToTalkController';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createPreferencesStore } from '../../settings/preferencesStore';
import { defaultVoicePreferences } from '../../../shared/voicePreferences';
import { createReportedCallState, type ReportedCallState } from '../../tray/reportedCallState';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers, type IpcDispatcher } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';
import { TEST_IO_TIMEOUT_MS } from '../../../test/support/testDeadlines';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const IFRAME = { url: 'app://whoot/index.html', isMainFrame: false };
const ELSEWHERE = { url: 'https://evil.example/', isMainFrame: true };

/**
 * The real dispatcher, handlers, controller and preferences file. The environment is a Wayland session, where whoot
 * runs no key hook, and there is no Electron globalShortcut in Node: push-to-talk reports itself unavailable and
 * says why, which is also what these channels must carry faithfully.
 */
describe('pushToTalk.get / pushToTalk.set / voice.reportState over the IPC door', () => {
  let dir: string;
  let filePath: string;
  let service: PushToTalkService;
  let callState: ReportedCallState;
  let dispatcher: IpcDispatcher;
  let events: Array<[string, unknown]>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-ptt-ipc-'));
    filePath = join(dir, 'preferences.json');
    events = [];
    const sink = createEventSink((channel, payload) => events.push([channel, payload]));
    service = await createPushToTalkController({
      preferences: createPreferencesStore({ filePath }),
      environment: { platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0' } },
      launchHook: null,
      shortcuts: null,
      events: sink,
    });
    await service.ready;
    callState = createReportedCallState();
    const sessions = createSessionService({
      vault: new CredentialVault(),
      keychain: null,
      api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
      events: sink,
    });
    dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
        sessions,
        pushToTalk: service,
        callState,
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
  });

  afterEach(() => {
    service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = () => dispatcher.dispatch('whoot:pushToTalk.get', APP, {});

  it('answers the defaults and which mechanism is in effect', async () => {
    expect(await get()).toEqual({
      ok: true,
      value: {
        mode: 'voiceActivity',
        key: 'F8',
        releaseDelayMs: 150,
        active: false,
        mechanism: { kind: 'off', detail: 'Voice activity: the microphone opens when you speak.' },
      },
    });
  });

  it('saves a valid change, and says plainly why hold-to-talk cannot work on this Wayland session', async () => {
    const result = await dispatcher.dispatch('whoot:pushToTalk.set', APP, { mode: 'pushToTalk', key: 'Ctrl+F9' });
    expect(result).toMatchObject({ ok: true, value: { mode: 'pushToTalk', key: 'Ctrl+F9', releaseDelayMs: 150 } });
    const mechanism = result.ok ? (result.value as { mechanism: { kind: string; detail: string } }).mechanism : null;
    expect(mechanism?.kind).toBe('unavailable');
    expect(mechanism?.detail).toMatch(/Hold-to-talk is not possible: This is a Wayland session.*no global shortcuts/);
    expect(JSON.parse(readFileSync(filePath, 'utf8'))).toEqual({
      version: 1,
      pushToTalk: { mode: 'pushToTalk', key: 'Ctrl+F9', releaseDelayMs: 150 },
      voice: defaultVoicePreferences,
      joinedServers: [],
    });
    expect(await get()).toMatchObject({ ok: true, value: { mode: 'pushToTalk', key: 'Ctrl+F9' } });
  });

  it.each([
    ['nothing to change', {}],
    ['an unknown field', { key: 'F9', shell: 'rm -rf /' }],
    ['a key outside the table', { key: 'Enter' }],
    ['a typing key alone (would open the mic while typing)', { key: 'V' }],
    ['modifiers out of order', { key: 'Shift+Ctrl+F9' }],
    ['a key name from the prototype', { key: '__proto__' }],
    ['a negative delay', { releaseDelayMs: -1 }],
    ['a delay past 2 s', { releaseDelayMs: 2001 }],
    ['a fractional delay', { releaseDelayMs: 10.5 }],
    ['a delay as text', { releaseDelayMs: '100' }],
    ['an unknown mode', { mode: 'always-on' }],
    ['a huge key', { key: 'F'.repeat(100_000) }],
    ['null', null],
    ['an array', [{ key: 'F9' }]],
  ])('refuses %s and changes nothing', async (_name, payload) => {
    await dispatcher.dispatch('whoot:pushToTalk.set', APP, { mode: 'toggle', key: 'F7', releaseDelayMs: 90 });
    const fileBefore = readFileSync(filePath, 'utf8');
    const before = await get();
    events.length = 0;

    const result = await dispatcher.dispatch('whoot:pushToTalk.set', APP, payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!result.ok) expect(result.error.message).toMatch(/^Invalid pushToTalk\.set request: /);
    expect(readFileSync(filePath, 'utf8')).toBe(fileBefore);
    expect(await get()).toEqual(before);
    expect(events).toEqual([]);
  });

  it.each([
    ['an iframe of the app', IFRAME],
    ['another origin', ELSEWHERE],
  ])('refuses a change from %s before anything is saved', async (_name, sender) => {
    const result = await dispatcher.dispatch('whoot:pushToTalk.set', sender, { mode: 'pushToTalk' });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(existsSync(filePath)).toBe(false);
    expect(await get()).toMatchObject({ ok: true, value: { mode: 'voiceActivity' } });
  });

  it('voice.reportState updates what the tray shows', async () => {
    const seen: unknown[] = [];
    callState.subscribe((state) => seen.push(state));
    expect(
      await dispatcher.dispatch('whoot:voice.reportState', APP, { inChannel: 'General', muted: true, deafened: false }),
    ).toEqual({ ok: true, value: {} });
    expect(callState.current()).toEqual({ inChannel: 'General', muted: true, deafened: false });
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a missing field', { inChannel: 'General', muted: true }],
    ['an extra field', { inChannel: 'General', muted: true, deafened: false, userId: 'x' }],
    ['an empty channel name', { inChannel: '', muted: false, deafened: false }],
    ['a huge channel name', { inChannel: 'x'.repeat(101), muted: false, deafened: false }],
    ['a muted flag as text', { inChannel: null, muted: 'true', deafened: false }],
  ])('voice.reportState refuses %s and the tray state stays as it was', async (_name, payload) => {
    await dispatcher.dispatch('whoot:voice.reportState', APP, { inChannel: 'Lobby', muted: false, deafened: true });
    const result = await dispatcher.dispatch('whoot:voice.reportState', APP, payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(callState.current()).toEqual({ inChannel: 'Lobby', muted: false, deafened: true });
  });

  it('voice.reportState from another origin is refused', async () => {
    const result = await dispatcher.dispatch('whoot:voice.reportState', ELSEWHERE, {
      inChannel: 'Owned',
      muted: false,
      deafened: false,
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(callState.current().inChannel).toBeNull();
  });

  it('where no push-to-talk service runs, the channels say so instead of pretending', async () => {
    const sessions = createSessionService({
      vault: new CredentialVault(),
      keychain: null,
      api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
      events: createEventSink(() => undefined),
    });
    const bare = registerHandlers({
      handlers: createHandlers({ identity: { name: 'whoot', version: '0', platform: 'linux' }, sessions }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    expect(await bare.dispatch('whoot:pushToTalk.get', APP, {})).toMatchObject({
      ok: false,
      error: { code: 'push_to_talk_unavailable' },
    });
    expect(await bare.dispatch('whoot:pushToTalk.set', APP, { mode: 'toggle' })).toMatchObject({
      ok: false,
      error: { code: 'push_to_talk_unavailable' },
    });
  });
});
