import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode } from '../main/server/auth/base32';
import { totpCodeAt, totpStepAt } from '../main/server/auth/totp';
import { selectKeychainStore, type KeychainStore } from '../main/session/keychainStore';
import { desktopDeviceLabel } from '../shared/admin';
import { parseDeepLink, type Invite } from '../shared/deepLink';
import { startHostedServer, type StartedHostedServer } from '../test/support/hostedServerHarness';
import {
  api,
  EPHEMERAL_RELAY,
  GENEROUS_LIMITS,
  signUpAndIn,
  startTestServer,
  type TestServer,
} from '../test/support/serverHarness';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { auditAccessibility } from './harness/axe';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { assertFitsAtEverySize } from './harness/layoutCheck';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { joinVoiceChannel, screenshot, signInWithInvite, signOut } from './scenarios/appScenarios';

/**
 * Getting in, all in the app, in real Chromium against the real server over real TLS, with the refresh token in a
 * real keychain: the host sets up the server the app hosts (owner and first workspace, through main); an invited
 * newcomer opens the invite, creates an account (password strength, the server's rule), adds an authenticator
 * (the code computed here from the secret the page shows), saves the recovery codes, and talks in a voice channel;
 * signs in with the authenticator and with a recovery code (once: twice is refused); joins a second workspace
 * without signing out, and is told honestly that another server's invite needs a sign-out; changes name (seen by
 * the owner) and password (another device is signed out, and says why); revokes a session by its device label.
 * The server runs on its defaults: invite-only, workspaces by its owner. Screenshots at every promised size, the
 * layout check and axe-core on each screen.
 */
let workDir: string;
let browser: Browser;
let app: StaticServer;
let hosted: StartedHostedServer;
let elsewhere: TestServer;
let keychain: KeychainStore;
let ada: AppPage;
let grace: AppPage;
const people: AppPage[] = [];

const OWNER = { name: 'Ada', email: 'ada@example.com', password: 'analytical engine notes' };
const NEWCOMER = { name: 'Grace', email: 'grace@example.com', password: 'compiler nanosecond harbour' };
const SERVER = () => ({ host: '127.0.0.1', port: hosted.port, spkiPin: hosted.spkiPin });

/** The authenticator app in this test: codes from the secret the page showed, never one step twice (the server refuses a replay). */
const authenticator = {
  secret: null as Uint8Array | null,
  lastStep: 0,
  async code(): Promise<string> {
    if (this.secret === null) throw new Error('no authenticator set up');
    // The server accepts a step either side of now; the next unused one is at most one ahead, or wait for it.
    let step = Math.max(this.lastStep + 1, totpStepAt(Date.now() / 1000));
    while (step > totpStepAt(Date.now() / 1000) + 1) await new Promise((resolve) => setTimeout(resolve, 1000));
    step = Math.max(step, totpStepAt(Date.now() / 1000));
    this.lastStep = step;
    return totpCodeAt(this.secret, step);
  },
};

async function expectNoBlockingViolations(page: Page, screen: string): Promise<void> {
  const report = await auditAccessibility(page, screen);
  expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
}

/** The owner's admin console makes an invite to a workspace (the same signed call its Invites tab makes). */
async function inviteFromOwner(workspaceSlug: string): Promise<string> {
  const workspace = ada.main.vault.identity()?.workspaces.find((candidate) => candidate.slug === workspaceSlug);
  if (workspace === undefined) throw new Error(`the owner is not in ${workspaceSlug}`);
  const made = await ada.main.sessions.calls.call('createInvite', {
    params: { workspaceId: workspace.id },
    body: { maxUses: 1 },
  });
  if (!made.ok) throw new Error(`invite: ${made.error.message}`);
  return made.value.response.link;
}

function inviteOf(link: string): Invite {
  const parsed = parseDeepLink(link);
  if (!parsed.ok) throw new Error('invite did not parse');
  return parsed.value.invite;
}

