import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../../shared/result';
import type { SessionState } from '../../shared/session';
import { createFakeWhootApi, deferred, signedInState, validInvite } from '../testing/fakeWhootApi';
import { createSessionStore } from './sessionStore';

const request = {
  server: { invite: validInvite },
  email: 'ada@example.org',
  password: 'correct horse battery',
};

describe('sessionStore', () => {
  it('starts loading and takes the state session.status reports', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.status = async () => ok(signedInState());
    const { store } = createSessionStore(fake.api);
    expect(store.getState().phase).toBe('loading');

    await store.getState().load();

    expect(store.getState().phase).toBe('ready');
    expect(store.getState().session).toEqual(signedInState());
  });

  it('reports a failed status call instead of pretending to be signed out', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.status = async () => fail('ipc_failed', 'The app could not complete the request.');
    const { store } = createSessionStore(fake.api);

    await store.getState().load();

    expect(store.getState().phase).toBe('failed');
    expect(store.getState().loadError?.message).toBe('The app could not complete the request.');
  });

  it('follows session.changed events', () => {
    const fake = createFakeWhootApi();
    const { store } = createSessionStore(fake.api);

    fake.emit('session.changed', signedInState());
    expect(store.getState().session.signedIn).toBe(true);
    expect(store.getState().phase).toBe('ready');

    fake.emit('session.changed', { signedIn: false });
    expect(store.getState().session.signedIn).toBe(false);
  });

  it('does not let a slow status answer overwrite a newer session.changed event', async () => {
    const fake = createFakeWhootApi();
    const slow = deferred<Result<SessionState>>();
    fake.handlers.status = () => slow.promise;
    const { store } = createSessionStore(fake.api);

    const loading = store.getState().load();
    fake.emit('session.changed', signedInState());
    slow.resolve(ok({ signedIn: false }));
    await loading;

    expect(store.getState().session.signedIn).toBe(true);
    expect(store.getState().phase).toBe('ready');
  });

  it('signs in with the request as given and takes the returned session', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.signIn = async () => ok(signedInState());
    const { store } = createSessionStore(fake.api);

    await expect(store.getState().signIn(request)).resolves.toBe(true);

    expect(fake.calls.signIn).toEqual([request]);
    expect(store.getState().session.signedIn).toBe(true);
    expect(store.getState().signInError).toBeNull();
  });

  it('surfaces the error of a failed sign-in and keeps no password', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.signIn = async () => fail('bad_credentials', 'The email or password is not right.');
    const { store } = createSessionStore(fake.api);

    await expect(store.getState().signIn(request)).resolves.toBe(false);

    expect(store.getState().signInError).toEqual({
      code: 'bad_credentials',
      message: 'The email or password is not right.',
    });
    expect(store.getState().signInPending).toBe(false);
    expect(store.getState().session.signedIn).toBe(false);
    expect(JSON.stringify(store.getState())).not.toContain(request.password);
  });

  it('is pending while the call is in flight and ignores a second submit', async () => {
    const fake = createFakeWhootApi();
    const answer = deferred<Result<SessionState>>();
    fake.handlers.signIn = () => answer.promise;
    const { store } = createSessionStore(fake.api);

    const first = store.getState().signIn(request);
    expect(store.getState().signInPending).toBe(true);
    await expect(store.getState().signIn(request)).resolves.toBe(false);
    expect(fake.calls.signIn).toHaveLength(1);

    answer.resolve(ok(signedInState()));
    await expect(first).resolves.toBe(true);
    expect(store.getState().signInPending).toBe(false);
  });

  it('clears the previous sign-in error when trying again', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.signIn = async () => fail('bad_credentials', 'Nope.');
    const { store } = createSessionStore(fake.api);
    await store.getState().signIn(request);
    const answer = deferred<Result<SessionState>>();
    fake.handlers.signIn = () => answer.promise;

    const retry = store.getState().signIn(request);
    expect(store.getState().signInError).toBeNull();
    answer.resolve(ok(signedInState()));
    await retry;
  });

  it('signs out, and reports a failed sign-out', async () => {
    const fake = createFakeWhootApi();
    fake.handlers.status = async () => ok(signedInState());
    const { store } = createSessionStore(fake.api);
    await store.getState().load();

    fake.handlers.signOut = async () => fail('ipc_failed', 'Could not sign out.');
    await store.getState().signOut();
    expect(store.getState().signOutError?.message).toBe('Could not sign out.');
    expect(store.getState().session.signedIn).toBe(true);

    fake.handlers.signOut = async () => ok({ signedIn: false });
    await store.getState().signOut();
    expect(fake.calls.signOut).toBe(2);
    expect(store.getState().session.signedIn).toBe(false);
    expect(store.getState().signOutError).toBeNull();
  });

  it('stops listening when disposed', () => {
    const fake = createFakeWhootApi();
    const { store, dispose } = createSessionStore(fake.api);
    dispose();

    expect(fake.listenerCount('session.changed')).toBe(0);
    fake.emit('session.changed', signedInState());
    expect(store.getState().session.signedIn).toBe(false);
  });
});
