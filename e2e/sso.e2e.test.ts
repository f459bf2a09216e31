import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssoSettingsFor, startTestProvider, type TestProvider } from '../test/support/oidcProvider';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { auditAccessibility } from './harness/axe';
import { launchChromium } from './harness/chromium';
import { assertFitsAtEverySize } from './harness/layoutCheck';
import { attachMainProcess } from './harness/mainProcess';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { openPlace, screenshot, signInWithInvite, signOut } from './scenarios/appScenarios';

/**
 * Single sign-on in the real renderer build in Debian's Chromium, with the real preload factory and main-process
 * handlers, against the real server and a real OpenID provider (oidc-provider over TLS). Main's openExternal is
 * routed to a page in a separate Chromium context, which plays the system browser: the link policy decides what
 * opens, the provider's form is filled there, and the loopback redirect reaches main's one-time listener.
 */
const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'out', 'renderer');
const bridgeScript = join(root, 'out', 'harness', 'bridge.js');
const SECRET = `sso-secret-${randomBytes(12).toString('hex')}`;

let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let idp: TestProvider;
let owner: TestClient;
let invite: string;
let context: BrowserContext;
let systemBrowser: BrowserContext;
let page: Page;
let opened: Page | null = null;
let main: Awaited<ReturnType<typeof attachMainProcess>>;
const errors: string[] = [];

const pin = (spkiPin: string) => Buffer.from(spkiPin, 'base64url').toString('base64');

beforeAll(async () => {
  for (const built of [join(rendererDir, 'index.html'), bridgeScript]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  idp = await startTestProvider();
  app = await serveDirectory(rendererDir);
  whoot = await startTestServer({ allowedOrigins: [app.origin], sso: { caFile: idp.caFile } });
  idp.setClients([
    {
      clientId: 'whoot',
      clientSecret: SECRET,
      redirectUris: [`https://127.0.0.1:${whoot.server.port}/v1/sso/callback`],
    },
  ]);
  idp.addAccount({ sub: 'bob', email: 'bob@acme.test', email_verified: true, name: 'Bob Builder' });
  owner = await signUpAndIn(whoot.server, 'Ada');
  const workspaceId = (await owner.call('createWorkspace', { body: { slug: 'acme', name: 'Acme' } })).workspace.id;
  await owner.call('createChannel', { params: { workspaceId }, body: { name: 'general', kind: 'text' } });
  await owner.call('putSsoSettings', {
    params: { workspaceId },
    body: ssoSettingsFor(idp, { clientId: 'whoot', clientSecret: SECRET }),
  });
  invite = await whoot.server.createInvite('acme', { maxUses: 10 });
  browser = await launchChromium([
    `--ignore-certificate-errors-spki-list=${pin(whoot.server.spkiPin)},${pin(idp.spkiPin)}`,
  ]);
  systemBrowser = await browser.newContext();
  context = await browser.newContext();
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  main = await attachMainProcess(page, {
    appOrigin: app.origin,
    openExternal: async (url) => {
      opened = await systemBrowser.newPage();
      await opened.goto(url);
    },
  });
  await page.addInitScript({ path: bridgeScript });
  await page.goto(`${app.origin}/index.html`);
  // The owner joins the server with a password first, so the app knows it; then signs out.
  await signInWithInvite(page, invite, owner.email, owner.password);
  await signOut(page);
}, 120_000);

afterAll(async () => {
  await systemBrowser?.close().catch(() => undefined);
  await context?.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), whoot?.close(), idp?.close()]);
});

describe('single sign-on in real Chromium', () => {
  it('the sign-in screen offers the workspace’s provider, and fits and passes axe at every size', async () => {
    await page.getByLabel('Invite link', { exact: true }).fill(invite);
    const button = page.getByRole('button', { name: 'Sign in with Acme ID' });
    await button.waitFor();
    const report = await auditAccessibility(page, 'sign-in with SSO');
    expect(report.blocking).toEqual([]);
    await assertFitsAtEverySize(page, 'sso-sign-in', (p) => [
      ['Sign in with Acme ID', p.getByRole('button', { name: 'Sign in with Acme ID' })],
      ['Sign in', p.getByRole('button', { name: 'Sign in', exact: true }), { scrollTo: true }],
    ]);
  });

  it('signs in through the system browser: the provider’s page never opens in the app’s window', async () => {
    await page.getByRole('button', { name: 'Sign in with Acme ID' }).click();
    await page.getByRole('status').filter({ hasText: 'Finish signing in in your browser' }).waitFor();
    await expect.poll(() => opened !== null).toBe(true);
    const systemPage = opened as unknown as Page;
    await systemPage.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(systemPage.url()).origin).toBe(idp.issuer);
    await screenshot(systemPage, 'sso-provider-page');
    await systemPage.getByLabel('Account').fill('bob');
    await systemPage.getByRole('button', { name: 'Continue' }).click();
    await systemPage.getByRole('heading', { name: 'You are signed in' }).waitFor();
    expect(new URL(systemPage.url()).hostname).toBe('127.0.0.1');
    await screenshot(systemPage, 'sso-browser-done');

    await page.getByRole('navigation', { name: 'Workspaces' }).waitFor({ timeout: 20_000 });
    expect(main.sessions.state()).toMatchObject({ signedIn: true, user: { email: 'bob@acme.test' } });
    // The app's own window stayed on the app: no navigation to the provider or the server happened there.
    expect(new URL(page.url()).origin).toBe(app.origin);
    // Only the server's start URL went to the system browser, through the link policy.
    expect(main.desktop.opened).toHaveLength(1);
    expect(main.desktop.opened[0]).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${whoot.server.port}/v1/sso/start\\?`));
    await screenshot(page, 'sso-signed-in');
    await signOut(page);
  });

  it('the owner’s Single sign-on section: the secret is write-only, and it fits and passes axe', async () => {
    await signInWithInvite(page, invite, owner.email, owner.password);
    await openPlace(page, 'Admin');
    await page.getByRole('tab', { name: 'Single sign-on' }).click();
    const issuer = page.getByLabel('Issuer URL', { exact: true });
    await expect.poll(() => issuer.inputValue()).toBe(idp.issuer);
    expect(await page.getByLabel('Client secret', { exact: true }).inputValue()).toBe('');
    await page.getByText('A secret is saved.').waitFor();
    expect(await page.content()).not.toContain(SECRET);
    const report = await auditAccessibility(page, 'admin single sign-on');
    expect(report.blocking).toEqual([]);
    await assertFitsAtEverySize(page, 'sso-admin', (p) => [
      ['Issuer URL', p.getByLabel('Issuer URL', { exact: true }), { scrollTo: true }],
      ['Save single sign-on', p.getByRole('button', { name: 'Save single sign-on' }), { scrollTo: true }],
    ]);

    await page.getByLabel('Provider name (on the sign-in button)').fill('Acme Login');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.getByRole('status').filter({ hasText: 'Single sign-on settings saved.' }).waitFor();
    const stored = await whoot.server.store.sso.settings((await owner.call('listWorkspaces')).workspaces[0]!.id);
    expect(stored).toMatchObject({ providerName: 'Acme Login', clientSecret: SECRET });
    expect(errors).toEqual([]);
  });
});
