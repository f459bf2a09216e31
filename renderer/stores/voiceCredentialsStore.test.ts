import { describe, expect, it } from 'vitest';
import { createFakeWhootApi } from '../testing/fakeWhootApi';
import { createVoiceCredentialsStore, type IceServerEntry } from './voiceCredentialsStore';

const turn: IceServerEntry = {
  urls: ['turns:voice.example.org:5349?transport=tcp'],
  username: '1700000600:user:session',
  credential: 'c2VjcmV0LWZvci10ZXN0cw==',
};

function setup() {
  const fake = createFakeWhootApi();
  const page = new EventTarget();
  const { store, dispose } = createVoiceCredentialsStore(fake.api, page);
  store.getState().hold([turn], 10_000);
  return { fake, page, store, dispose };
}

describe('voiceCredentialsStore', () => {
  it('holds credentials until they expire', () => {
    const { store } = setup();
    expect(store.getState().usable(9_999)).toEqual([turn]);
    expect(store.getState().usable(10_000)).toEqual([]);
  });

  it('keeps its own copy, so the caller cannot bring dropped credentials back', () => {
    const fake = createFakeWhootApi();
    const { store } = createVoiceCredentialsStore(fake.api, null);
    const urls = ['turn:voice.example.org:3478'];
    store.getState().hold([{ urls, username: 'u', credential: 'c' }], 10_000);
    urls.push('turn:evil.example:3478');
    expect(store.getState().iceServers[0]?.urls).toEqual(['turn:voice.example.org:3478']);
    const handedOut = store.getState().usable(0);
    (handedOut[0] as { credential?: string }).credential = 'changed';
    expect(store.getState().iceServers[0]?.credential).toBe('c');
  });

  it.each(['sign-out', 'session-ended', 'unload'] as const)('drops them when main says so (%s)', (reason) => {
    const { fake, store } = setup();
    fake.emit('voice.dropCredentials', { reason });
    expect(store.getState().iceServers).toEqual([]);
    expect(store.getState().expiresAt).toBeNull();
    expect(store.getState().usable(0)).toEqual([]);
    expect(store.getState().lastDropReason).toBe(reason);
  });

  it.each(['pagehide', 'beforeunload'])('drops them when the page goes away (%s)', (event) => {
    const { page, store } = setup();
    page.dispatchEvent(new Event(event));
    expect(store.getState().iceServers).toEqual([]);
    expect(store.getState().lastDropReason).toBe('unload');
  });

  it('drop() clears them directly', () => {
    const { store } = setup();
    store.getState().drop('sign-out');
    expect(store.getState().iceServers).toEqual([]);
  });

  it('stops listening when disposed', () => {
    const { fake, page, store, dispose } = setup();
    dispose();
    expect(fake.listenerCount('voice.dropCredentials')).toBe(0);
    page.dispatchEvent(new Event('pagehide'));
    expect(store.getState().iceServers).toHaveLength(1);
  });
});
