import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSO_LOOPBACK_PATH, ssoStartUrl, type SsoSettingsInput } from '../../shared/sso';
import { CredentialVault } from '../../main/session/credentialVault';
import { createRequestSigner } from '../../main/session/requestSigner';
import { startTestProvider, type TestProvider } from '../support/oidcProvider';
import { api, signIn, signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';
import { createTestBrowser } from '../support/testBrowser';

/**
 * Single sign-on against a real OpenID provider (oidc-provider on 127.0.0.1 over TLS, trusted through
 * `sso.caFile`), the real server, and a browser that follows the redirects (test/support/testBrowser.ts). The app's
 * part (verifier, challenge, loopback port, code exchange) is played here as main plays it. Each attack asserts
 * the refusal and that nothing changed: no account, no membership, no session.
 */

const SECRET_A = `sso-secret-a-${randomBytes(12).toString('hex')}`;
const SECRET_B = `sso-secret-b-${randomBytes(12).toString('hex')}`;
const LOOPBACK_PORT = 51_234;

let t: TestServer;
let providerA: TestProvider;
let providerB: TestProvider;
let caDir: string;
let ada: TestClient;
let acmeId: string;
let betaId: string;
let inviteToAcme: string;

const address = () => t.address();
const callbackUrl = () => `https://127.0.0.1:${t.server.port}/v1/sso/callback`;
const browser = () =>
  createTestBrowser({
    ca: [
      readFileSync(providerA.caFile, 'utf8'),
      readFileSync(providerB.caFile, 'utf8'),
      readFileSync(join(t.dataDir, 'tls', 'server-cert.pem'), 'utf8'),
    ],
  });

const settingsFor = (provider: TestProvider, clientId: string, overrides: Partial<SsoSettingsInput> = {}) => ({
  providerName: 'Acme ID',
  issuer: provider.issuer,
  clientId,
  clientSecret: clientId === 'whoot-acme' ? SECRET_A : SECRET_B,
  allowedDomains: ['acme.test'],
  roleClaim: 'groups',
  roleRules: [{ value: 'whoot-admins', role: 'admin' as const }],
  requireSso: false,
  ...overrides,
});

/** What main does before opening the browser: a fresh verifier and its S256 challenge. */
function appSecrets() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const isLoopback = (url: URL) =>
  url.origin === `http://127.0.0.1:${LOOPBACK_PORT}` && url.pathname === SSO_LOOPBACK_PATH;
const isCallback = (url: URL) => url.href.startsWith(callbackUrl());

/** Start URL → the provider's authorization request (kept: it carries the state) → its sign-in form. */
async function toProviderForm(b: ReturnType<typeof browser>, workspace: string, challenge: string) {
  const start = ssoStartUrl(address(), { workspace, challenge, port: LOOPBACK_PORT });
  const toProvider = await b.go(start, { stopAt: (url) => url.pathname === '/auth' || isLoopback(url) });
  const authorize = toProvider.stoppedAt;
  if (authorize === undefined || isLoopback(authorize)) return { form: toProvider.last, stoppedAt: authorize };
  const { last, stoppedAt } = await b.go(authorize, { stopAt: isLoopback });
  return { form: last, stoppedAt, state: authorize.searchParams.get('state') ?? '' };
}

/** Signs in at the provider's form and stops at the server's callback, returning its URL (code, state, iss). */
async function loginAtProvider(b: ReturnType<typeof browser>, form: { url: URL }, sub: string): Promise<URL> {
  const { stoppedAt, last } = await b.go(form.url, { form: new URLSearchParams({ login: sub }), stopAt: isCallback });
  if (stoppedAt === undefined)
    throw new Error(`the provider did not redirect to the callback: ${last.status} ${last.body}`);
  return stoppedAt;
}

/** The server's callback, as the browser would request it; the answer is where the browser goes next. */
async function deliver(b: ReturnType<typeof browser>, callback: URL) {
  const { last, stoppedAt } = await b.go(callback, { stopAt: isLoopback });
  return { page: last, app: stoppedAt && Object.fromEntries(stoppedAt.searchParams) };
}

/** The whole trip, and the exchange the app makes with its verifier. */
async function signInWithSso(sub: string, workspace = 'acme') {
  const b = browser();
  const app = appSecrets();
  const { form } = await toProviderForm(b, workspace, app.challenge);
  const back = await deliver(b, await loginAtProvider(b, form, sub));
  if (back.app?.code === undefined) throw new Error(`no login code: ${JSON.stringify(back.app)} ${back.page.body}`);
  const grant = await api.call(address(), 'ssoExchange', { body: { code: back.app.code, verifier: app.verifier } });
  return { grant, code: back.app.code, verifier: app.verifier };
}

/** Accounts, acme's members with roles, and every known account's live sessions. */
async function snapshot() {
  const store = t.server.store;
  const members = (await store.forWorkspace(acmeId).members.list()).map((m) => `${m.userId}:${m.role}`).sort();
  const users = await store.users.count();
  const known = [ada.user.id, ...members.map((m) => m.split(':')[0]!)];
  const sessions = (await Promise.all(known.map((id) => store.sessions.listActive(id)))).flat().map((s) => s.id);
  return { users, members, sessions: sessions.sort() };
}

beforeAll(async () => {
  providerA = await startTestProvider();
  providerB = await startTestProvider();
  caDir = mkdtempSync(join(tmpdir(), 'whoot-sso-ca-'));
  const caFile = join(caDir, 'providers.pem');
  writeFileSync(caFile, readFileSync(providerA.caFile, 'utf8') + readFileSync(providerB.caFile, 'utf8'));
  t = await startTestServer({ sso: { caFile } });
  const redirectUris = [callbackUrl()];
  providerA.setClients([
    { clientId: 'whoot-acme', clientSecret: SECRET_A, redirectUris },
    // Registered for another redirect URI than this server's: the provider must refuse to send codes here.
    { clientId: 'whoot-gamma', clientSecret: SECRET_B, redirectUris: ['https://elsewhere.example/cb'] },
  ]);
  providerB.setClients([{ clientId: 'whoot-beta', clientSecret: SECRET_B, redirectUris }]);
  for (const provider of [providerA, providerB]) {
    provider.addAccount({ sub: 'bob', email: 'bob@acme.test', email_verified: true, name: 'Bob', groups: ['eng'] });
    provider.addAccount({
      sub: 'carol',
      email: 'carol@acme.test',
      email_verified: true,
      name: 'Carol',
      groups: ['whoot-admins'],
    });
    provider.addAccount({ sub: 'eve', email: 'eve@evil.test', email_verified: true, name: 'Eve' });
    provider.addAccount({ sub: 'unverified', email: 'una@acme.test', email_verified: false });
    provider.addAccount({ sub: 'ada-at-idp', email: 'ada@acme.test', email_verified: true, name: 'Not Ada' });
  }
  for (let i = 0; i < 12; i++) {
    providerA.addAccount({ sub: `user${i}`, email: `user${i}@acme.test`, email_verified: true, name: `User ${i}` });
  }

  ada = await signUpAndIn(t.server, 'ada', {
    email: 'ada@acme.test',
    password: `pw-${randomBytes(8).toString('hex')}`,
  });
  acmeId = (await ada.call('createWorkspace', { body: { slug: 'acme', name: 'Acme' } })).workspace.id;
  betaId = (await ada.call('createWorkspace', { body: { slug: 'beta', name: 'Beta' } })).workspace.id;
  const gammaId = (await ada.call('createWorkspace', { body: { slug: 'gamma', name: 'Gamma' } })).workspace.id;
  await ada.call('putSsoSettings', { params: { workspaceId: acmeId }, body: settingsFor(providerA, 'whoot-acme') });
  await ada.call('putSsoSettings', { params: { workspaceId: betaId }, body: settingsFor(providerB, 'whoot-beta') });
  await ada.call('putSsoSettings', { params: { workspaceId: gammaId }, body: settingsFor(providerA, 'whoot-gamma') });
  inviteToAcme = (await ada.call('createInvite', { params: { workspaceId: acmeId }, body: { maxUses: 5 } })).code;
}, 120_000);

afterAll(async () => {
  await t?.close();
  await providerA?.close();
  await providerB?.close();
  if (caDir) rmSync(caDir, { recursive: true, force: true });
});

describe('sign-in through the provider', () => {
  it('the sign-in screen learns the provider from the workspace or an invite, and nothing about others', async () => {
    expect(await api.call(address(), 'ssoLookup', { body: { workspace: 'acme' } })).toEqual({
      sso: { workspace: 'acme', providerName: 'Acme ID' },
    });
    expect(await api.call(address(), 'ssoLookup', { body: { inviteCode: inviteToAcme } })).toEqual({
      sso: { workspace: 'acme', providerName: 'Acme ID' },
    });
    expect(await api.call(address(), 'ssoLookup', { body: { workspace: 'nope' } })).toEqual({ sso: null });
  });

  it('joins just in time as a member, with an ordinary session that signs requests', async () => {
    const before = await snapshot();
    const { grant } = await signInWithSso('bob');
    expect(grant.user).toMatchObject({ email: 'bob@acme.test', displayName: 'Bob' });
    expect(grant.workspaces).toEqual([expect.objectContaining({ slug: 'acme', role: 'member' })]);
    const after = await snapshot();
    expect(after.users).toBe(before.users + 1);
    expect(after.members).toContain(`${grant.user.id}:member`);
    // An ordinary session: signed requests work with its secret.
    const bob = await sessionFromGrant(grant);
    expect((await bob.call('listWorkspaces')).workspaces.map((w) => w.slug)).toEqual(['acme']);
    // The account has no password anyone could use.
    await expect(signIn(t.server, 'bob@acme.test', '!sso-only')).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('maps the role claim (never above what the rules say, never owner) and follows it on the next sign-in', async () => {
    const { grant } = await signInWithSso('carol');
    expect(grant.workspaces).toEqual([expect.objectContaining({ slug: 'acme', role: 'admin' })]);
    const again = await signInWithSso('carol');
    expect(again.grant.user.id).toBe(grant.user.id);
    expect(again.grant.workspaces).toEqual([expect.objectContaining({ slug: 'acme', role: 'admin' })]);
  });

  it('still works when the provider rotates its signing key in the middle of a sign-in', async () => {
    await signInWithSso('user0'); // the server has the old key now
    const b = browser();
    const app = appSecrets();
    const { form } = await toProviderForm(b, 'acme', app.challenge);
    const callback = await loginAtProvider(b, form, 'user1');
    const oldKid = providerA.kid;
    providerA.rotateKey();
    expect(providerA.kid).not.toBe(oldKid);
    const back = await deliver(b, callback);
    expect(back.app).toHaveProperty('code');
    const grant = await api.call(address(), 'ssoExchange', { body: { code: back.app!.code!, verifier: app.verifier } });
    expect(grant.user.email).toBe('user1@acme.test');
  });
});

describe('attacks, each refused with nothing changed', () => {
  it('a replayed app login code, and a stolen one without the verifier', async () => {
    const { code, verifier } = await signInWithSso('user2');
    const before = await snapshot();
    await expect(api.call(address(), 'ssoExchange', { body: { code, verifier } })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_login_code',
    });

    // A code read off the browser's address bar, presented with a guessed verifier: refused and spent.
    const b = browser();
    const app = appSecrets();
    const { form } = await toProviderForm(b, 'acme', app.challenge);
    const back = await deliver(b, await loginAtProvider(b, form, 'user2'));
    const thief = appSecrets();
    await expect(
      api.call(address(), 'ssoExchange', { body: { code: back.app!.code!, verifier: thief.verifier } }),
    ).rejects.toMatchObject({ status: 401, code: 'invalid_login_code' });
    await expect(
      api.call(address(), 'ssoExchange', { body: { code: back.app!.code!, verifier: app.verifier } }),
    ).rejects.toMatchObject({ status: 401 });
    expect(await snapshot()).toEqual(before);
  });

  it('a wrong state, and a replayed provider callback (same state and code)', async () => {
    const b = browser();
    const app = appSecrets();
    const { form } = await toProviderForm(b, 'acme', app.challenge);
    const callback = await loginAtProvider(b, form, 'user3');
    const before = await snapshot();

    const forged = new URL(callback);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    const wrong = await deliver(b, forged);
    expect(wrong.page.status).toBe(400);
    expect(wrong.app).toBeUndefined();
    expect(await snapshot()).toEqual(before);

    const first = await deliver(b, callback);
    expect(first.app).toHaveProperty('code');
    const afterFirst = await snapshot();
    const replay = await deliver(browser(), callback);
    expect(replay.page.status).toBe(400);
    expect(replay.app).toBeUndefined();
    expect(await snapshot()).toEqual(afterFirst);
  });

  it("a provider code replayed under a fresh attempt's state", async () => {
    const b = browser();
    const { form } = await toProviderForm(b, 'acme', appSecrets().challenge);
    const used = await loginAtProvider(b, form, 'user4');
    expect((await deliver(b, used)).app).toHaveProperty('code');
    const before = await snapshot();

    // The attacker starts a new attempt of their own and pairs its state with the code already used.
    const attacker = browser();
    const fresh = await toProviderForm(attacker, 'acme', appSecrets().challenge);
    const freshState = fresh.state ?? '';
    expect(freshState).not.toBe('');
    const replay = new URL(used);
    replay.searchParams.set('state', freshState);
    const answer = await deliver(attacker, replay);
    expect(answer.app).toEqual({ error: 'provider_refused' });
    expect(await snapshot()).toEqual(before);
  });

  for (const [name, rewrite, expected] of [
    [
      'an ID token for another audience',
      (claims: Record<string, unknown>) => ({ ...claims, aud: 'someone-else' }),
      'invalid_response',
    ],
    [
      'an expired ID token',
      (claims: Record<string, unknown>) => ({ ...claims, iat: now() - 7200, exp: now() - 3600 }),
      'invalid_response',
    ],
    [
      'a nonce that does not match',
      (claims: Record<string, unknown>) => ({ ...claims, nonce: 'not-the-nonce' }),
      'invalid_response',
    ],
  ] as const) {
    it(name, async () => {
      const b = browser();
      const { form } = await toProviderForm(b, 'acme', appSecrets().challenge);
      const callback = await loginAtProvider(b, form, 'user5');
      // The token response is rewritten on its way to the server: the real ID token's claims, changed, and signed
      // with the provider's own key, so only the claim itself can give it away.
      providerA.tamperNextTokenResponse(async (body) => ({
        ...body,
        id_token: await providerA.signIdToken(rewrite(decodeJwt(String(body.id_token)))),
      }));
      const before = await snapshot();
      const answer = await deliver(b, callback);
      expect(answer.app).toEqual({ error: expected });
      expect(await snapshot()).toEqual(before);
      expect(t.logs.some((line) => line.includes('sso: sign-in to workspace'))).toBe(true);
    });
  }

  it('an email domain the workspace does not allow, and an address the provider did not verify', async () => {
    for (const [sub, error] of [
      ['eve', 'domain_not_allowed'],
      ['unverified', 'email_unverified'],
    ] as const) {
      const b = browser();
      const { form } = await toProviderForm(b, 'acme', appSecrets().challenge);
      const callback = await loginAtProvider(b, form, sub);
      const before = await snapshot();
      expect((await deliver(b, callback)).app).toEqual({ error });
      expect(await snapshot()).toEqual(before);
      expect(await t.server.store.users.byEmail(sub === 'eve' ? 'eve@evil.test' : 'una@acme.test')).toBeUndefined();
    }
  });

  it('an existing account is never taken over by a provider that asserts its email', async () => {
    const b = browser();
    const { form } = await toProviderForm(b, 'acme', appSecrets().challenge);
    const callback = await loginAtProvider(b, form, 'ada-at-idp');
    const before = await snapshot();
    expect((await deliver(b, callback)).app).toEqual({ error: 'account_exists' });
    expect(await snapshot()).toEqual(before);
  });

  it('an iss mix-up: a second provider’s answer delivered to an attempt at the first', async () => {
    // A real answer from provider B (for workspace beta)...
    const atB = browser();
    const { form: formB } = await toProviderForm(atB, 'beta', appSecrets().challenge);
    const fromB = await loginAtProvider(atB, formB, 'bob');
    expect(fromB.searchParams.get('iss')).toBe(providerB.issuer);
    // ...carried into an attempt at provider A (for acme), with A's state.
    const victim = browser();
    const { state: stateA } = await toProviderForm(victim, 'acme', appSecrets().challenge);
    expect(stateA).toBeTruthy();
    const mixed = new URL(fromB);
    mixed.searchParams.set('state', stateA!);
    const before = await snapshot();
    expect((await deliver(victim, mixed)).app).toEqual({ error: 'invalid_response' });
    expect(await snapshot()).toEqual(before);
  });

  it('a redirect URI the provider does not have registered for the client', async () => {
    const b = browser();
    const before = await snapshot();
    const start = ssoStartUrl(address(), {
      workspace: 'gamma',
      challenge: appSecrets().challenge,
      port: LOOPBACK_PORT,
    });
    const { last, stoppedAt } = await b.go(start, { stopAt: (url) => isLoopback(url) || isCallback(url) });
    // The provider answers with its own error page and sends nobody anywhere.
    expect(stoppedAt).toBeUndefined();
    expect(last.url.origin).toBe(providerA.issuer);
    expect(last.status).toBe(400);
    expect(last.body).toContain('redirect_uri');
    expect(await snapshot()).toEqual(before);
  });

  it('a start that names a return address other than the loopback port, or extra parameters', async () => {
    const before = await snapshot();
    const b = browser();
    const bad = new URL(
      ssoStartUrl(address(), { workspace: 'acme', challenge: appSecrets().challenge, port: LOOPBACK_PORT }),
    );
    for (const mutate of [
      (u: URL) => u.searchParams.set('port', '80'),
      (u: URL) => u.searchParams.set('redirect_uri', 'https://attacker.example/'),
      (u: URL) => u.searchParams.append('port', '50000'),
    ]) {
      const url = new URL(bad);
      mutate(url);
      const { last, stoppedAt } = await b.go(url);
      expect(last.status).toBe(400);
      expect(stoppedAt).toBeUndefined();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the provider down: a clear error, and password sign-in still works where it is allowed', async () => {
    const down = await startTestProvider();
    const issuer = down.issuer;
    await down.close();
    const deltaId = (await ada.call('createWorkspace', { body: { slug: 'delta', name: 'Delta' } })).workspace.id;
    await ada.call('putSsoSettings', {
      params: { workspaceId: deltaId },
      body: { ...settingsFor(providerA, 'whoot-acme'), issuer },
    });
    const before = await snapshot();
    const { stoppedAt } = await toProviderForm(browser(), 'delta', appSecrets().challenge);
    expect(stoppedAt && Object.fromEntries(stoppedAt.searchParams)).toEqual({ error: 'provider_unreachable' });
    expect(t.logs.some((line) => line.includes(`sso: discovery of ${issuer} failed`))).toBe(true);
    expect(await snapshot()).toEqual(before);
    const again = await signIn(t.server, ada.email, ada.password);
    expect(again.user.id).toBe(ada.user.id);
  });
});

describe('who configures it, and where the secret goes', () => {
  it('an owner of one workspace cannot read or change another workspace’s settings; an admin cannot either', async () => {
    const zed = await signUpAndIn(t.server, 'zed');
    const zeta = (await zed.call('createWorkspace', { body: { slug: 'zeta', name: 'Zeta' } })).workspace.id;
    const body = settingsFor(providerA, 'whoot-acme', { allowedDomains: ['zeta.test'] });
    await expect(ada.call('putSsoSettings', { params: { workspaceId: zeta }, body })).rejects.toMatchObject({
      status: 404,
    });
    await expect(ada.call('getSsoSettings', { params: { workspaceId: zeta } })).rejects.toMatchObject({ status: 404 });
    await expect(ada.call('deleteSsoSettings', { params: { workspaceId: zeta } })).rejects.toMatchObject({
      status: 404,
    });
    await expect(zed.call('putSsoSettings', { params: { workspaceId: acmeId }, body })).rejects.toMatchObject({
      status: 404,
    });
    expect(await t.server.store.sso.settings(zeta)).toBeUndefined();
    expect((await t.server.store.sso.settings(acmeId))?.allowedDomains).toEqual(['acme.test']);

    // Carol is an admin of acme (by the role claim): settings are the owner's.
    const { grant } = await signInWithSso('carol');
    const carol = await sessionFromGrant(grant);
    await expect(carol.call('putSsoSettings', { params: { workspaceId: acmeId }, body })).rejects.toMatchObject({
      status: 403,
    });
    expect((await t.server.store.sso.settings(acmeId))?.allowedDomains).toEqual(['acme.test']);
  });

  it('the client secret is in no API response, log line or audit entry', async () => {
    const read = await ada.call('getSsoSettings', { params: { workspaceId: acmeId } });
    expect(read.settings).toMatchObject({ clientSecretSet: true, callbackUrl: callbackUrl() });
    const written = await ada.call('putSsoSettings', {
      params: { workspaceId: acmeId },
      body: { ...settingsFor(providerA, 'whoot-acme'), clientSecret: undefined },
    });
    // The secret stayed what it was (the save left it out) and sign-in still works with it.
    expect((await t.server.store.sso.settings(acmeId))?.clientSecret).toBe(SECRET_A);
    await signInWithSso('user6');
    const audit = await t.server.store.audit.since(0, 10_000);
    const everything = JSON.stringify({ read, written, audit, logs: t.logs });
    for (const secret of [SECRET_A, SECRET_B]) expect(everything).not.toContain(secret);
    expect(audit.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['sso.configured', 'sso.refused', 'sso.joined']),
    );
  });
});

describe('require single sign-on', () => {
  it('ends members’ password sessions and refuses their passwords; owners keep theirs (break-glass)', async () => {
    const dave = await signUpAndIn(t.server, 'dave');
    await dave.call('acceptInvite', { body: { code: inviteToAcme } });
    await ada.call('putSsoSettings', {
      params: { workspaceId: acmeId },
      body: { ...settingsFor(providerA, 'whoot-acme'), clientSecret: undefined, requireSso: true },
    });
    expect(await t.server.store.sessions.listActive(dave.user.id)).toEqual([]);
    await expect(dave.call('listWorkspaces')).rejects.toMatchObject({ status: 401 });
    await expect(signIn(t.server, dave.email, dave.password)).rejects.toMatchObject({
      status: 403,
      code: 'sso_required',
    });
    expect(await t.server.store.sessions.listActive(dave.user.id)).toEqual([]);
    // A password sign-up through an invite to the workspace is refused too, before any account is made.
    const users = await t.server.store.users.count();
    await expect(
      api.call(address(), 'signUp', {
        body: {
          email: 'erin@acme.test',
          password: 'pw-long-enough-123',
          displayName: 'Erin',
          inviteCode: inviteToAcme,
        },
      }),
    ).rejects.toMatchObject({ status: 403, code: 'sso_required' });
    expect(await t.server.store.users.count()).toBe(users);
    // The owner's password still works, and the provider still signs members in.
    expect((await signIn(t.server, ada.email, ada.password)).user.id).toBe(ada.user.id);
    expect((await signInWithSso('user7')).grant.workspaces).toEqual([expect.objectContaining({ slug: 'acme' })]);
  });
});

const now = () => Math.floor(Date.now() / 1000);

async function sessionFromGrant(grant: Awaited<ReturnType<typeof signInWithSso>>['grant']) {
  const vault = new CredentialVault();
  vault.establish({
    server: address(),
    sessionId: grant.session.id,
    sessionSecret: Buffer.from(grant.session.secret, 'base64url'),
    user: grant.user,
    workspaces: grant.workspaces,
  });
  const signer = createRequestSigner({ vault });
  const call: TestClient['call'] = (name, input = {}) => api.call(address(), name, { ...input, signer });
  return { call };
}
