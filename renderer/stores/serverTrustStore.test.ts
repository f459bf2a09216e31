import { describe, expect, it } from 'vitest';
import { formatInviteLink } from '../../shared/deepLink';
import { ok } from '../../shared/result';
import type { ServerTrustStatus } from '../../shared/serverTrust';
import { createFakeWhootApi, signedInState, validInvite } from '../testing/fakeWhootApi';
import { createInviteStore } from './inviteStore';
import { createServerTrustStore } from './serverTrustStore';
import { createSessionStore } from './sessionStore';

const { code: _code, ...server } = validInvite;

function setUp(status: ServerTrustStatus) {
  const fake = createFakeWhootApi();
  fake.answer('servers.review', async (request) => ok({ ...request, fingerprint: 'AAAA AAAA AAAA AAAA', status }));
  fake.answer('servers.confirm', async () => ok({}));
  fake.handlers.signIn = async () => ok(signedInState());
  const trust = createServerTrustStore(fake.api);
  const session = createSessionStore(fake.api, {
    confirmServer: (address) => trust.getState().ensureConfirmed(address, 'sign-in'),
  });
  const received: unknown[] = [];
  const invite = createInviteStore(fake.api, trust, { onReceived: (value) => received.push(value) });
  return { fake, trust, session: session.store, invite: invite.store, received };
}

const request = { server: { invite: validInvite }, email: 'ada@example.org', password: 'correct horse battery' };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const channels = (fake: ReturnType<typeof createFakeWhootApi>) => fake.requests.map((entry) => entry.channel);

describe('the question before a new server', () => {
  it('does not let a whoot:// link change the invite field until the user confirms the server', async () => {
    const { fake, trust, invite, received } = setUp('new');
    invite.getState().setLink('whoot://join?typed-by-the-user');
    fake.emit('invite.received', validInvite);
    await settle();
    expect(trust.getState().question).toEqual({
      review: { ...server, fingerprint: 'AAAA AAAA AAAA AAAA', status: 'new' },
      source: 'link',
    });
    expect(invite.getState().link).toBe('whoot://join?typed-by-the-user');

    await trust.getState().answer(false);
    await settle();
    expect(invite.getState().link).toBe('whoot://join?typed-by-the-user');
    expect(received).toEqual([]);
    expect(channels(fake)).toEqual(['servers.review']);

    fake.emit('invite.received', validInvite);
    await settle();
    await trust.getState().answer(true);
    await settle();
    expect(fake.requests.at(-1)).toEqual({ channel: 'servers.confirm', request: server });
    expect(invite.getState().link).toBe(formatInviteLink(validInvite));
    expect(received).toEqual([validInvite]);
  });

  it('sends no sign-in when the user declines, and signs in once they confirm', async () => {
    const { fake, trust, session } = setUp('new');
    const declined = session.getState().signIn(request);
    await settle();
    expect(session.getState().signInPending).toBe(true);
    expect(trust.getState().question?.source).toBe('sign-in');
    await trust.getState().answer(false);
    expect(await declined).toBe(false);
    expect(fake.calls.signIn).toEqual([]);
    expect(session.getState()).toMatchObject({
      signInPending: false,
      signInError: { code: 'server_not_confirmed' },
    });

    const confirmed = session.getState().signIn(request);
    await settle();
    await trust.getState().answer(true);
    expect(await confirmed).toBe(true);
    expect(channels(fake)).toEqual(['servers.review', 'servers.review', 'servers.confirm']);
    expect(fake.calls.signIn).toHaveLength(1);
  });

  it('asks nothing about a server main already knows', async () => {
    const { fake, trust, session, invite } = setUp('known');
    expect(await session.getState().signIn(request)).toBe(true);
    fake.emit('invite.received', validInvite);
    await settle();
    expect(trust.getState().question).toBeNull();
    expect(invite.getState().link).toBe(formatInviteLink(validInvite));
  });

  it('lets a newer link replace an open question, which then counts as declined', async () => {
    const { fake, trust, invite, received } = setUp('key_changed');
    fake.emit('invite.received', validInvite);
    await settle();
    const other = { ...validInvite, host: 'other.example.org' };
    fake.emit('invite.received', other);
    await settle();
    expect(trust.getState().question?.review).toMatchObject({ host: 'other.example.org', status: 'key_changed' });
    await trust.getState().answer(true);
    await settle();
    expect(received).toEqual([other]);
    expect(invite.getState().link).toBe(formatInviteLink(other));
  });
});
