import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../shared/deepLink';
import { keychainServiceFor } from '../shared/identifiers';
import { invokeChannelNames } from '../shared/ipc';
import { selectKeychainStore, type KeychainStore } from '../main/session/keychainStore';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../test/support/serverHarness';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { attachMainProcess } from './harness/mainProcess';
import { heapSnapshotText, readPageStorage } from './harness/pageSecrets';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import {
  rendererHasNoNodeOrElectron,
  screenshot,
  settingsListsAudioDevices,
  showsSignInScreen,
  signInWithInvite,
  signOut,
  whootSurface,
} from './scenarios/appScenarios';

/**
 * The real renderer build in Debian's Chromium, with window.whoot made by the real preload factory and its calls
 * answered by the real main-process handlers running in this process.
 */
const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'out', 'renderer');
const bridgeScript = join(root, 'out', 'harness', 'bridge.js');
const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };

let browser: Browser;
let app: StaticServer;
let foreign: StaticServer;
let whootServer: TestServer;
let inviteLink: string;
let keychain: KeychainStore;
let context: BrowserContext;
let page: Page;
let main: Awaited<ReturnType<typeof attachMainProcess>>;
let consoleErrors: string[];

beforeAll(async () => {
  for (const built of [join(rendererDir, 'index.html'), bridgeScript]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  foreign = await serveDirectory(rendererDir, {
    '/frame.html': '<!doctype html><title>foreign</title><p>a page of another origin</p>',
  });
  app = await serveDirectory(rendererDir, {
    // A page of the app's own origin that embeds a foreign frame, to prove main checks the sending frame.
    '/embed.html': `<!doctype html><title>embed</title><iframe id="same" src="/frame-same.html"></iframe><iframe id="foreign" src="${foreign.origin}/frame.html"></iframe>`,
    '/frame-same.html': '<!doctype html><title>same-origin frame</title>',
  });
  whootServer = await startTestServer({ allowedOrigins: [app.origin] });
  inviteLink = await bootstrapWorkspace(whootServer.server, ACCOUNT, {
    slug: 'analytical-engines',
    name: 'Analytical Engines',
  });
  keychain = await selectKeychainStore();
  // Chromium's stand-in for Electron's certificate verify-proc (main/app/pinnedCertificates.ts): the page's WSS
  // trusts exactly the key the invite pins.
  browser = await launchChromium([trustPinnedKey(whootServer.server.spkiPin)]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), foreign?.close(), whootServer?.close()]);
});

beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
  consoleErrors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  main = await attachMainProcess(page, { appOrigin: app.origin, keychain });
  await page.addInitScript({ path: bridgeScript });
});

afterEach(async () => {
  await context?.close();
});

const invite = () => inviteLink;

