import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInviteLink, parseDeepLink } from '../shared/deepLink';
import { startBotSession } from '../bot/session/botSession';
import { createVoiceBot, type VoiceBot } from '../bot/voiceBot';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { auditAccessibility } from './harness/axe';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { assertFitsAtEverySize, controlProblem, horizontalOverflow } from './harness/layoutCheck';
import { makeSpeechWav } from './harness/speechWav';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { startTcpProxy } from './harness/tcpProxy';
import {
  joinVoiceChannel,
  openAudioSettings,
  openTextChannel,
  openVerifyDialog,
  screenshot,
  signInWithInvite,
} from './scenarios/appScenarios';

/**
 * The app's shell as a team meets it, in real Chromium against the real server and relay: the layout at the minimum,
 * default and a large window size (no sideways overflow, primary controls usable, screenshots), axe-core on every
 * main screen, the call view with three members (two pages and a wrtc bot), voice state every member sees, the
 * member menu, the Verify call dialog, an outage and a removal.
 */
let workDir: string;
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let invite: string;
let owner: TestClient;
let member: TestClient;
let workspaceId: string;
let ada: AppPage;
let bob: AppPage;
let bot: VoiceBot | null = null;
const people: AppPage[] = [];

const WORKSPACE = 'Shell Team';
const call = (page: Page) => page.getByRole('list', { name: 'Call members' });
const tile = (page: Page, name: string) => call(page).getByRole('listitem', { name: new RegExp(`^${name}\\b`) });
const inLobby = (page: Page) => page.getByRole('list', { name: 'In Lobby' });

async function expectNoBlockingViolations(page: Page, screen: string): Promise<void> {
  const report = await auditAccessibility(page, screen);
  expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
}

/** The controls a person needs on every signed-in screen. */
const shellControls = (page: Page) =>
  [
    ['workspace button', page.getByRole('navigation', { name: 'Workspaces' }).getByRole('button', { name: WORKSPACE })],
    ['Settings', page.getByRole('button', { name: 'Settings', exact: true })],
    ['Sign out', page.getByRole('button', { name: 'Sign out', exact: true })],
  ] as const;

