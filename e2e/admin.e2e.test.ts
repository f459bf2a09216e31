import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopDeviceLabel } from '../shared/admin';
import { rawRequest } from '../test/support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhookReceiver';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { attachMainProcess } from './harness/mainProcess';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { openPlace, openTextChannel, screenshot, signInWithInvite } from './scenarios/appScenarios';

/**
 * Integrations and operations in the real renderer build in Debian's Chromium, with the real preload factory and
 * main-process handlers, against the real server and a real HTTPS webhook receiver: an inbound input's post shows up
 * in a connected client's channel feed, the admin console shows a webhook's delivery history and revokes a session,
 * and Test my connection runs the network doctor from main.
 */
const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'out', 'renderer');
const bridgeScript = join(root, 'out', 'harness', 'bridge.js');

let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let receiver: WebhookReceiver;
let owner: TestClient;
let workspaceId: string;
let inputId: string;
let webhookUrl: string;
let context: BrowserContext;
let page: Page;
let main: Awaited<ReturnType<typeof attachMainProcess>>;
const errors: string[] = [];

beforeAll(async () => {
  for (const built of [join(rendererDir, 'index.html'), bridgeScript]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  receiver = await startWebhookReceiver();
  app = await serveDirectory(rendererDir);
  whoot = await startTestServer({
    allowedOrigins: [app.origin],
    webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 100 },
  });
  owner = await signUpAndIn(whoot.server, 'Ada');
  workspaceId = (await owner.call('createWorkspace', { body: { slug: 'ops', name: 'Ops Team' } })).workspace.id;
  const { channel } = await owner.call('createChannel', {
    params: { workspaceId },
    body: { name: 'alerts', kind: 'text' },
  });
  inputId = (
    await owner.call('createInput', { params: { workspaceId }, body: { name: 'Deploy bot', channelId: channel.id } })
  ).input.id;
  webhookUrl = receiver.url('/ops');
  await owner.call('createWebhook', {
    params: { workspaceId },
    body: { url: webhookUrl, events: ['channel.created'] },
  });
  browser = await launchChromium([trustPinnedKey(whoot.server.spkiPin)]);
  context = await browser.newContext();
  page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  main = await attachMainProcess(page, { appOrigin: app.origin });
  await page.addInitScript({ path: bridgeScript });
  await page.goto(`${app.origin}/index.html`);
  await signInWithInvite(page, await whoot.server.createInvite('ops'), owner.email, owner.password);
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), whoot?.close(), receiver?.close()]);
});

