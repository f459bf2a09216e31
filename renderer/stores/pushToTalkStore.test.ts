import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { PushToTalkStatus } from '../../shared/pushToTalk';
import { fail, ok, type Result } from '../../shared/result';
import { createFakeWhootApi, deferred } from '../testing/fakeWhootApi';
import { createPushToTalkStore, linkCallToTray, type CallControls } from './pushToTalkStore';

const hookStatus: PushToTalkStatus = {
  mode: 'pushToTalk',
  key: 'F8',
  releaseDelayMs: 150,
  active: false,
  mechanism: { kind: 'hook', detail: 'Hold F8 to talk, whichever window has focus (system key hook).' },
};

describe('pushToTalkStore', () => {
  it('loads the preferences and the mechanism main reports', async () => {
    const fake = createFakeWhootApi();
    fake.answer('pushToTalk.get', async () => ok(hookStatus));
    const { store } = createPushToTalkStore(fake.api);
    expect(store.getState().phase).toBe('loading');
    await store.getState().load();
    expect(store.getState()).toMatchObject({
      phase: 'ready',
      mode: 'pushToTalk',
      key: 'F8',
      releaseDelayMs: 150,
      talking: false,
      mechanism: hookStatus.mechanism,
      error: null,
    });
  });

  it('says unavailable (not failed) where main runs no push-to-talk', async () => {
    const fake = createFakeWhootApi();
    fake.answer('pushToTalk.get', async () => fail('push_to_talk_unavailable', 'Push-to-talk is not available.'));
    const { store } = createPushToTalkStore(fake.api);
    await store.getState().load();
    expect(store.getState()).toMatchObject({
      phase: 'unavailable',
      error: null,
      mechanism: { kind: 'unavailable', detail: 'Push-to-talk is not available.' },
    });
  });

  it('reports a failed load', async () => {
    const fake = createFakeWhootApi();
    fake.answer('pushToTalk.get', async () => fail('ipc_failed', 'The app could not complete the request.'));
    const { store } = createPushToTalkStore(fake.api);
    await store.getState().load();
    expect(store.getState()).toMatchObject({ phase: 'failed', error: { code: 'ipc_failed' } });
  });

  it('follows talking and mechanism events, and a slow answer does not overwrite a newer event', async () => {
    const fake = createFakeWhootApi();
    const slow = deferred<Result<PushToTalkStatus>>();
    fake.answer('pushToTalk.get', () => slow.promise);
    const { store } = createPushToTalkStore(fake.api);
    const loading = store.getState().load();
    fake.emit('pushToTalk.changed', { active: true });
    fake.emit('pushToTalk.mechanismChanged', { kind: 'unavailable', detail: 'The key hook stopped.' });
    slow.resolve(ok(hookStatus));
    await loading;
    expect(store.getState()).toMatchObject({
      phase: 'ready',
      key: 'F8',
      talking: true,
      mechanism: { kind: 'unavailable', detail: 'The key hook stopped.' },
    });
    fake.emit('pushToTalk.changed', { active: false });
    expect(store.getState().talking).toBe(false);
  });

  it('applies what main saved, and keeps the old values with the reason when main refuses', async () => {
    const fake = createFakeWhootApi();
    fake.answer('pushToTalk.get', async () => ok(hookStatus));
    fake.answer('pushToTalk.set', async (request) =>
      request.key === 'V'
        ? fail('invalid_input', 'Invalid pushToTalk.set request: key: V types text, so it needs a modifier')
        : ok({ ...hookStatus, ...request }),
    );
    const { store } = createPushToTalkStore(fake.api);
    await store.getState().load();

    expect(await store.getState().update({ key: 'Ctrl+F9', releaseDelayMs: 400 })).toBe(true);
    expect(store.getState()).toMatchObject({ key: 'Ctrl+F9', releaseDelayMs: 400, saving: false, error: null });

    expect(await store.getState().update({ key: 'V' })).toBe(false);
    expect(store.getState()).toMatchObject({ key: 'Ctrl+F9', saving: false, error: { code: 'invalid_input' } });
    expect(fake.requests.filter((call) => call.channel === 'pushToTalk.set').map((call) => call.request)).toEqual([
      { key: 'Ctrl+F9', releaseDelayMs: 400 },
      { key: 'V' },
    ]);
  });

  it('dispose stops listening', () => {
    const fake = createFakeWhootApi();
    const { dispose } = createPushToTalkStore(fake.api);
    expect(fake.listenerCount('pushToTalk.changed')).toBe(1);
    dispose();
    expect(fake.listenerCount('pushToTalk.changed')).toBe(0);
    expect(fake.listenerCount('pushToTalk.mechanismChanged')).toBe(0);
  });
});

const general = { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61', name: 'General' };

/** The engine's call controls over a plain zustand store: what linkCallToTray reads and acts on. */
function callControls(): CallControls {
  const store = createStore<{ channelId: string | null; muted: boolean; deafened: boolean }>()(() => ({
    channelId: null,
    muted: false,
    deafened: false,
  }));
  return {
    store,
    setMuted: (muted) => store.setState({ muted }),
    setDeafened: (deafened) => store.setState({ deafened }),
  };
}

describe('linkCallToTray', () => {
  it('reports the call to main whenever channel, mute or deafen change, once per change', async () => {
    const fake = createFakeWhootApi();
    fake.answer('voice.reportState', async () => ok({}));
    const call = callControls();
    const channels = createStore(() => ({ channels: [] as { id: string; name: string }[] }));
    const unlink = linkCallToTray(fake.api, call, channels);
    call.store.setState({ channelId: general.id });
    channels.setState({ channels: [general] });
    call.store.setState({ muted: true });
    call.store.setState({ muted: true });
    unlink();
    call.store.setState({ deafened: true });
    expect(fake.requests.map((entry) => entry.request)).toEqual([
      { inChannel: null, muted: false, deafened: false },
      { inChannel: 'a voice channel', muted: false, deafened: false },
      { inChannel: 'General', muted: false, deafened: false },
      { inChannel: 'General', muted: true, deafened: false },
    ]);
  });

  it("the tray's Mute and Deafen toggle the call", () => {
    const fake = createFakeWhootApi();
    fake.answer('voice.reportState', async () => ok({}));
    const call = callControls();
    const unlink = linkCallToTray(
      fake.api,
      call,
      createStore(() => ({ channels: [general] })),
    );
    fake.emit('voice.toggleMuteRequested', {});
    expect(call.store.getState().muted).toBe(true);
    fake.emit('voice.toggleMuteRequested', {});
    expect(call.store.getState().muted).toBe(false);
    fake.emit('voice.toggleDeafenRequested', {});
    expect(call.store.getState().deafened).toBe(true);
    unlink();
    expect(fake.listenerCount('voice.toggleMuteRequested')).toBe(0);
    expect(fake.listenerCount('voice.toggleDeafenRequested')).toBe(0);
  });

  it('without an engine the tray is told there is no call, and its requests do nothing', () => {
    const fake = createFakeWhootApi();
    fake.answer('voice.reportState', async () => ok({}));
    linkCallToTray(
      fake.api,
      null,
      createStore(() => ({ channels: [] })),
    );
    fake.emit('voice.toggleMuteRequested', {});
    expect(fake.requests.map((entry) => entry.request)).toEqual([{ inChannel: null, muted: false, deafened: false }]);
  });
});