const rail = (page: Page) => page.getByRole('navigation', { name: 'Workspaces' });
const signUpForm = (page: Page) =>
  [
    ['Create account', page.getByRole('button', { name: 'Create account' }), { scrollTo: true }],
    ['I already have an account', page.getByRole('button', { name: 'I already have an account' }), { scrollTo: true }],
  ] as const;

/** Sign-in with the form (invite, email, password), up to the second step that asks for a code. */
async function signInToSecondStep(page: Page, invite: string, password: string): Promise<Locator> {
  await page.getByLabel('Invite link', { exact: true }).fill(invite);
  await page.getByLabel('Email', { exact: true }).fill(NEWCOMER.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const heading = page.getByRole('heading', { name: 'Two-step sign-in' });
  await heading.waitFor();
  return page.getByRole('main');
}

async function openAccount(page: Page): Promise<void> {
  await page.getByRole('button', { name: /^Your account: / }).click();
  await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
}

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'whoot-onboarding-e2e-'));
  app = await serveDirectory(RENDERER_DIR);
  keychain = await selectKeychainStore();
  // The server the app hosts, on its defaults (invite-only, workspaces by its owner, general and Lounge), with its
  // data key in the real keychain as in the app; only the rate limits are roomy, for one address signing in often.
  hosted = await startHostedServer({
    dataDir: join(workDir, 'hosted'),
    listen: { host: '127.0.0.1', port: 0 },
    relay: EPHEMERAL_RELAY,
    rateLimits: GENEROUS_LIMITS,
    allowedOrigins: [app.origin],
  });
  // Another team's server, for an invite the signed-in app cannot follow without signing out.
  elsewhere = await startTestServer({ allowedOrigins: [app.origin] });
  browser = await launchChromium([trustPinnedKey(hosted.spkiPin)]);
});

