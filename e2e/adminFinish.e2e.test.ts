import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { openAppPage, RENDERER_DIR, requireBuild, type AppPage } from './harness/appPage';
import { auditAccessibility } from './harness/axe';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { assertFitsAtEverySize } from './harness/layoutCheck';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { openPlace, signInOnFreshPage } from './scenarios/appScenarios';

/**
 * The admin console as an owner and an admin use it, in real Chromium against the real server: destructive actions
 * only after a question naming the thing (Cancel and Escape change nothing, focus comes back), Copy buttons that put
 * the one-time secret on the clipboard and say so, the audit log in names and words with its filters, and an admin
 * offered only what an admin may do. Screens at every size with axe-core.
 */
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let owner: TestClient;
let admin: TestClient;
let carol: TestClient;
let dan: TestClient;
let workspaceId: string;
let ada: AppPage;
let bob: AppPage;
const people: AppPage[] = [];

const WORKSPACE = 'Ops Crew';

async function openApp(client: TestClient): Promise<AppPage> {
  const context = await browser.newContext();
  // What the person's own desktop allows: the page writes and the test reads what was copied.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.origin });
  const person = await openAppPage(browser, app.origin, { context });
  people.push(person);
  await signInOnFreshPage(person.page, await whoot.server.createInvite('ops-crew'), client.email, client.password);
  return person;
}

async function openTab(page: Page, tab: string): Promise<void> {
  if ((await page.getByRole('heading', { name: 'Admin', exact: true }).count()) === 0) await openPlace(page, 'Admin');
  await page.getByRole('tab', { name: tab }).click();
  await page.getByRole('tabpanel', { name: tab }).waitFor();
}

const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());
const focusedName = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? '';
  });
/** Records where focus is after every change to the page, until read by focusSeen. */
const watchFocus = (page: Page) =>
  page.evaluate(() => {
    const seen: string[] = [];
    const observer = new MutationObserver(() => seen.push(document.activeElement?.tagName ?? 'none'));
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    Object.assign(window, { focusSeen: () => (observer.disconnect(), seen) });
  });
const focusSeen = (page: Page) => page.evaluate(() => (window as unknown as { focusSeen: () => string[] }).focusSeen());
const stored = {
  channels: async () => (await whoot.server.store.forWorkspace(workspaceId).channels.list()).map((c) => c.name),
  members: async () => (await whoot.server.store.forWorkspace(workspaceId).members.list()).map((m) => m.displayName),
};

beforeAll(async () => {
  requireBuild();
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({ allowedOrigins: [app.origin] });
  // One at a time: four argon2 sign-ups at once can outlast a client's timeout on a busy machine.
  owner = await signUpAndIn(whoot.server, 'Ada');
  admin = await signUpAndIn(whoot.server, 'Bob');
  carol = await signUpAndIn(whoot.server, 'Carol');
  dan = await signUpAndIn(whoot.server, 'Dan');
  workspaceId = (await owner.call('createWorkspace', { body: { slug: 'ops-crew', name: WORKSPACE } })).workspace.id;
  for (const [client, role] of [
    [admin, 'admin'],
    [carol, 'member'],
    [dan, 'member'],
  ] as const) {
    const invite = await owner.call('createInvite', { params: { workspaceId }, body: { role } });
    await client.call('acceptInvite', { body: { code: invite.code } });
  }
  for (const name of ['general', 'retro']) {
    await owner.call('createChannel', { params: { workspaceId }, body: { name, kind: 'text' } });
  }
  // Something Bob did, for the audit log's "who" filter.
  await admin.call('createChannel', { params: { workspaceId }, body: { name: 'bobs-room', kind: 'voice' } });
  browser = await launchChromium([trustPinnedKey(whoot.server.spkiPin)]);
  ada = await openApp(owner);
  bob = await openApp(admin);
});

afterAll(async () => {
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), whoot?.close()]);
});

