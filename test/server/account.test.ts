import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, connectSocket, rawRequest, signedCall } from '../support/rawServerClient';
import { api, signIn, signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';
import type { WorkspaceEventOf } from '../../shared/ws';

/**
 * What a signed-in account reads and changes about itself, on the real server over TLS, attacked as a thief with a
 * session (but not the password) or a careless client would: the password change with a wrong current password,
 * a weak new one, and many guesses; display names with control, bidi or too many characters; device labels that
 * are too long or carry control characters; revoking someone else's session. Each refusal is checked together with
 * the state it must leave as it was.
 */

let t: TestServer;
let ada: TestClient;
let bob: TestClient;
let workspaceId: string;

const address = () => ({ host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin });
const signInRaw = (body: Record<string, unknown>) =>
  rawRequest(t.server, { method: 'POST', path: '/v1/auth/sign-in', body: JSON.stringify(body) });
const liveSessions = async (userId: string) => (await t.server.store.sessions.listActive(userId)).map((s) => s.id);

beforeAll(async () => {
  t = await startTestServer({ workspaceCreation: 'operators' });
  ada = await signUpAndIn(t.server, 'ada');
  bob = await signUpAndIn(t.server, 'bob');
  const { workspace } = await ada.call('createWorkspace', { body: { slug: 'account-team', name: 'Account Team' } });
  workspaceId = workspace.id;
  const { code } = await ada.call('createInvite', { params: { workspaceId }, body: {} });
  await bob.call('acceptInvite', { body: { code } });
});
afterAll(async () => {
  await t?.close();
});

describe('the account as its owner sees it', () => {
  it('says whether two-step sign-in is on and whether this account may create workspaces', async () => {
    expect(await ada.call('getAccount')).toEqual({
      user: ada.user,
      totpEnabled: false,
      serverOwner: true,
      mayCreateWorkspaces: true,
    });
    // Under the `operators` policy only the server's owner may.
    expect(await bob.call('getAccount')).toMatchObject({ serverOwner: false, mayCreateWorkspaces: false });
  });
});

describe('sessions carry the device the client named and the address the server saw', () => {
  it('lists the label and address of each session, marks this one, and keeps the label through a refresh', async () => {
    const signedIn = await api.call(address(), 'signIn', {
      body: { email: ada.email, password: ada.password, device: 'whoot desktop on Linux' },
    });
    const { sessions } = await ada.call('listSessions');
    expect(sessions.find((s) => s.id === signedIn.session.id)).toMatchObject({
      device: 'whoot desktop on Linux',
      address: '127.0.0.1',
      current: false,
    });
    // The test client signed in without a label.
    expect(sessions.find((s) => s.current)).toMatchObject({ device: null, address: '127.0.0.1' });
    const refreshed = await api.call(address(), 'refresh', { body: { refreshToken: signedIn.session.refreshToken } });
    const after = await ada.call('listSessions');
    expect(after.sessions.find((s) => s.id === refreshed.session.id)?.device).toBe('whoot desktop on Linux');
  });

  it.each([
    ['65 characters', 'x'.repeat(65)],
    ['a line break', 'whoot desktop\non Linux'],
    ['an escape sequence', 'whoot \u001b[31mdesktop'],
    ['a right-to-left override', 'whoot \u202edesktop'],
    ['nothing', '   '],
  ])('refuses a device label with %s (400) and starts no session', async (_name, device) => {
    const before = await liveSessions(ada.user.id);
    const response = await signInRaw({ email: ada.email, password: ada.password, device });
    expect(response.status).toBe(400);
    expect(await liveSessions(ada.user.id)).toEqual(before);
  });

  it("answers another user's session id like one that does not exist (404), and ends nothing", async () => {
    const bobs = await liveSessions(bob.user.id);
    const target = bobs[0]!;
    expectError(await signedCall(t.server, ada, 'revokeSession', { params: { sessionId: target } }), 404, 'not_found');
    expect(await liveSessions(bob.user.id)).toEqual(bobs);
    expect((await bob.call('listSessions')).sessions.length).toBe(bobs.length);
  });
});

describe('changing the password', () => {
  it('refuses a wrong current password (403) and changes nothing: password, sessions and sockets stay', async () => {
    const hash = (await t.server.store.users.byId(bob.user.id))?.passwordHash;
    const sessions = await liveSessions(bob.user.id);
    const response = await signedCall(t.server, bob, 'changePassword', {
      body: { currentPassword: 'not the password', newPassword: 'a brand new passphrase' },
    });
    expectError(response, 403, 'wrong_password');
    expect((await t.server.store.users.byId(bob.user.id))?.passwordHash).toBe(hash);
    expect(await liveSessions(bob.user.id)).toEqual(sessions);
    expect((await bob.call('getAccount')).user.id).toBe(bob.user.id);
  });

  it('refuses a very weak new password, or one made of the account name, and changes nothing', async () => {
    const hash = (await t.server.store.users.byId(bob.user.id))?.passwordHash;
    const common = await signedCall(t.server, bob, 'changePassword', {
      body: { currentPassword: bob.password, newPassword: 'password123' },
    });
    expect(common.status).toBe(400);
    expect(JSON.stringify(common.json)).toContain('most common passwords');
    const personal = await signedCall(t.server, bob, 'changePassword', {
      body: { currentPassword: bob.password, newPassword: 'bobbobbob' },
    });
    expect(personal.status).toBe(400);
    expect((await t.server.store.users.byId(bob.user.id))?.passwordHash).toBe(hash);
  });

  it('signs out every other session of the account, closing its sockets, and keeps this one', async () => {
    const other = await signIn(t.server, ada.email, ada.password);
    const { socket } = await connectSocket(t.server, other, workspaceId);
    const keep = ada.grant.id;
    const response = await ada.call('changePassword', {
      body: { currentPassword: ada.password, newPassword: 'lantern orchard 42 velvet' },
    });
    expect(response.signedOutSessions).toBeGreaterThanOrEqual(1);
    expect((await socket.closed).code).toBeGreaterThanOrEqual(4000);
    expect(await liveSessions(ada.user.id)).toEqual([keep]);
    expectError(await signedCall(t.server, other, 'getAccount'), 401, 'unknown_session');
    // The old password no longer signs in; the new one does.
    expectError(await signInRaw({ email: ada.email, password: ada.password }), 401, 'invalid_credentials');
    expect((await signInRaw({ email: ada.email, password: 'lantern orchard 42 velvet' })).status).toBe(200);
    const audit = await t.server.store.audit.since(0, 1000);
    expect(audit.some((entry) => entry.type === 'account.password_changed' && entry.actorUserId === ada.user.id)).toBe(
      true,
    );
    ada = { ...ada, password: 'lantern orchard 42 velvet' };
  });

  it('throttles guessing the current password like sign-in guesses: 429 after the free tries, nothing changed', async () => {
    const mallory = await signUpAndIn(t.server, 'mallory');
    const hash = (await t.server.store.users.byId(mallory.user.id))?.passwordHash;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const response = await signedCall(t.server, mallory, 'changePassword', {
        body: { currentPassword: `guess number ${i}`, newPassword: 'a brand new passphrase' },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
    expect(statuses.at(-1)).toBe(429);
    // Even the right password waits now: the guesses are counted against the account.
    const right = await signedCall(t.server, mallory, 'changePassword', {
      body: { currentPassword: mallory.password, newPassword: 'a brand new passphrase' },
    });
    expectError(right, 429, 'too_many_attempts');
    expect((await t.server.store.users.byId(mallory.user.id))?.passwordHash).toBe(hash);
  });
});

describe('the display name', () => {
  it('changes it and tells every workspace the account is in, so members see the new name', async () => {
    const { socket } = await connectSocket(t.server, bob, workspaceId);
    const updated = await ada.call('updateProfile', { body: { displayName: '  Ada Lovelace  ' } });
    expect(updated.user.displayName).toBe('Ada Lovelace');
    const message = await socket.next('event', (m) => m.event.type === 'member.updated');
    expect((message.event as WorkspaceEventOf<'member.updated'>).payload).toEqual({
      userId: ada.user.id,
      displayName: 'Ada Lovelace',
    });
    const { members } = await bob.call('listMembers', { params: { workspaceId } });
    expect(members.find((m) => m.userId === ada.user.id)?.displayName).toBe('Ada Lovelace');
    socket.ws.close();
  });

  it.each([
    ['nothing', ''],
    ['only spaces', '    '],
    ['65 characters', 'A'.repeat(65)],
    ['a line break', 'Ada\nAdmin'],
    ['a right-to-left override', 'Ada \u202enimda'],
    ['a zero-width space', 'Ada\u200bLovelace'],
    ['an escape sequence', '\u001b[2JAda'],
  ])('refuses a display name with %s (400) and keeps the old one', async (_name, displayName) => {
    const before = (await t.server.store.users.byId(ada.user.id))?.displayName;
    const response = await signedCall(t.server, ada, 'updateProfile', { body: { displayName } });
    expect(response.status).toBe(400);
    expect((await t.server.store.users.byId(ada.user.id))?.displayName).toBe(before);
  });
});

describe('signing up', () => {
  it('refuses a very weak password, or one made of the name or email, and creates no account', async () => {
    const before = await t.server.store.users.count();
    const signUp = (password: string) =>
      rawRequest(t.server, {
        method: 'POST',
        path: '/v1/auth/sign-up',
        body: JSON.stringify({ email: 'grace@example.com', password, displayName: 'Grace Hopper' }),
      });
    const common = await signUp('qwertyuiop');
    expect(common.status).toBe(400);
    expectError(await signUp('gracehopper'), 400, 'weak_password');
    expect(await t.server.store.users.count()).toBe(before);
    expect((await signUp('cobol compiler nanosecond')).status).toBe(201);
  });
});