describe('integrations and operations in real Chromium', () => {
  it("an inbound webhook input's post appears in a connected client's channel feed", async () => {
    await openTextChannel(page, /alerts/);
    await page.getByLabel('Message #alerts', { exact: true }).waitFor();
    const response = await rawRequest(whoot.server, {
      method: 'POST',
      path: `/v1/inputs/${inputId}`,
      body: JSON.stringify({ text: 'Deploy 42 finished' }),
    });
    expect(response.status).toBe(200);
    const post = page
      .getByRole('log', { name: '#alerts' })
      .locator('article')
      .filter({ hasText: 'Deploy 42 finished' });
    await post.waitFor({ timeout: 10_000 });
    expect(await post.textContent()).toContain('Deploy bot');
    await screenshot(page, 'admin-input-post');
  });

  it('an admin sees the delivery history of a webhook in the console', async () => {
    await owner.call('createChannel', { params: { workspaceId }, body: { name: 'standup' } });
    await receiver.waitFor(1);
    await expect
      .poll(async () => (await whoot.server.store.webhookQueue.counts()).succeeded, { timeout: 10_000 })
      .toBe(1);

    await openPlace(page, 'Admin');
    await page.getByRole('heading', { name: 'Admin' }).waitFor();
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    const row = page.getByRole('row').filter({ hasText: webhookUrl });
    await row.getByRole('button', { name: 'Deliveries' }).click();
    const history = page.getByRole('table', { name: 'Delivery history' });
    const delivery = history.getByRole('row').filter({ hasText: 'channel.created' });
    await delivery.waitFor();
    expect(await delivery.textContent()).toMatch(/succeeded.*1 of 5.*delivered 200/);
    expect(receiver.received[0]?.headers['x-whoot-event-type']).toBe('channel.created');
    await screenshot(page, 'admin-webhook-deliveries');
  });

  it('an admin revokes another of their sessions from the console, and that session stops working', async () => {
    expect((await owner.call('listWorkspaces')).workspaces).toHaveLength(1);
    await page.getByRole('tab', { name: 'Sessions' }).click();
    // The account screen's list: this app by the label it sent at sign-in, marked; the test client sent none.
    const list = page.getByRole('list', { name: 'Your sessions' });
    await list.getByRole('listitem', { name: `${desktopDeviceLabel(process.platform)}, this device` }).waitFor();
    const other = list.getByRole('listitem', { name: 'An unnamed device' });
    await other.getByRole('button', { name: /^Revoke An unnamed device/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke An unnamed device?' });
    await confirm.getByRole('button', { name: 'Revoke session' }).click();
    await expect.poll(() => other.count()).toBe(0);

    await expect(owner.call('listWorkspaces')).rejects.toMatchObject({ code: 'unknown_session' });
    expect(await whoot.server.store.sessions.getLive(owner.grant.id)).toBeUndefined();
    // The app's own session is untouched.
    expect(main.vault.isEmpty()).toBe(false);
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.getByRole('status').filter({ hasText: 'Audit chain verified' }).waitFor();
    await screenshot(page, 'admin-sessions-audit');
  });

  it('an admin creates and removes channels, invites and API tokens through the console forms', async () => {
    await openPlace(page, 'Admin');
    await page.getByRole('tab', { name: 'Members' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    expect(await members.getByRole('combobox', { name: 'Role of Ada' }).inputValue()).toBe('owner');
    // Nobody removes themselves from the console.
    expect(await members.getByRole('button', { name: 'Remove Ada' }).count()).toBe(0);

    await page.getByRole('tab', { name: 'Channels' }).click();
    await page.getByLabel('Channel name').fill('retro');
    await page.getByLabel('Kind').selectOption('text');
    await page.getByRole('button', { name: 'Create channel' }).click();
    const channels = page.getByRole('table', { name: 'Channels' });
    const retro = channels.getByRole('row').filter({ hasText: 'retro' });
    await expect.poll(() => retro.textContent()).toMatch(/retro\s*Text/);
    const stored = async () => (await whoot.server.store.forWorkspace(workspaceId).channels.list()).map((c) => c.name);
    expect(await stored()).toContain('retro');
    await retro.getByRole('button', { name: 'Delete retro' }).click();
    await page
      .getByRole('dialog', { name: 'Delete channel “retro”?' })
      .getByRole('button', { name: 'Delete channel' })
      .click();
    await expect.poll(() => retro.count()).toBe(0);
    expect(await stored()).not.toContain('retro');

    await page.getByRole('tab', { name: 'Invites' }).click();
    const invites = page.getByRole('table', { name: 'Invites' });
    const before = await invites.getByRole('row').filter({ hasText: 'Active' }).count();
    await page.getByRole('button', { name: 'Create invite' }).click();
    await expect.poll(() => invites.getByRole('row').filter({ hasText: 'Active' }).count()).toBe(before + 1);
    await page.getByRole('button', { name: 'Done' }).click();
    await invites
      .getByRole('row')
      .filter({ hasText: 'Active' })
      .first()
      .getByRole('button', { name: 'Revoke' })
      .click();
    await page
      .getByRole('dialog', { name: /^Revoke the Member invite/ })
      .getByRole('button', { name: 'Revoke invite' })
      .click();
    await expect.poll(() => invites.getByRole('row').filter({ hasText: 'Active' }).count()).toBe(before);

    await page.getByRole('tab', { name: 'API tokens' }).click();
    await page.getByLabel('Token name').fill('ci');
    await page.getByRole('button', { name: 'Create token' }).click();
    const tokens = page.getByRole('table', { name: 'API tokens' });
    const ci = tokens.getByRole('row').filter({ hasText: 'ci' });
    await expect.poll(() => ci.textContent()).toMatch(/Active/);
    await page.getByRole('button', { name: 'Done' }).click();
    await ci.getByRole('button', { name: 'Revoke ci' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke API token “ci”?' })
      .getByRole('button', { name: 'Revoke token' })
      .click();
    await expect.poll(() => ci.textContent()).toMatch(/Revoked/);
    await screenshot(page, 'admin-tokens');
  });

  it('Test my connection runs every check from main and shows the result', async () => {
    await openPlace(page, 'Test connection');
    await page.getByRole('button', { name: 'Run the test' }).click();
    await page.getByRole('status').filter({ hasText: 'All checks passed' }).waitFor({ timeout: 30_000 });
    const steps = page.getByRole('list', { name: 'Connection checks' }).getByRole('listitem');
    expect(await steps.count()).toBe(7);
    expect(await steps.filter({ hasText: 'Passed' }).count()).toBe(6);
    // This test server's relay has no TLS port, which the doctor reports rather than fails.
    expect(await steps.filter({ hasText: 'Skipped' }).textContent()).toContain('TURN allocation over TLS');
    await screenshot(page, 'doctor');
    expect(errors).toEqual([]);
  });
});