const callControls = (page: Page) =>
  [
    ...shellControls(page),
    ['Mute', page.getByRole('button', { name: 'Mute', exact: true })],
    ['Deafen', page.getByRole('button', { name: 'Deafen', exact: true })],
    ['Leave channel', page.getByRole('button', { name: 'Leave channel' })],
    ['Call quality', page.getByRole('button', { name: 'Call quality' })],
    ['Verify call', page.getByRole('button', { name: 'Verify call' })],
  ] as const;

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'whoot-shell-e2e-'));
  const speech = makeSpeechWav(workDir, 'Testing the call view. One two three.');
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({ allowedOrigins: [app.origin] });
  proxy = await startTcpProxy(whoot.server.port);
  owner = await signUpAndIn(whoot.server, 'Ada');
  member = await signUpAndIn(whoot.server, 'Bob');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'shell-team', name: WORKSPACE } });
  workspaceId = workspace.id;
  for (const [name, kind] of [
    ['general', 'text'],
    ['Lobby', 'voice'],
    ['Stage', 'voice'],
  ] as const) {
    await owner.call('createChannel', { params: { workspaceId }, body: { name, kind } });
  }
  // Through the proxy, so the test can take the server away from the pages.
  const parsed = parseDeepLink(await whoot.server.createInvite('shell-team', { maxUses: 10 }));
  if (!parsed.ok) throw new Error('invite did not parse');
  invite = formatInviteLink({ ...parsed.value.invite, port: proxy.port });
  browser = await launchChromium([
    `--use-file-for-fake-audio-capture=${speech}`,
    trustPinnedKey(whoot.server.spkiPin),
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

afterAll(async () => {
  await bot?.stop().catch(() => undefined);
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), proxy?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the app shell in real Chromium', () => {
  it('signed out: the sign-in page fits every size and has no serious accessibility violation', async () => {
    ada = await openAppPage(browser, app.origin);
    people.push(ada);
    await ada.page.getByRole('heading', { name: 'Sign in to whoot' }).waitFor();
    await assertFitsAtEverySize(ada.page, 'shell-sign-in', (page) => [
      // The form may scroll vertically at the smallest size; the button must then be reachable by scrolling.
      ['Sign in button', page.getByRole('button', { name: 'Sign in', exact: true }), { scrollTo: true }],
    ]);
    await expectNoBlockingViolations(ada.page, 'sign-in');
  });

  it('the workspace with chat: rail, sidebar, chat and member list fit from 940×600 to 1920×1080', async () => {
    await signInWithInvite(ada.page, invite, owner.email, owner.password);
    await openTextChannel(ada.page, 'general');
    await ada.page
      .getByRole('textbox', { name: /message/i })
      .first()
      .fill('Hello from the shell test');
    await ada.page.keyboard.press('Enter');
    await ada.page.getByText('Hello from the shell test').last().waitFor();
    // One list of channels: none repeated as tabs.
    expect(await ada.page.getByRole('tab').count()).toBe(0);
    expect(await ada.page.getByRole('link', { name: 'general' }).count()).toBe(1);
    await assertFitsAtEverySize(ada.page, 'shell-workspace-chat', (page) => [
      ...shellControls(page),
      ['general', page.getByRole('link', { name: 'general' })],
      ['composer', page.getByRole('textbox', { name: /message/i }).first()],
      ['Member list', page.getByRole('button', { name: 'Member list' })],
    ]);
    await expectNoBlockingViolations(ada.page, 'workspace-chat');

    await ada.page.getByRole('button', { name: 'Member list' }).click();
    await ada.page.getByRole('complementary', { name: 'Members' }).getByText('Ada').waitFor();
    await assertFitsAtEverySize(ada.page, 'shell-workspace-members', (page) => [
      ...shellControls(page),
      ['composer', page.getByRole('textbox', { name: /message/i }).first()],
    ]);
    await expectNoBlockingViolations(ada.page, 'workspace-members');
    await ada.page.getByRole('button', { name: 'Member list' }).click();
  }, 120_000);

  it('mute and deafen are seen by the other member, on the tile and in the channel list', async () => {
    bob = await openAppPage(browser, app.origin);
    people.push(bob);
    await signInWithInvite(bob.page, invite, member.email, member.password);
    await joinVoiceChannel(ada.page, 'Lobby');
    await joinVoiceChannel(bob.page, 'Lobby');
    await tile(ada.page, 'Bob').waitFor();
    await tile(ada.page, 'Ada').waitFor();

    await bob.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await tile(ada.page, 'Bob, muted').waitFor();
    await inLobby(ada.page).getByRole('listitem', { name: 'Bob, muted' }).waitFor();
    expect(await tile(ada.page, 'Bob').locator('.voice-icons svg').count()).toBe(1);

    await bob.page.getByRole('button', { name: 'Deafen', exact: true }).click();
    await tile(ada.page, 'Bob, deafened').waitFor();
    await inLobby(ada.page).getByRole('listitem', { name: 'Bob, deafened' }).waitFor();

    await bob.page.getByRole('button', { name: 'Deafen', exact: true }).click();
    await bob.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await expect.poll(() => tile(ada.page, 'Bob').getAttribute('aria-label')).toBe('Bob');
    await expect.poll(() => tile(ada.page, 'Bob').locator('.voice-icons svg').count()).toBe(0);
  }, 120_000);

  it('a call with three members shows three tiles including yourself, and fits every size', async () => {
    const parsed = parseDeepLink(invite);
    if (!parsed.ok) throw new Error('invite did not parse');
    const session = await startBotSession({
      invite: parsed.value.invite,
      account: { kind: 'signUp', email: 'robo@example.com', password: 'tin whistle lantern 1234', displayName: 'Robo' },
    });
    if (!session.ok) throw new Error(`bot sign-up failed: ${session.error.message}`);
    bot = createVoiceBot(session.value, { play: { kind: 'tone', frequency: 660 }, frequencies: [660] });
    expect((await bot.start()).ok).toBe(true);
    expect((await bot.join({ name: 'Lobby' })).ok).toBe(true);
    for (const page of [ada.page, bob.page]) {
      await expect.poll(() => call(page).getByRole('listitem').count(), { timeout: 20_000 }).toBe(3);
    }
    expect(await call(ada.page).getByRole('listitem').first().getAttribute('aria-label')).toMatch(/^Ada \(you\)/);
    // Screen readers hear who joined.
    await expect.poll(() => ada.page.getByTestId('announcer-polite').textContent()).toContain('Robo joined the call');
    await tile(ada.page, 'Robo').waitFor();
    await assertFitsAtEverySize(ada.page, 'shell-call-3', callControls);
    await expectNoBlockingViolations(ada.page, 'call');
  }, 120_000);

  it('the member menu offers moderation only to those who outrank the member, by mouse and by keyboard', async () => {
    // Ada (owner) on Bob (member): volume and moderation.
    const more = ada.page.getByRole('button', { name: 'Options for Bob' });
    await more.focus();
    await ada.page.keyboard.press('Enter');
    const menu = ada.page.getByRole('menu', { name: 'Options for Bob' });
    await menu.waitFor();
    expect(await menu.getByRole('slider', { name: 'Volume for Bob' }).count()).toBe(1);
    expect(await menu.getByRole('menuitemcheckbox', { name: 'Server mute' }).count()).toBe(1);
    expect(await menu.getByRole('menuitem', { name: 'Stage' }).count()).toBe(1);
    expect(await menu.getByRole('menuitem', { name: 'Disconnect' }).count()).toBe(1);
    // Arrow keys move through the entries; the slider keeps Left and Right for its value.
    expect(await ada.page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('range');
    await ada.page.keyboard.press('ArrowRight');
    await expect.poll(() => menu.getByRole('slider').getAttribute('aria-valuetext')).toBe('105%');
    await ada.page.keyboard.press('ArrowDown');
    expect(await ada.page.evaluate(() => document.activeElement?.textContent)).toContain('Server mute');
    await ada.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await ada.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Options for Bob');

    // Bob (member) on Ada (owner), opened by right-click: volume only.
    await tile(bob.page, 'Ada').click({ button: 'right' });
    const bobsMenu = bob.page.getByRole('menu', { name: 'Options for Ada' });
    await bobsMenu.waitFor();
    expect(await bobsMenu.getByRole('slider', { name: 'Volume for Ada' }).count()).toBe(1);
    expect(await bobsMenu.getByRole('menuitemcheckbox').count()).toBe(0);
    expect(await bobsMenu.getByRole('menuitem').count()).toBe(0);
    await bob.page.keyboard.press('Escape');

    // Server mute from the menu: Bob hears about it, Ada gets a toast with Undo.
    await more.click();
    await menu.getByRole('menuitemcheckbox', { name: 'Server mute' }).click();
    // Ada goes for Undo as the toast appears: the pointer on it holds its 10 s clock, however slow the checks below.
    const toast = ada.page.getByRole('status', { name: 'Notifications' }).getByText('Bob is server-muted.');
    await toast.hover();
    await bob.page.getByRole('status').filter({ hasText: 'muted by a moderator' }).waitFor();
    await tile(ada.page, 'Bob, server-muted').waitFor();
    await screenshot(ada.page, 'shell-call-toast');
    await ada.page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => tile(ada.page, 'Bob').getAttribute('aria-label')).not.toContain('server-muted');
  }, 120_000);

  it('Verify call shows the same code on both ends, traps focus, closes on Escape and returns focus', async () => {
    const [adaDialog, bobDialog] = await Promise.all([openVerifyDialog(ada.page), openVerifyDialog(bob.page)]);
    const codeOf = (dialog: typeof adaDialog, name: string) =>
      dialog.getByLabel(`Safety code with ${name}`).textContent({ timeout: 20_000 });
    const [adaSees, bobSees] = await Promise.all([codeOf(adaDialog, 'Bob'), codeOf(bobDialog, 'Ada')]);
    expect(adaSees).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(bobSees).toBe(adaSees);
    expect(await adaDialog.getByText(/Read the numbers aloud/).count()).toBe(1);
    await assertFitsAtEverySize(ada.page, 'shell-verify-dialog', (page) => [
      ['They match', page.getByRole('dialog').getByRole('button', { name: 'They match' }).first()],
      ['Done', page.getByRole('dialog').getByRole('button', { name: 'Done' })],
    ]);
    await expectNoBlockingViolations(ada.page, 'verify-dialog');

    // Tab and Shift+Tab never leave the dialog.
    for (const key of [...Array(12).fill('Tab'), ...Array(5).fill('Shift+Tab')] as string[]) {
      await ada.page.keyboard.press(key);
      expect(await ada.page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    }
    await adaDialog.getByRole('button', { name: 'They match' }).first().click();
    await ada.page.keyboard.press('Escape');
    await adaDialog.waitFor({ state: 'detached' });
    expect(await ada.page.evaluate(() => document.activeElement?.textContent)).toBe('Verify call');
    await bob.page.keyboard.press('Escape');
    // One of two peers confirmed: still "Not verified" until every one is.
    await ada.page.getByRole('region', { name: 'Call in Lobby' }).getByText('Not verified').waitFor();
  }, 120_000);

  it('settings open in the main pane and fit every size', async () => {
    await openAudioSettings(ada.page);
    await assertFitsAtEverySize(ada.page, 'shell-settings', (page) => [
      ...callControls(page).filter(([label]) => label !== 'Verify call'),
      ['Allow microphone', page.getByRole('button', { name: 'Allow microphone' })],
    ]);
    await expectNoBlockingViolations(ada.page, 'settings');

    // prefers-reduced-motion: the same controls, with their transitions gone.
    const transition = () =>
      ada.page
        .getByRole('button', { name: 'Allow microphone' })
        .evaluate((button) => getComputedStyle(button).transitionDuration);
    expect(await transition()).not.toMatch(/^0s$|^1e-05s$/);
    await ada.page.emulateMedia({ reducedMotion: 'reduce' });
    expect(parseFloat(await transition())).toBeLessThan(0.001);
    await ada.page.emulateMedia({ reducedMotion: 'no-preference' });
    await ada.page.getByRole('button', { name: 'Lobby (connected)' }).click();
    await tile(ada.page, 'Bob').waitFor();
  }, 120_000);

  it('while the server is down: one connection state with the attempt count, the last members greyed; then back', async () => {
    proxy.refuse(true);
    expect(proxy.dropAll()).toBeGreaterThan(0);
    const status = ada.page.getByRole('status', { name: 'Connection' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/Reconnecting… \(attempt [2-9]\d*\)/);
    // The call keeps who was there, greyed, instead of "Nobody else is here yet".
    expect(await call(ada.page).getByRole('listitem').count()).toBe(3);
    expect(await call(ada.page).locator('.call-tile-stale').count()).toBe(3);
    expect(await ada.page.getByText(/Nobody/).count()).toBe(0);
    await ada.page.getByText('Showing who was here when the connection dropped').waitFor();
    await screenshot(ada.page, 'shell-call-reconnecting');
    await expectNoBlockingViolations(ada.page, 'call-reconnecting');

    proxy.refuse(false);
    await expect.poll(() => status.textContent(), { timeout: 40_000 }).toBe('Connected');
    await ada.page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor({ timeout: 30_000 });
    await expect.poll(() => call(ada.page).locator('.call-tile-stale').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => call(ada.page).getByRole('listitem').count(), { timeout: 30_000 }).toBe(3);
  }, 150_000);

  it('the overflow check fails on an element wider than the window and on a control pushed outside it', async () => {
    await ada.page.evaluate(() => {
      const wide = document.createElement('div');
      wide.id = 'too-wide';
      wide.textContent = 'wide';
      wide.style.cssText = 'position:absolute;top:0;left:0;width:3000px;height:10px;background:red';
      document.body.append(wide);
    });
    const problems = await horizontalOverflow(ada.page);
    expect(problems.some((problem) => problem.element.includes('#too-wide'))).toBe(true);
    await expect(assertFitsAtEverySize(ada.page, 'shell-overflow-probe', () => [])).rejects.toThrow(/too-wide/);
    await ada.page.evaluate(() => document.getElementById('too-wide')?.remove());
    expect(await horizontalOverflow(ada.page)).toEqual([]);

    await ada.page.evaluate(() => {
      const button = document.createElement('button');
      button.id = 'outside';
      button.textContent = 'outside';
      button.style.cssText = 'position:fixed;top:10px;left:calc(100vw - 20px)';
      document.body.append(button);
    });
    expect(await controlProblem(ada.page.locator('#outside'))).toMatch(/outside the/);
    await ada.page.evaluate(() => document.getElementById('outside')?.remove());
  });

  it('a member removed from the workspace sees what happened, not "sign in again", and the workspace is gone', async () => {
    await owner.call('removeMember', { params: { workspaceId, userId: member.user.id } });
    await bob.page.getByRole('heading', { name: `You were removed from ${WORKSPACE}` }).waitFor({ timeout: 20_000 });
    expect(await bob.page.getByText(/sign in again/i).count()).toBe(0);
    // The workspace left the rail; what stays is its "+" (Add a workspace), to join another by invite.
    const railButtons = bob.page.getByRole('navigation', { name: 'Workspaces' }).getByRole('button');
    expect(await railButtons.allTextContents()).toEqual(['Add a workspace']);
    expect(await bob.page.getByRole('region', { name: 'Voice', exact: true }).count()).toBe(0);
    await expect.poll(() => call(ada.page).getByRole('listitem').count(), { timeout: 20_000 }).toBe(2);
    await assertFitsAtEverySize(bob.page, 'shell-removed', (page) => [
      ['Sign out', page.getByRole('main').getByRole('button', { name: 'Sign out' })],
    ]);
    await expectNoBlockingViolations(bob.page, 'removed');
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  }, 120_000);
});
