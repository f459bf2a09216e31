import { describe, expect, it } from 'vitest';
import { formatInviteLink } from '../../shared/deepLink';
import { eventChannelNames } from '../../shared/ipc';
import { ok } from '../../shared/result';
import { createFakeWhootApi, signedInState, validInvite } from '../testing/fakeWhootApi';
import { createStores } from './createStores';
import { visibleScreen } from './navigationStore';

function setup() {
  const fake = createFakeWhootApi();
  const page = new EventTarget();
  const { stores, dispose } = createStores(fake.api, { page, mediaDevices: undefined });
  return { fake, page, stores, dispose };
}

describe('createStores', () => {
  it('moves to the workspace screen on sign-in and back to sign-in on sign-out', () => {
    const { fake, stores } = setup();
    expect(stores.navigation.getState().screen).toBe('signIn');

    fake.emit('session.changed', signedInState());
    expect(stores.navigation.getState().screen).toBe('workspace');

    fake.emit('session.changed', { signedIn: false });
    expect(stores.navigation.getState().screen).toBe('signIn');
  });

  it('leaves the user on Settings when the session changes underneath', () => {
    const { fake, stores } = setup();
    stores.navigation.getState().go('settings');
    fake.emit('session.changed', signedInState());
    expect(stores.navigation.getState().screen).toBe('settings');
    fake.emit('session.changed', { signedIn: false });
    expect(stores.navigation.getState().screen).toBe('settings');
  });

  /** main's answer to servers.review: the invite's server is new until the user confirms it. */
  function reviewAs(fake: ReturnType<typeof createFakeWhootApi>, status: 'known' | 'new') {
    fake.answer('servers.review', async (server) => ok({ ...server, fingerprint: 'AAAA AAAA AAAA AAAA', status }));
    fake.answer('servers.confirm', async () => ok({}));
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('fills in an invite opened from the OS, after the question about a new server, and shows the sign-in form', async () => {
    const { fake, stores } = setup();
    reviewAs(fake, 'new');
    stores.navigation.getState().go('settings');
    fake.emit('invite.received', validInvite);
    await settle();
    expect(stores.invite.getState().link).toBe('');
    expect(stores.navigation.getState().screen).toBe('settings');
    await stores.serverTrust.getState().answer(true);
    await settle();
    expect(stores.invite.getState().link).toBe(formatInviteLink(validInvite));
    expect(stores.navigation.getState().screen).toBe('signIn');
  });

  it('opens the join dialog for an invite opened while signed in, without the sign-in form or its question', async () => {
    const { fake, stores } = setup();
    reviewAs(fake, 'new');
    fake.emit('session.changed', signedInState());
    fake.emit('invite.received', validInvite);
    await settle();
    expect(stores.onboarding.getState().joining).toEqual({ link: formatInviteLink(validInvite) });
    expect(stores.navigation.getState().screen).toBe('workspace');
    // Nothing was asked or sent: joining checks the invite against the signed-in server in main, before any call.
    expect(stores.serverTrust.getState().question).toBeNull();
    expect(fake.requests.map((entry) => entry.channel)).not.toContain('servers.review');
    expect(stores.invite.getState().link).toBe('');
  });

  it('opens the account form for an invite opened while signed out, once its server is confirmed', async () => {
    const { fake, stores } = setup();
    reviewAs(fake, 'known');
    fake.emit('invite.received', validInvite);
    await settle();
    expect(stores.onboarding.getState().signedOutMode).toBe('signUp');
    expect(stores.onboarding.getState().joining).toBeNull();
    expect(stores.invite.getState().link).toBe(formatInviteLink(validInvite));
  });

  it('drops voice credentials when the session ends, even without the drop event', () => {
    const { fake, stores } = setup();
    fake.emit('session.changed', signedInState());
    stores.voiceCredentials.getState().hold([{ urls: 'turn:voice.example.org:3478' }], Date.now() + 60_000);
    fake.emit('session.changed', { signedIn: false });
    expect(stores.voiceCredentials.getState().iceServers).toEqual([]);
    expect(stores.voiceCredentials.getState().lastDropReason).toBe('session-ended');
  });

  it('drops voice credentials on unload', () => {
    const { page, stores } = setup();
    stores.voiceCredentials.getState().hold([{ urls: 'turn:voice.example.org:3478' }], Date.now() + 60_000);
    page.dispatchEvent(new Event('pagehide'));
    expect(stores.voiceCredentials.getState().iceServers).toEqual([]);
  });

  it('lets go of every subscription when disposed', () => {
    const { fake, dispose } = setup();
    expect(eventChannelNames.every((event) => fake.listenerCount(event) > 0)).toBe(true);
    dispose();
    expect(eventChannelNames.map((event) => fake.listenerCount(event))).toEqual(eventChannelNames.map(() => 0));
  });
});

describe('visibleScreen', () => {
  it('shows the account screen that matches the session', () => {
    expect(visibleScreen('workspace', false)).toBe('signIn');
    expect(visibleScreen('signIn', true)).toBe('workspace');
    expect(visibleScreen('settings', false)).toBe('settings');
    expect(visibleScreen('settings', true)).toBe('settings');
  });
});