afterAll(async () => {
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), hosted?.stop(), elsewhere?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('onboarding and the account, in the app', () => {
  it('the host sets up the server the app hosts: owner account and first workspace, through main', async () => {
    expect(hosted.statuses.at(-1)).toMatchObject({ state: 'needsSetup' });
    ada = await openAppPage(browser, app.origin, { host: hosted.host });
    people.push(ada);
    const page = ada.page;
    await page.getByRole('heading', { name: 'Set up your server' }).waitFor();
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByLabel('Workspace name').fill('Analytical Engines');
    // The address follows the name until the person edits it.
    expect(await page.getByLabel('Workspace address').inputValue()).toBe('analytical-engines');
    await assertFitsAtEverySize(page, 'onboarding-set-up-server', (p) => [
      ['Set up server', p.getByRole('button', { name: 'Set up server' }), { scrollTo: true }],
    ]);
    await expectNoBlockingViolations(page, 'set-up-server');
    await page.getByRole('button', { name: 'Set up server' }).click();
    await rail(page).getByRole('button', { name: 'Analytical Engines' }).waitFor();
    // The server's default channels, and the hosted server now says it has its owner.
    await page.getByRole('button', { name: 'Join Lounge' }).waitFor();
    expect(hosted.host.status()).toMatchObject({ state: 'ready' });
    expect(ada.main.vault.identity()?.user.displayName).toBe(OWNER.name);
  }, 120_000);

  it('an invited newcomer opens the invite, creates an account with strength feedback, and sees the server rule', async () => {
    const invite = await inviteFromOwner('analytical-engines');
    grace = await openAppPage(browser, app.origin, {
      keychain,
      context: await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] }),
    });
    people.push(grace);
    const page = grace.page;
    await page.getByRole('heading', { name: 'Sign in to whoot' }).waitFor();
    // The invite arrives as the OS hands main a whoot:// link; a server never joined is asked about first.
    grace.main.events.emit('invite.received', inviteOf(invite));
    const question = page.getByRole('dialog', { name: 'Join a new server?' });
    await question.waitFor();
    await question.getByRole('button', { name: 'Join server' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await page.getByLabel('Invite link', { exact: true }).inputValue()).toBe(invite);
    // What the server allows is the server's, read from it now that the user confirmed it.
    await page.getByText('This server takes new accounts by invite only: your invite lets you in.').waitFor();
    await page.getByText('Only its owner creates workspaces.').waitFor();
    await assertFitsAtEverySize(page, 'onboarding-sign-up-empty', signUpForm);
    await expectNoBlockingViolations(page, 'sign-up-empty');

    // Mistakes are caught before anything is sent, each at its field.
    await page.getByLabel('Email', { exact: true }).fill('grace at example');
    await page.getByLabel('Password', { exact: true }).fill('password1');
    await page.getByRole('button', { name: 'Create account' }).click();
    const errors = page.locator('.field-error');
    await expect
      .poll(() => errors.allTextContents())
      .toEqual([
        'Enter your name.',
        'Must be an email address.',
        // The strength hint above it already names the reason (a common password): the error says what to do.
        'Too easy to guess: choose a stronger password.',
      ]);
    expect(await page.getByLabel('Your name').evaluate((input) => input === document.activeElement)).toBe(true);
    await assertFitsAtEverySize(page, 'onboarding-sign-up-errors', signUpForm);
    await expectNoBlockingViolations(page, 'sign-up-errors');
    expect(await grace.main.sessions.state()).toEqual({ signedIn: false });

    // Strength feedback as the password is typed: a common password is named as such.
    await page.getByLabel('Your name').fill(NEWCOMER.name);
    await page.getByLabel('Email', { exact: true }).fill(NEWCOMER.email);
    await page.getByLabel('Password', { exact: true }).fill('Grace1906');
    const feedback = page.locator('.strength-text');
    await expect.poll(() => feedback.textContent()).toMatch(/^Strength: (Very weak|Weak)\./);
    await assertFitsAtEverySize(page, 'onboarding-sign-up-strength', signUpForm);
    await expectNoBlockingViolations(page, 'sign-up-strength');
    await page.getByLabel('Password', { exact: true }).fill(NEWCOMER.password);
    await expect.poll(() => feedback.textContent()).toMatch(/^Strength: (Strong|Very strong)\./);
    await page.getByRole('button', { name: 'Create account' }).click();

    // The account exists, in the invite's workspace, signed in; the welcome offers an authenticator once.
    const welcome = page.getByRole('dialog', { name: `Welcome to whoot, ${NEWCOMER.name}` });
    await welcome.waitFor();
    expect(grace.main.vault.identity()?.workspaces.map((workspace) => workspace.slug)).toEqual(['analytical-engines']);
    const stored = await keychain.getRefreshToken(`whoot:127.0.0.1:${hosted.port}`);
    expect(stored).not.toBeNull();
  }, 180_000);

  it('adds an authenticator from the welcome: QR code and key, then recovery codes with Copy and Download', async () => {
    const page = grace.page;
    await page.getByRole('button', { name: 'Set up an authenticator' }).click();
    const setup = page.getByRole('dialog', { name: 'Set up an authenticator app' });
    await setup.waitFor();
    // The QR code is inline SVG (the CSP allows no data: images), and the key is there to type in by hand.
    const qr = setup.getByRole('img', { name: 'QR code for your authenticator app' });
    expect(await qr.evaluate((element) => element.tagName.toLowerCase())).toBe('svg');
    expect(await page.locator('img[src^="data:"]').count()).toBe(0);
    const secret = await setup.locator('.totp-secret').getAttribute('data-secret');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect((await setup.locator('.totp-secret').textContent())?.replace(/\s/g, '')).toBe(secret);
    authenticator.secret = base32Decode(secret ?? '');
    await assertFitsAtEverySize(page, 'onboarding-totp-qr', (p) => [
      ['Turn on', p.getByRole('dialog').getByRole('button', { name: 'Turn on' })],
      ['Cancel', p.getByRole('dialog').getByRole('button', { name: 'Cancel' })],
    ]);
    await expectNoBlockingViolations(page, 'totp-qr');

    // A wrong code is refused and changes nothing; the app's current code turns it on.
    await setup.getByLabel('Code from the app').fill('000000');
    await setup.getByRole('button', { name: 'Turn on' }).click();
    await setup.locator('.field-error').waitFor();
    expect(await totpEnabled()).toBe(false);
    await setup.getByLabel('Code from the app').fill(await authenticator.code());
    await setup.getByRole('button', { name: 'Turn on' }).click();

    const codesDialog = page.getByRole('dialog', { name: 'Save your recovery codes' });
    await codesDialog.waitFor();
    const codes = (await codesDialog.getByRole('list', { name: 'Recovery codes' }).locator('code').allTextContents())
      .map((code) => code.trim())
      .filter((code) => code !== '');
    expect(codes).toHaveLength(10);
    recoveryCodes.push(...codes);
    expect(await totpEnabled()).toBe(true);
    await assertFitsAtEverySize(page, 'onboarding-recovery-codes', (p) => [
      ['Copy', p.getByRole('dialog').getByRole('button', { name: 'Copy recovery codes' })],
      ['Download', p.getByRole('dialog').getByRole('button', { name: 'Download' })],
      ['I saved them', p.getByRole('dialog').getByRole('button', { name: 'I saved them' })],
    ]);
    await expectNoBlockingViolations(page, 'recovery-codes');

    await codesDialog.getByRole('button', { name: 'Copy recovery codes' }).click();
    await codesDialog.getByText('Copied', { exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
    // Download goes through main: a save dialog there, and a file only its owner can read.
    await codesDialog.getByRole('button', { name: 'Download' }).click();
    await page.getByText('Recovery codes saved.').waitFor();
    const saved = grace.main.desktop.saved.at(-1) ?? '';
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    const text = readFileSync(saved, 'utf8');
    expect(text).toContain(`whoot recovery codes for ${NEWCOMER.email}`);
    for (const code of codes) expect(text).toContain(code);
    await codesDialog.getByRole('button', { name: 'I saved them' }).click();
    await codesDialog.waitFor({ state: 'detached' });
    // The welcome does not come back, and the codes are not shown again.
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByText(codes[0] ?? '-').count()).toBe(0);
  }, 120_000);

  it('the newcomer talks in the workspace’s voice channel, and the owner sees them there', async () => {
    await joinVoiceChannel(grace.page, 'Lounge');
    await ada.page.getByRole('list', { name: 'In Lounge' }).getByText(NEWCOMER.name).waitFor({ timeout: 30_000 });
    await grace.page.getByRole('button', { name: 'Leave channel' }).click();
    await ada.page.getByRole('list', { name: 'In Lounge' }).waitFor({ state: 'detached', timeout: 30_000 });
  }, 120_000);

  it('signs in with the authenticator’s code on a second step, the password never held by the page there', async () => {
    const invite = await inviteFromOwner('analytical-engines');
    await signOut(grace.page);
    const step = await signInToSecondStep(grace.page, invite, NEWCOMER.password);
    await assertFitsAtEverySize(grace.page, 'onboarding-two-step-sign-in', (p) => [
      ['Verify', p.getByRole('button', { name: 'Verify' })],
      ['Use a recovery code instead', p.getByRole('button', { name: 'Use a recovery code instead' })],
    ]);
    await expectNoBlockingViolations(grace.page, 'two-step-sign-in');
    await step.getByLabel('Authenticator code').fill(await authenticator.code());
    await step.getByRole('button', { name: 'Verify' }).click();
    await rail(grace.page).getByRole('button', { name: 'Analytical Engines' }).waitFor();
    lastInvite = invite;
  }, 120_000);

  it('a recovery code signs in once; the same code again is refused and the sign-in stays at its second step', async () => {
    const [code] = recoveryCodes;
    if (code === undefined) throw new Error('no recovery codes');
    for (const attempt of ['first', 'second'] as const) {
      await signOut(grace.page);
      const step = await signInToSecondStep(grace.page, lastInvite, NEWCOMER.password);
      await step.getByRole('button', { name: 'Use a recovery code instead' }).click();
      await step.getByLabel('Recovery code').fill(code);
      await step.getByRole('button', { name: 'Verify' }).click();
      if (attempt === 'first') {
        await rail(grace.page).getByRole('button', { name: 'Analytical Engines' }).waitFor();
        continue;
      }
      await step.getByRole('alert').getByText('That code is not valid.').waitFor();
      expect(grace.main.vault.isEmpty()).toBe(true);
      // Another code from the app still gets in: the first step was kept in main, not the page.
      await step.getByRole('button', { name: 'Use your authenticator app instead' }).click();
      await step.getByLabel('Authenticator code').fill(await authenticator.code());
      await step.getByRole('button', { name: 'Verify' }).click();
      await rail(grace.page).getByRole('button', { name: 'Analytical Engines' }).waitFor();
    }
  }, 180_000);

  it('the rail’s “+” offers a member only Join; the owner creates a workspace there and invites the member', async () => {
    await grace.page.getByRole('button', { name: 'Add a workspace' }).click();
    const menu = grace.page.getByRole('menu', { name: 'Add a workspace' });
    await menu.getByRole('menuitem', { name: 'Join with an invite' }).waitFor();
    // Under the server's `operators` rule a member may not create workspaces, so it is not offered.
    expect(await menu.getByRole('menuitem', { name: 'Create a workspace' }).count()).toBe(0);
    await grace.page.keyboard.press('Escape');

    await ada.page.getByRole('button', { name: 'Add a workspace' }).click();
    await ada.page.getByRole('menuitem', { name: 'Create a workspace' }).click();
    const dialog = ada.page.getByRole('dialog', { name: 'Create a workspace' });
    await dialog.getByLabel('Workspace name').fill('Difference Engine Guild');
    expect(await dialog.getByLabel('Workspace address').inputValue()).toBe('difference-engine-guild');
    await assertFitsAtEverySize(ada.page, 'onboarding-create-workspace', (p) => [
      ['Create workspace', p.getByRole('dialog').getByRole('button', { name: 'Create workspace' })],
      ['Cancel', p.getByRole('dialog').getByRole('button', { name: 'Cancel' })],
    ]);
    await expectNoBlockingViolations(ada.page, 'create-workspace');
    await dialog.getByRole('button', { name: 'Create workspace' }).click();
    await rail(ada.page).getByRole('button', { name: 'Difference Engine Guild' }).waitFor();
    expect(
      await rail(ada.page).getByRole('button', { name: 'Difference Engine Guild' }).getAttribute('aria-current'),
    ).toBe('true');
  }, 120_000);

  it('a second invite adds the workspace without signing out', async () => {
    const sessionBefore = grace.main.vault.identity()?.sessionId;
    const invite = await inviteFromOwner('difference-engine-guild');
    await grace.page.getByRole('button', { name: 'Add a workspace' }).click();
    await grace.page.getByRole('menuitem', { name: 'Join with an invite' }).click();
    const dialog = grace.page.getByRole('dialog', { name: 'Join a workspace' });
    await dialog.getByLabel('Invite link').fill(invite);
    await dialog.getByRole('button', { name: 'Join workspace' }).click();
    await rail(grace.page).getByRole('button', { name: 'Difference Engine Guild' }).waitFor();
    await grace.page.getByText('You joined Difference Engine Guild.').waitFor();
    expect(await rail(grace.page).getByRole('button', { name: 'Analytical Engines' }).count()).toBe(1);
    expect(grace.main.vault.identity()?.sessionId).toBe(sessionBefore);
  }, 120_000);

  it('an invite link for another server, opened while signed in, says why it needs a sign-out and sends nothing', async () => {
    const owner = await signUpAndIn(elsewhere.server, 'Hopper');
    await owner.call('createWorkspace', { body: { slug: 'navy', name: 'Navy Lab' } });
    const link = await elsewhere.server.createInvite('navy', { maxUses: 1 });
    const usersBefore = await elsewhere.server.store.users.count();
    grace.main.events.emit('invite.received', inviteOf(link));
    const dialog = grace.page.getByRole('dialog', { name: 'Join a workspace' });
    await dialog.waitFor();
    // No question about the new server here: nothing goes there unless the person signs out and signs in there.
    expect(await grace.page.getByRole('dialog', { name: 'Join a new server?' }).count()).toBe(0);
    await dialog
      .getByText(/This invite is for another server, 127\.0\.0\.1:\d+\. whoot is signed in to one server/)
      .waitFor();
    await dialog.getByRole('button', { name: 'Copy invite and sign out' }).waitFor();
    await screenshot(grace.page, 'onboarding-join-other-server');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await elsewhere.server.store.users.count()).toBe(usersBefore);
    expect(grace.main.vault.identity()?.server.port).toBe(hosted.port);
  }, 120_000);

  it('turns the authenticator off with a code from it', async () => {
    await openAccount(grace.page);
    const twoStep = grace.page.getByRole('region', { name: 'Two-step sign-in' });
    await twoStep.getByText(/^On: signing in needs your password and a code/).waitFor();
    await twoStep.getByRole('button', { name: 'Turn off' }).click();
    const dialog = grace.page.getByRole('dialog', { name: 'Turn off two-step sign-in?' });
    await dialog.getByLabel('Code from the app').fill(await authenticator.code());
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await twoStep.getByText(/^Off: your password alone signs you in/).waitFor();
    expect(await totpEnabled()).toBe(false);
  }, 120_000);

  it('a new display name is saved and the owner sees it at once', async () => {
    const page = grace.page;
    const name = page.getByLabel('Display name');
    await name.fill('Grace Hopper');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Your name is now Grace Hopper.').waitFor();
    await page.getByRole('region', { name: 'You' }).getByText('Grace Hopper').waitFor();
    // The owner's member list follows the member.updated event, without a reload.
    await ada.page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name: 'general' }).click();
    await ada.page.getByRole('button', { name: 'Member list' }).click();
    await ada.page.getByRole('complementary', { name: 'Members' }).getByText('Grace Hopper').waitFor();
    // The screen as the person reads it, once the notices about what they just did are dismissed.
    const toasts = page.getByRole('status', { name: 'Notifications' }).getByRole('button', { name: 'Dismiss' });
    while ((await toasts.count()) > 0) await toasts.first().click();
    await page.getByRole('heading', { name: 'Profile' }).scrollIntoViewIfNeeded();
    await assertFitsAtEverySize(page, 'onboarding-account', (p) => [
      ['Save name', p.getByRole('button', { name: 'Save name' }), { scrollTo: true }],
      ['Change password', p.getByRole('button', { name: 'Change password' }), { scrollTo: true }],
      ['Set up an authenticator', p.getByRole('button', { name: 'Set up an authenticator' }), { scrollTo: true }],
    ]);
    await expectNoBlockingViolations(page, 'account');
  }, 120_000);

  it('changing the password signs out the other device, which says why; a wrong current password changes nothing', async () => {
    const other = await openAppPage(browser, app.origin);
    people.push(other);
    await signInWithInvite(other.page, lastInvite, NEWCOMER.email, NEWCOMER.password);
    const page = grace.page;
    const form = page.getByRole('region', { name: 'Password' });

    await form.getByLabel('Current password').fill('not my password');
    await form.getByLabel('New password').fill('lighthouse marmalade 1906');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.locator('.field-error').waitFor();
    expect(other.main.vault.isEmpty()).toBe(false);
    expect((await other.main.sessions.calls.call('getAccount')).ok).toBe(true);

    await form.getByLabel('Current password').fill(NEWCOMER.password);
    await form.getByLabel('New password').fill('lighthouse marmalade 1906');
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. 1 other session was signed out.').waitFor();
    NEWCOMER.password = 'lighthouse marmalade 1906';
    // The other device's socket closed with "session ended": it signs out and says why.
    await other.page.getByRole('heading', { name: 'Sign in to whoot' }).waitFor({ timeout: 30_000 });
    await other.page.getByText(/You were signed out: your session ended on the server/).waitFor();
    expect(other.main.vault.isEmpty()).toBe(true);
    // This device stays signed in.
    expect((await grace.main.sessions.calls.call('getAccount')).ok).toBe(true);
    await screenshot(other.page, 'onboarding-signed-out-elsewhere');
    await expectNoBlockingViolations(other.page, 'signed-out-elsewhere');
  }, 120_000);

  it('lists the sessions by device, address and last activity, and revokes one after a confirmation naming it', async () => {
    // Another computer signs in: it says what it is, and the server notes the address it came from.
    const laptop = await api.call(SERVER(), 'signIn', {
      body: { email: NEWCOMER.email, password: NEWCOMER.password, device: 'whoot desktop on Windows' },
    });
    const page = grace.page;
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await openAccount(page);
    const list = page.getByRole('list', { name: 'Your sessions' });
    const mine = list.getByRole('listitem', { name: `${desktopDeviceLabel(process.platform)}, this device` });
    const windows = list.getByRole('listitem', { name: 'whoot desktop on Windows' });
    await windows.waitFor();
    await mine.waitFor();
    expect(await windows.textContent()).toMatch(/From 127\.0\.0\.1.*Last active/);
    // This device cannot be revoked from the list (signing out does that).
    expect(await mine.getByRole('button').count()).toBe(0);
    await page.getByRole('heading', { name: 'Where you are signed in' }).scrollIntoViewIfNeeded();
    await assertFitsAtEverySize(page, 'onboarding-sessions', (p) => [
      ['Revoke', p.getByRole('button', { name: /^Revoke whoot desktop on Windows/ }), { scrollTo: true }],
    ]);
    await expectNoBlockingViolations(page, 'sessions');

    await windows.getByRole('button', { name: /^Revoke whoot desktop on Windows/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke whoot desktop on Windows?' });
    await confirm.getByText(/whoot desktop on Windows is signed out at once, from 127\.0\.0\.1/).waitFor();
    await assertFitsAtEverySize(page, 'onboarding-revoke-session', (p) => [
      ['Revoke session', p.getByRole('dialog').getByRole('button', { name: 'Revoke session' })],
      ['Cancel', p.getByRole('dialog').getByRole('button', { name: 'Cancel' })],
    ]);
    await expectNoBlockingViolations(page, 'revoke-session');
    await confirm.getByRole('button', { name: 'Revoke session' }).click();
    await page.getByText('whoot desktop on Windows is signed out.').waitFor();
    await expect.poll(() => windows.count()).toBe(0);
    // The revoked session's refresh token no longer works; this one still does.
    await expect(
      api.call(SERVER(), 'refresh', { body: { refreshToken: laptop.session.refreshToken } }),
    ).rejects.toMatchObject({ code: 'invalid_refresh_token' });
    expect((await grace.main.sessions.calls.call('getAccount')).ok).toBe(true);
    expect([...ada.errors, ...grace.errors]).toEqual([]);
  }, 120_000);
});

const recoveryCodes: string[] = [];
let lastInvite = '';

async function totpEnabled(): Promise<boolean> {
  const account = await grace.main.sessions.calls.call('getAccount');
  if (!account.ok) throw new Error(account.error.message);
  return account.value.response.totpEnabled;
}