describe('whoot renderer in real Chromium', () => {
  it('shows the sign-in screen (screenshot saved) with no CSP violation or script error', async () => {
    await page.goto(`${app.origin}/index.html`);
    await showsSignInScreen(page, 'chromium');
    expect(existsSync(join(root, 'test-results', 'e2e', 'chromium-sign-in.png'))).toBe(true);
    const html = readFileSync(join(rendererDir, 'index.html'), 'utf8');
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(consoleErrors).toEqual([]);
  });

  it('gives page scripts no Node, no Electron, and exactly the contract as window.whoot', async () => {
    await page.goto(`${app.origin}/index.html`);
    await rendererHasNoNodeOrElectron(page);
    expect(await whootSurface(page)).toEqual([...invokeChannelNames, 'on'].sort());
    const tamper = await page.evaluate(() => {
      const api = (window as unknown as { whoot: Record<string, unknown> }).whoot;
      try {
        (api as Record<string, unknown>)['session'] = {};
      } catch {
        // Strict-mode assignment to a frozen object throws; either way nothing may change.
      }
      return Object.isFrozen(api) && typeof (api['session'] as Record<string, unknown>)['signOut'] === 'function';
    });
    expect(tamper).toBe(true);
  });

  it('answers an invalid payload from the page with a clear error, and main keeps working', async () => {
    await page.goto(`${app.origin}/index.html`);
    const result = await page.evaluate(() =>
      (window as unknown as { whoot: { session: { signIn(r: unknown): Promise<unknown> } } }).whoot.session.signIn({
        server: { host: '../../etc', port: 'x' },
        email: 'not-an-email',
      }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect((result as { error: { message: string } }).error.message).toMatch(
      /^Invalid session\.signIn request: .*email/,
    );
    expect(await page.evaluate(() => window.whoot.session.status())).toEqual({ ok: true, value: { signedIn: false } });
  });

  it('refuses calls from a frame that is not the app page', async () => {
    await page.goto(`${app.origin}/embed.html`);
    const frames = { same: page.frameLocator('#same'), foreign: page.frameLocator('#foreign') };
    await frames.foreign.locator('p').waitFor();
    const call = (frameUrl: string) => {
      const frame = page.frames().find((f) => f.url() === frameUrl);
      if (frame === undefined) throw new Error(`no frame ${frameUrl}`);
      return frame.evaluate(() => window.__whootHarnessInvoke!('whoot:session.signOut', {}));
    };
    const refused = { ok: false, error: { code: 'forbidden_sender', message: 'This frame may not call the app.' } };
    expect(await call(`${foreign.origin}/frame.html`)).toEqual(refused);
    expect(await call(`${app.origin}/frame-same.html`)).toEqual(refused);
    // The top frame of the app's own origin is served, which shows the refusals came from the sender check.
    expect(await page.evaluate(() => window.__whootHarnessInvoke!('whoot:session.status', {}))).toEqual({
      ok: true,
      value: { signedIn: false },
    });
    expect(main.logs.filter((line) => line.includes('refused'))).toHaveLength(2);
  });

  it('signs in over pinned TLS, keeps every credential out of the page, and signs out', async () => {
    await page.goto(`${app.origin}/index.html`);
    await signInWithInvite(page, invite(), ACCOUNT.email, ACCOUNT.password);
    await page.getByRole('heading', { name: 'Analytical Engines' }).waitFor();
    await screenshot(page, 'chromium-workspaces');
    expect(main.vault.isEmpty()).toBe(false);
    const sessionId = main.vault.identity()!.sessionId;
    const secret = main.vault.withSecret((bytes) => Buffer.from(bytes).toString('base64url'));
    const service = keychainServiceFor({ host: '127.0.0.1', port: whootServer.server.port });
    const refreshToken = await keychain.getRefreshToken(service);
    expect(refreshToken).toMatch(/^[A-Za-z0-9_.-]{32,200}$/);

    const secrets = [secret, refreshToken!, Buffer.from(secret, 'base64url').toString('hex')];
    const storage = await readPageStorage(page, context);
    expect(storage).toEqual({ localStorage: [], sessionStorage: [], indexedDB: [], documentCookie: '', cookies: [] });
    const heap = await heapSnapshotText(page, context);
    expect(heap.length).toBeGreaterThan(100_000);
    for (const secret of secrets) expect(heap.includes(secret), 'a credential is in the renderer heap').toBe(false);
    expect(main.logs.join('\n')).not.toContain(secret);

    await signOut(page);
    expect(main.vault.isEmpty()).toBe(true);
    expect(await whootServer.server.store.sessions.getLive(sessionId)).toBeUndefined();
    expect(await keychain.getRefreshToken(service)).toBeNull();
    const after = await readPageStorage(page, context);
    expect(after).toEqual({ localStorage: [], sessionStorage: [], indexedDB: [], documentCookie: '', cookies: [] });
    expect(await page.evaluate(() => window.whoot.session.status())).toEqual({ ok: true, value: { signedIn: false } });
    expect(consoleErrors).toEqual([]);
  });

  it('asks before a whoot:// link may point the form at a server never joined, and main refuses a page that skips the question', async () => {
    // Where a phishing link would send the password: a listener that only counts connections.
    let connections = 0;
    const trap = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const parsed = parseDeepLink(invite());
      if (!parsed.ok) throw new Error('the invite did not parse');
      const phishing = { ...parsed.value.invite, port: (trap.address() as AddressInfo).port, spkiPin: 'P'.repeat(43) };
      await page.goto(`${app.origin}/index.html`);
      await showsSignInScreen(page, 'chromium');
      const field = page.getByLabel('Invite link', { exact: true });

      // The link arrives the way main delivers one from the OS (main/app/main.ts, after parseDeepLink).
      main.events.emit('invite.received', phishing);
      const question = page.getByRole('dialog', { name: 'Join a new server?' });
      await question.waitFor();
      expect(await question.textContent()).toContain('A link asks whoot to join a server it has never connected to.');
      expect(await question.getByRole('definition').allTextContents()).toEqual([
        `127.0.0.1:${phishing.port}`,
        'PPPP PPPP PPPP PPPP',
      ]);
      await screenshot(page, 'chromium-new-server-question');
      await page.keyboard.press('Escape');
      await question.waitFor({ state: 'detached' });
      expect(await field.inputValue()).toBe('');

      // A page that skips the question and calls sign-in itself is refused by main; nothing reaches the server.
      const refused = await page.evaluate(
        (server) =>
          window.whoot.session.signIn({
            server: { invite: server },
            email: 'ada@example.com',
            password: 'correct horse battery',
          }),
        phishing,
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'server_not_confirmed' } });
      expect(connections).toBe(0);
      expect(main.vault.isEmpty()).toBe(true);

      // The real invite, confirmed in the question, signs in.
      await signInWithInvite(page, invite(), ACCOUNT.email, ACCOUNT.password);
      expect(main.vault.isEmpty()).toBe(false);
      expect(connections).toBe(0);
      expect(consoleErrors).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('shows a wrong password as a clear error and stays on the sign-in screen', async () => {
    await page.goto(`${app.origin}/index.html`);
    await page.getByLabel('Invite link', { exact: true }).fill(invite());
    await page.getByLabel('Email', { exact: true }).fill(ACCOUNT.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('dialog', { name: 'Join a new server?' }).getByRole('button', { name: 'Join server' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    expect(main.vault.isEmpty()).toBe(true);
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
  });

  it('lists the fake microphone in settings', async () => {
    await page.goto(`${app.origin}/index.html`);
    await settingsListsAudioDevices(page, 'chromium');
  });
});
