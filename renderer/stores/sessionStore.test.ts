import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../../shared/result';
import type { SessionState } from '../../shared/session';
import { createFakeWhootApi, deferred, signedInState, validInvite, workspaceA } from '../testing/fakeWhootApi';
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

  describe('when the page’s CSP must change (main serves it per document for the signed-in servers)', () => {
    function withReload(status: SessionState) {
      const fake = createFakeWhootApi();
      fake.handlers.status = async () => ok(status);
      let reloads = 0;
      const { store } = createSessionStore(fake.api, { reloadPage: () => void (reloads += 1) });
      return { fake, store, reloads: () => reloads };
    }

    it('reloads after signing in instead of showing the session in a page that cannot reach its server', async () => {
      const { fake, store, reloads } = withReload({ signedIn: false });
      await store.getState().load();
      fake.handlers.signIn = async () => ok(signedInState());
      expect(await store.getState().signIn(request)).toBe(true);
      expect(reloads()).toBe(1);
      // Still "Signing in…" and signed out here: the reloaded page shows the session, with the policy for it.
      expect(store.getState()).toMatchObject({ signInPending: true, session: { signedIn: false } });
      // The session.changed main sends alongside changes nothing more, and asks for no second reload.
      fake.emit('session.changed', signedInState());
      expect(reloads()).toBe(1);
      expect(store.getState().session.signedIn).toBe(false);
    });

    it('reloads after signing out, and when main signs the page out', async () => {
      const first = withReload(signedInState());
      await first.store.getState().load();
      first.fake.handlers.signOut = async () => ok({ signedIn: false });
      await first.store.getState().signOut();
      expect(first.reloads()).toBe(1);
      expect(first.store.getState()).toMatchObject({ signOutPending: true, session: { signedIn: true } });

      const second = withReload(signedInState());
      await second.store.getState().load();
      second.fake.emit('session.changed', { signedIn: false });
      expect(second.reloads()).toBe(1);
    });

    it('reloads for a session on another server, and not for a change on the same one', async () => {
      const { fake, store, reloads } = withReload(signedInState());
      await store.getState().load();
      fake.emit('session.changed', signedInState([workspaceA]));
      expect(reloads()).toBe(0);
      expect(store.getState().session).toEqual(signedInState([workspaceA]));
      const elsewhere = { ...signedInState(), server: { host: 'other.example.org', port: 8443 } };
      fake.emit('session.changed', elsewhere);
      expect(reloads()).toBe(1);
    });

    it('takes the first answer as the policy the page was loaded with', async () => {
      const { store, reloads } = withReload(signedInState());
      await store.getState().load();
      expect(reloads()).toBe(0);
      expect(store.getState().session.signedIn).toBe(true);
    });
  });
});
