import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeepLink, type Invite } from '../../../shared/deepLink';
import type { EventChannel } from '../../../shared/ipc';
import { base32Decode } from '../../server/auth/base32';
import { totpCodeAt, totpStepAt } from '../../server/auth/totp';
import {
  signIn,
  signUpAndIn,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../../test/support/serverHarness';
import { hashPassword } from '../../server/auth/passwordHashing';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';

/**
 * Onboarding and the account through the IPC door, as main wires it, against the real server over TLS: sign-up
 * from an invite on an invite-only server, the second step of a sign-in, joining and creating workspaces while
 * signed in, and the recovery codes' file. Bad payloads are refused at the door and change nothing on the server.
 */

const APP = { url: 'app://whoot/index.html', isMainFrame: true };

let whoot: TestServer;
let other: TestServer;
let owner: TestClient;
let invite: Invite;
let secondInvite: Invite;
let otherInvite: Invite;
let dir: string;

const inviteFor = (link: string): Invite => {
  const parsed = parseDeepLink(link);
  if (!parsed.ok) throw new Error('invite did not parse');
  return parsed.value.invite;
};

beforeAll(async () => {
  // The defaults: invite-only, workspaces by operators only.
  whoot = await startTestServer({ registration: 'invite-only', workspaceCreation: 'operators' });
  other = await startTestServer();
  // Invite-only: the owner's account is made on the data directory, as the CLI would.
  const hashed = await hashPassword('owner password 1234');
  if (!hashed.ok) throw new Error('hash failed');
  await whoot.server.store.users.create({
    email: 'owner@example.com',
    displayName: 'Owner',
    passwordHash: hashed.value,
  });
  owner = await signIn(whoot.server, 'owner@example.com', 'owner password 1234');
  await owner.call('createWorkspace', { body: { slug: 'first', name: 'First' } });
  await owner.call('createWorkspace', { body: { slug: 'second', name: 'Second' } });
  invite = inviteFor(await whoot.server.createInvite('first', { maxUses: 50 }));
  secondInvite = inviteFor(await whoot.server.createInvite('second', { maxUses: 10 }));
  const otherOwner = await signUpAndIn(other.server, 'Elsewhere');
  await otherOwner.call('createWorkspace', { body: { slug: 'elsewhere', name: 'Elsewhere' } });
  otherInvite = inviteFor(await other.server.createInvite('elsewhere'));
  dir = mkdtempSync(join(tmpdir(), 'whoot-onboarding-'));
});
afterAll(async () => {
  await Promise.all([whoot?.close(), other?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function mainSide(options: { savePath?: string | null } = {}) {
  const vault = new CredentialVault();
  const events: [EventChannel, unknown][] = [];
  const chosen: string[] = [];
  const sessions = createSessionService({
    vault,
    keychain: null,
    // Long: on a machine busy with other suites a TLS answer can take seconds, and speed is not what is tested here.
    api: createServerApi({ timeoutMs: 60_000 }),
    events: createEventSink((channel, payload) =>
      events.push([channel.replace('whoot:', '') as EventChannel, payload]),
    ),
    deviceLabel: 'whoot desktop on Linux',
  });
  const dispatcher = registerHandlers({
    handlers: createHandlers({
      identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
      sessions,
      chooseSavePath: async (suggested) => {
        chosen.push(suggested);
        return options.savePath === undefined ? null : options.savePath;
      },
    }),
    isTrustedSender: trustOnlyAppFrames(['app://whoot']),
  });
  const call = (channel: string, payload: unknown = {}) => dispatcher.dispatch(`whoot:${channel}`, APP, payload);
  const { code: _code, ...address } = invite;
  const confirm = () => call('servers.confirm', address);
  return { vault, events, chosen, call, confirm, sessions };
}

const newcomer = (name: string) => ({
  server: { invite },
  displayName: name,
  email: `${name.toLowerCase()}@example.com`,
  password: `${name} plays the theremin at dawn`,
});

describe('what a server allows, asked only after the user confirmed it', () => {
  it('refuses an unconfirmed server, then answers with its registration and workspace rules', async () => {
    const { call, confirm } = mainSide();
    const { code: _code, ...address } = invite;
    expect(await call('servers.info', address)).toMatchObject({ ok: false, error: { code: 'server_not_confirmed' } });
    await confirm();
    expect(await call('servers.info', address)).toEqual({
      ok: true,
      value: { registration: 'invite-only', workspaceCreation: 'operators' },
    });
  });
});

describe('creating an account from an invite', () => {
  it('refuses sign-up to an unconfirmed server and creates nothing', async () => {
    const { call, vault } = mainSide();
    const before = await whoot.server.store.users.count();
    expect(await call('session.signUp', newcomer('Uma'))).toMatchObject({
      ok: false,
      error: { code: 'server_not_confirmed' },
    });
    expect(await whoot.server.store.users.count()).toBe(before);
    expect(vault.isEmpty()).toBe(true);
  });

  it.each([
    ['a very weak password', { ...newcomer('Vic'), password: 'password123' }],
    ['a name with a right-to-left override', { ...newcomer('Vic'), displayName: 'Vic \u202enimda' }],
    ['a name of 65 characters', { ...newcomer('Vic'), displayName: 'V'.repeat(65) }],
    ['an unknown field', { ...newcomer('Vic'), role: 'owner' }],
    ['a malformed invite', { ...newcomer('Vic'), server: { invite: { ...invite, code: 'short' } } }],
  ])('refuses %s at the IPC door, before the server hears of it', async (_name, payload) => {
    const { call, confirm } = mainSide();
    await confirm();
    const before = await whoot.server.store.users.count();
    const result = await call('session.signUp', payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    if (!result.ok) expect(result.error.message).not.toContain('theremin');
    expect(await whoot.server.store.users.count()).toBe(before);
  });

  it('creates the account in the invite’s workspace, signs in, and says the account is new until welcomed', async () => {
    const { call, confirm, events } = mainSide();
    await confirm();
    const result = await call('session.signUp', newcomer('Wanda'));
    expect(result).toMatchObject({
      ok: true,
      value: { signedIn: true, newAccount: true, user: { displayName: 'Wanda' }, workspaces: [{ slug: 'first' }] },
    });
    expect(events.filter(([name]) => name === 'session.changed')).toHaveLength(1);
    expect(await call('session.status')).toMatchObject({ value: { newAccount: true } });
    expect(await call('session.finishWelcome')).toMatchObject({ ok: true, value: { signedIn: true } });
    expect(await call('session.status')).not.toMatchObject({ value: { newAccount: true } });
    // The session carries the device label main sent.
    expect(await call('account.sessions')).toMatchObject({
      ok: true,
      value: { sessions: [{ device: 'whoot desktop on Linux', address: '127.0.0.1', current: true }] },
    });
  });

  it('passes an invite-only server’s refusal through: a spent invite creates no account', async () => {
    const { call, confirm } = mainSide();
    await confirm();
    const spent = inviteFor(await whoot.server.createInvite('first', { maxUses: 1 }));
    expect(await call('session.signUp', { ...newcomer('Xena'), server: { invite: spent } })).toMatchObject({
      ok: true,
    });
    const before = await whoot.server.store.users.count();
    const again = await call('session.signUp', { ...newcomer('Yuri'), server: { invite: spent } });
    expect(again).toMatchObject({ ok: false, error: { code: 'invite_invalid' } });
    expect(await whoot.server.store.users.count()).toBe(before);
  });
});

describe('a sign-in that needs a second factor', () => {
  let seed: Uint8Array;
  let recoveryCodes: string[];
  let zoe: ReturnType<typeof newcomer>;
  const firstStep = () => ({ server: { invite }, email: zoe.email, password: zoe.password });

  beforeAll(async () => {
    zoe = newcomer('Zoe');
    const { call, confirm } = mainSide();
    await confirm();
    const signedUp = await call('session.signUp', zoe);
    expect(signedUp, JSON.stringify(signedUp)).toMatchObject({ ok: true });
    const begun = await call('account.totpBegin');
    if (!begun.ok) throw new Error('enrolment did not begin');
    seed = base32Decode((begun.value as { secret: string }).secret)!;
    const confirmed = await call('account.totpConfirm', { code: totpCodeAt(seed, totpStepAt(Date.now() / 1000)) });
    if (!confirmed.ok) throw new Error('enrolment was not confirmed');
    recoveryCodes = (confirmed.value as { recoveryCodes: string[] }).recoveryCodes;
    expect(await call('account.get')).toMatchObject({ ok: true, value: { totpEnabled: true } });
  });

  it('keeps the first step in main, takes the code alone, and a wrong code may be tried again', async () => {
    const { call, vault, confirm } = mainSide();
    await confirm();
    expect(await call('session.completeSignIn', { totp: '123456' })).toMatchObject({
      ok: false,
      error: { code: 'sign_in_expired' },
    });
    expect(await call('session.signIn', firstStep())).toMatchObject({ ok: false, error: { code: 'mfa_required' } });
    expect(vault.isEmpty()).toBe(true);
    const next = totpCodeAt(seed, totpStepAt(Date.now() / 1000) + 1);
    const wrong = next === '000000' ? '111111' : '000000';
    expect(await call('session.completeSignIn', { totp: wrong })).toMatchObject({
      ok: false,
      error: { code: 'invalid_second_factor' },
    });
    expect(await call('session.completeSignIn', { totp: next })).toMatchObject({ ok: true, value: { signedIn: true } });
    // Used up: the first step is gone with the success.
    expect(await call('session.completeSignIn', { totp: next })).toMatchObject({
      ok: false,
      error: { code: 'sign_in_expired' },
    });
  });

  it('takes a recovery code once; the same code a second time is refused', async () => {
    const first = mainSide();
    await first.confirm();
    expect(await first.call('session.signIn', firstStep())).toMatchObject({ error: { code: 'mfa_required' } });
    expect(await first.call('session.completeSignIn', { recoveryCode: recoveryCodes[0] })).toMatchObject({
      ok: true,
    });
    const second = mainSide();
    await second.confirm();
    expect(await second.call('session.signIn', firstStep())).toMatchObject({ error: { code: 'mfa_required' } });
    expect(await second.call('session.completeSignIn', { recoveryCode: recoveryCodes[0] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_second_factor' },
    });
    expect(second.vault.isEmpty()).toBe(true);
  });

  it('refuses a malformed code at the door', async () => {
    const { call } = mainSide();
    for (const payload of [
      { totp: '12345' },
      { recoveryCode: 'x' },
      { totp: '123456', recoveryCode: recoveryCodes[1] },
      {},
    ]) {
      expect(await call('session.completeSignIn', payload)).toMatchObject({ error: { code: 'invalid_input' } });
    }
  });
});

describe('joining and creating workspaces while signed in', () => {
  async function signedInNewcomer(name: string) {
    const side = mainSide();
    await side.confirm();
    expect(await side.call('session.signUp', newcomer(name))).toMatchObject({ ok: true });
    return side;
  }

  it('joins a second workspace of the same server without signing out, and the session lists it', async () => {
    const side = await signedInNewcomer('Ada');
    const sessionBefore = side.vault.identity()?.sessionId;
    const joined = await side.call('workspaces.join', { invite: secondInvite });
    expect(joined).toMatchObject({
      ok: true,
      value: {
        workspace: { slug: 'second', role: 'member' },
        session: { workspaces: [{ slug: 'first' }, { slug: 'second' }] },
      },
    });
    expect(side.vault.identity()?.sessionId).toBe(sessionBefore);
    expect(side.events.at(-1)?.[0]).toBe('session.changed');
  });

  it('answers an invite for another server honestly and changes nothing there or here', async () => {
    const side = await signedInNewcomer('Bea');
    const before = side.vault.identity();
    const users = await other.server.store.users.count();
    const result = await side.call('workspaces.join', { invite: otherInvite });
    expect(result).toMatchObject({ ok: false, error: { code: 'other_server' } });
    if (!result.ok) expect(result.error.message).toMatch(/signed in to one server at a time/);
    expect(side.vault.identity()).toEqual(before);
    expect(await other.server.store.users.count()).toBe(users);
  });

  it('refuses an invite for this address with another key, before anything is sent', async () => {
    const side = await signedInNewcomer('Cy');
    const workspaces = side.vault.identity()?.workspaces;
    const forged = { ...secondInvite, spkiPin: 'A'.repeat(43) };
    expect(await side.call('workspaces.join', { invite: forged })).toMatchObject({
      ok: false,
      error: { code: 'server_key_mismatch' },
    });
    expect(side.vault.identity()?.workspaces).toEqual(workspaces);
  });

  it('creates a workspace where the server allows it, and passes the refusal through where it does not', async () => {
    const side = await signedInNewcomer('Dee');
    expect(await side.call('account.get')).toMatchObject({ value: { mayCreateWorkspaces: false } });
    const refused = await side.call('workspaces.create', { name: 'Dee’s', slug: 'dees' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await whoot.server.store.workspaces.bySlug('dees')).toBeUndefined();
    for (const payload of [
      { name: 'Bad', slug: 'Not A Slug' },
      { name: 'Bad\u202e', slug: 'bad' },
      { name: 'Bad', slug: 'bad', owner: 'me' },
    ]) {
      expect(await side.call('workspaces.create', payload)).toMatchObject({ error: { code: 'invalid_input' } });
    }

    const open = await startTestServer({ workspaceCreation: 'anyone' });
    try {
      const anyone = mainSide();
      await anyone.call('servers.confirm', open.address());
      const signUp = { ...newcomer('Eve'), server: open.address() };
      expect(await anyone.call('session.signUp', signUp)).toMatchObject({ ok: true, value: { workspaces: [] } });
      expect(await anyone.call('workspaces.create', { name: 'Eve’s team', slug: 'eves-team' })).toMatchObject({
        ok: true,
        value: { workspace: { slug: 'eves-team', role: 'owner' }, session: { workspaces: [{ slug: 'eves-team' }] } },
      });
    } finally {
      await open.close();
    }
  });
});

describe('the account’s own channels, attacked at the IPC door', () => {
  const ACCOUNT_CHANNELS = [
    ['account.get', {}],
    ['account.changePassword', { currentPassword: 'Fay plays the theremin at dawn', newPassword: 'a new passphrase' }],
    ['account.setDisplayName', { displayName: 'Mallory' }],
    ['account.totpBegin', {}],
    ['account.totpConfirm', { code: '123456' }],
    ['account.totpDisable', { code: '123456' }],
    ['account.sessions', {}],
    ['account.revokeSession', { sessionId: 'A'.repeat(22) }],
    ['account.saveRecoveryCodes', { codes: Array.from({ length: 10 }, () => 'abcde-fghij') }],
    ['workspaces.join', { invite }],
    ['workspaces.create', { name: 'Mine', slug: 'mine' }],
    [
      'host.setUp',
      {
        displayName: 'M',
        email: 'm@example.com',
        password: 'a new passphrase',
        workspaceName: 'M',
        workspaceSlug: 'm',
      },
    ],
  ] as const;

  /** What an attack must leave as it was: the account, its sessions and workspaces on the server. */
  async function serverState(userId: string) {
    const user = await whoot.server.store.users.byId(userId);
    return {
      displayName: user?.displayName,
      passwordHash: user?.passwordHash,
      totpEnabled: user?.totpEnabled,
      sessions: (await whoot.server.store.sessions.listActive(userId)).map((session) => session.id).sort(),
      workspaces: (await whoot.server.store.workspaces.listForUser(userId)).map((m) => m.workspace.slug).sort(),
    };
  }

  it('refuses every one of them from a frame that is not the app’s page, before any handler runs', async () => {
    const side = mainSide();
    await side.confirm();
    expect(await side.call('session.signUp', newcomer('Fay'))).toMatchObject({ ok: true });
    const userId = side.vault.identity()?.user.id ?? '';
    const before = await serverState(userId);
    const dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0', platform: 'linux' },
        sessions: side.sessions,
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    for (const [channel, payload] of ACCOUNT_CHANNELS) {
      for (const sender of [
        { url: 'app://whoot/index.html', isMainFrame: false },
        { url: 'https://evil.example/', isMainFrame: true },
      ]) {
        expect(await dispatcher.dispatch(`whoot:${channel}`, sender, payload), channel).toMatchObject({
          ok: false,
          error: { code: 'forbidden_sender' },
        });
      }
    }
    expect(await serverState(userId)).toEqual(before);
  });

  it('refuses bad payloads with a clear error, and the server changes nothing', async () => {
    const side = mainSide();
    await side.confirm();
    const fay = newcomer('Gil');
    expect(await side.call('session.signUp', fay)).toMatchObject({ ok: true });
    const userId = side.vault.identity()?.user.id ?? '';
    const before = await serverState(userId);
    const refusals: [string, unknown][] = [
      ['account.changePassword', { currentPassword: fay.password, newPassword: 'password123' }],
      ['account.changePassword', { currentPassword: fay.password, newPassword: 'x'.repeat(5000) }],
      ['account.changePassword', { currentPassword: fay.password, newPassword: 'a new passphrase', userId: 'x' }],
      ['account.changePassword', { newPassword: 'a new passphrase' }],
      ['account.setDisplayName', { displayName: '' }],
      ['account.setDisplayName', { displayName: 'G'.repeat(65) }],
      ['account.setDisplayName', { displayName: 'Gil\u202enimda' }],
      ['account.setDisplayName', { displayName: 'Gil\nAdmin' }],
      ['account.setDisplayName', { displayName: 'Gil', userId: owner.user.id }],
      ['account.totpConfirm', { code: '12345a' }],
      ['account.totpDisable', { code: '' }],
      ['account.revokeSession', { sessionId: '../../admin' }],
      ['account.revokeSession', {}],
      ['account.sessions', { userId: owner.user.id }],
      ['workspaces.join', { invite: { ...secondInvite, host: 'evil.example/x' } }],
      ['workspaces.join', { link: 'whoot://join' }],
      ['servers.info', { host: invite.host, port: invite.port, spkiPin: invite.spkiPin, code: invite.code }],
      ['session.finishWelcome', { newAccount: true }],
      ['session.signOut', { sessionEnded: false }],
    ];
    for (const [channel, payload] of refusals) {
      const result = await side.call(channel, payload);
      expect(result, `${channel} ${JSON.stringify(payload)}`).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
      if (!result.ok) expect(result.error.message).not.toContain(fay.password);
    }
    expect(await serverState(userId)).toEqual(before);
    expect(side.vault.identity()?.user.id).toBe(userId);
  });

  it('answers another user’s session id like one that does not exist, and ends nothing', async () => {
    const side = mainSide();
    await side.confirm();
    expect(await side.call('session.signUp', newcomer('Hal'))).toMatchObject({ ok: true });
    const ownerSessions = await serverState(owner.user.id);
    const target = ownerSessions.sessions[0] ?? '';
    expect(await side.call('account.revokeSession', { sessionId: target })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await serverState(owner.user.id)).toEqual(ownerSessions);
    expect((await owner.call('getAccount')).user.id).toBe(owner.user.id);
  });
});

describe('the recovery codes’ file', () => {
  const codes = Array.from({ length: 10 }, (_, i) => `abcd${'efghi'.charAt(i % 5)}-jklmn`);

  it('is written where the user chose, readable by its owner only, naming the account and server', async () => {
    const path = join(dir, 'codes.txt');
    const side = mainSide({ savePath: path });
    await side.confirm();
    expect(await side.call('session.signUp', newcomer('Flo'))).toMatchObject({ ok: true });
    expect(await side.call('account.saveRecoveryCodes', { codes })).toEqual({ ok: true, value: { saved: true } });
    expect(side.chosen).toEqual(['whoot-recovery-codes.txt']);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`whoot recovery codes for flo@example.com on 127.0.0.1:${whoot.server.port}`);
    for (const code of codes) expect(text).toContain(code);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('saves nothing when the user cancels, and refuses anything but ten recovery codes before asking', async () => {
    const side = mainSide({ savePath: null });
    await side.confirm();
    expect(await side.call('session.signUp', newcomer('Gus'))).toMatchObject({ ok: true });
    expect(await side.call('account.saveRecoveryCodes', { codes })).toEqual({ ok: true, value: { saved: false } });
    for (const payload of [
      { codes: codes.slice(1) },
      { codes: [...codes.slice(1), '../../etc/passwd'] },
      { codes, path: '/tmp/x' },
    ]) {
      expect(await side.call('account.saveRecoveryCodes', payload)).toMatchObject({ error: { code: 'invalid_input' } });
    }
    expect(side.chosen).toEqual(['whoot-recovery-codes.txt']);
  });
});