describe('the admin console, finished', () => {
  it('deletes a channel only after a question naming it; Cancel changes nothing and focus comes back', async () => {
    await openTab(ada.page, 'Channels');
    const table = ada.page.getByRole('table', { name: 'Channels' });
    const remove = table.getByRole('button', { name: 'Delete retro' });
    await remove.click();
    const question = ada.page.getByRole('dialog', { name: 'Delete channel “retro”?' });
    await question.waitFor();
    expect(await question.textContent()).toContain('This cannot be undone.');
    // Focus starts on Cancel, so a stray Enter keeps the channel.
    expect(await focusedName(ada.page)).toBe('Cancel');
    await ada.page.keyboard.press('Enter');
    await question.waitFor({ state: 'detached' });
    expect(await stored.channels()).toContain('retro');
    expect(await focusedName(ada.page)).toBe('Delete retro');

    await remove.click();
    await watchFocus(ada.page);
    await question.getByRole('button', { name: 'Delete channel' }).click();
    await question.waitFor({ state: 'detached' });
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'retro' }).count()).toBe(0);
    expect(await stored.channels()).not.toContain('retro');
    // The row and its button are gone: focus goes to the list, and at no moment to the page's body (a screen
    // reader would announce the whole page there).
    expect(await ada.page.evaluate(() => document.activeElement?.tagName)).toBe('TABLE');
    expect(await focusSeen(ada.page)).not.toContain('BODY');
  });

  it('removes a member only after a question naming them; Escape changes nothing', async () => {
    await openTab(ada.page, 'Members');
    const table = ada.page.getByRole('table', { name: 'Members' });
    await table.getByRole('button', { name: 'Remove Carol' }).click();
    const question = ada.page.getByRole('dialog', { name: 'Remove Carol from the workspace?' });
    await question.waitFor();
    await ada.page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    expect(await stored.members()).toContain('Carol');

    await table.getByRole('button', { name: 'Remove Carol' }).click();
    await question.getByRole('button', { name: 'Remove member' }).click();
    await expect.poll(() => table.getByRole('button', { name: 'Remove Carol' }).count()).toBe(0);
    expect(await stored.members()).not.toContain('Carol');
  });

  it('Copy puts a new invite link, API token and input URL on the clipboard and says so', async () => {
    await openTab(ada.page, 'Invites');
    await ada.page.getByLabel('Role').selectOption('admin');
    await ada.page.getByRole('button', { name: 'Create invite' }).click();
    const revealed = ada.page.getByRole('region', { name: 'Invite link' });
    const link = (await revealed.locator('code').textContent()) ?? '';
    expect(link).toMatch(/^whoot:\/\/join\?/);
    // Focus moved to Copy, so the keyboard copies at once.
    await expect.poll(() => focusedName(ada.page)).toBe('Copy invite link');
    await ada.page.keyboard.press('Enter');
    await expect.poll(() => clipboard(ada.page)).toBe(link);
    await revealed.getByText('Copied').waitFor();
    await ada.page.getByTestId('announcer-polite').getByText('Invite link copied.').waitFor({ state: 'attached' });
    await assertFitsAtEverySize(ada.page, 'admin-invites', (page) => [
      ['Copy invite link', page.getByRole('button', { name: 'Copy invite link' })],
      ['Done', page.getByRole('button', { name: 'Done' })],
      ['Create invite', page.getByRole('button', { name: 'Create invite' })],
    ]);
    const report = await auditAccessibility(ada.page, 'admin-invites');
    expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
    await revealed.getByRole('button', { name: 'Done' }).click();
    await revealed.waitFor({ state: 'detached' });

    await openTab(ada.page, 'API tokens');
    await ada.page.getByLabel('Token name').fill('deploys');
    await ada.page.getByRole('button', { name: 'Create token' }).click();
    const token = ada.page.getByRole('region', { name: 'API token' });
    await token.getByRole('button', { name: 'Copy API token' }).click();
    await expect.poll(() => clipboard(ada.page)).toMatch(/^wht_[0-9a-f]{32}_/);
    expect(await clipboard(ada.page)).toBe(await token.locator('code').textContent());

    await openTab(ada.page, 'Inputs');
    await ada.page.getByLabel('Input name').fill('CI');
    await ada.page.getByRole('button', { name: 'Create input' }).click();
    const row = ada.page.getByRole('table', { name: 'Inputs' }).getByRole('row').filter({ hasText: 'CI' });
    await row.getByRole('button', { name: 'Copy URL of CI' }).click();
    await expect.poll(() => clipboard(ada.page)).toBe(await row.locator('code').textContent());
    expect(await clipboard(ada.page)).toMatch(/^https:\/\/.+\/v1\/inputs\//);
    expect(ada.errors).toEqual([]);
  });

  it('the audit log names people and says what happened in words, filtered by person and by action', async () => {
    await openTab(ada.page, 'Audit log');
    await ada.page.getByRole('status').filter({ hasText: 'Audit chain verified' }).waitFor();
    const table = ada.page.getByRole('table', { name: 'Audit log' });
    const row = (what: string) => table.getByRole('row').filter({ hasText: what });
    const cells = async (what: string) =>
      (await row(what).first().getByRole('cell').allTextContents()).map((cell) => cell.trim());
    // When (local time), who, what, on what. Carol is no longer a member and is still named.
    expect((await cells('Removed a member')).slice(1)).toEqual(['Ada', 'Removed a member', 'Carol']);
    expect((await cells('Deleted a channel')).slice(1)).toEqual(['Ada', 'Deleted a channel', '#retro']);
    expect((await cells('Created an API token')).slice(1)).toEqual(['Ada', 'Created an API token', 'deploys']);
    expect((await cells('Created an input')).slice(1)).toEqual(['Ada', 'Created an input', 'CI']);
    expect((await cells('Created a voice channel')).slice(1)).toEqual(['Bob', 'Created a voice channel', '#bobs-room']);
    expect((await cells('Removed a member'))[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const text = (await table.textContent()) ?? '';
    expect(text).not.toMatch(/[{}]|"[a-zA-Z]+":/);
    expect(text).not.toContain(carol.user.id);

    await ada.page.getByLabel('Who').selectOption({ label: 'Bob' });
    await expect
      .poll(async () => new Set(await table.locator('tbody tr td:nth-child(2)').allTextContents()))
      .toEqual(new Set(['Bob']));
    await ada.page.getByLabel('Who').selectOption({ label: 'Everyone' });
    await ada.page.getByLabel('Action').selectOption({ label: 'Removed a member' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await ada.page.getByLabel('Action').selectOption({ label: 'All actions' });

    await assertFitsAtEverySize(ada.page, 'admin-audit', (page) => [
      ['Who', page.getByLabel('Who')],
      ['Action', page.getByLabel('Action')],
      ['Audit log tab', page.getByRole('tab', { name: 'Audit log' })],
    ]);
    const report = await auditAccessibility(ada.page, 'admin-audit');
    expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
  });

  it('an admin is offered only what an admin may do: member invites, and removing members, not the owner', async () => {
    await openTab(bob.page, 'Invites');
    const form = bob.page.getByRole('form', { name: 'New invite' });
    await form.getByText('Only owners invite admins.').waitFor();
    expect(await form.getByRole('combobox').count()).toBe(0);
    await bob.page.getByRole('button', { name: 'Create invite' }).click();
    await bob.page.getByRole('region', { name: 'Invite link' }).waitFor();
    const invites = await whoot.server.store.forWorkspace(workspaceId).invites.list();
    expect(invites.filter((invite) => invite.createdBy === admin.user.id).map((invite) => invite.role)).toEqual([
      'member',
    ]);

    await openTab(bob.page, 'Members');
    const table = bob.page.getByRole('table', { name: 'Members' });
    await table.getByRole('button', { name: 'Remove Dan' }).waitFor();
    expect(await table.getByRole('button', { name: 'Remove Ada' }).count()).toBe(0);
    expect(await table.getByRole('combobox').count()).toBe(0);
    expect(bob.errors).toEqual([]);
  });
});
