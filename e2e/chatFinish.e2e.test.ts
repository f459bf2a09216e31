import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatInviteLink, parseDeepLink } from '../shared/deepLink';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { openAppPage, RENDERER_DIR, requireBuild, type AppPage } from './harness/appPage';
import { auditAccessibility } from './harness/axe';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { assertFitsAtEverySize, horizontalOverflow } from './harness/layoutCheck';
import { pngImage } from './harness/pngImage';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { startTcpProxy } from './harness/tcpProxy';
import { openTextChannel, screenshot, signInWithInvite } from './scenarios/appScenarios';

/**
 * The chat as a team uses it day to day, in real Chromium against the real server, each app's connections through
 * a proxy the test can break: grouping, lists, the growing composer, delete and remove with Undo (and a window that
 * closes meanwhile), bounded image previews, the outbox through an outage and a half-broken network, Jump to
 * newest, and the screens at every size with axe-core.
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
let channelId: string;
let ada: AppPage;
let bob: AppPage;
const people: AppPage[] = [];

const log = (page: Page) => page.getByRole('log', { name: 'Messages in #general' });
const articles = (page: Page) => log(page).locator('article');
const messageNamed = (page: Page, text: string) => articles(page).filter({ hasText: text });
const composer = (page: Page) => page.getByLabel('Message #general', { exact: true });
const toasts = (page: Page) => page.getByRole('status', { name: 'Notifications' });
const texts = (page: Page) => articles(page).locator('.message-body').allTextContents();

async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect.poll(() => composer(page).inputValue()).toBe('');
}

/** Old connections live on, new ones fail: wait until only the two pages' WSS connections are left open. */
async function breakNewConnections(): Promise<void> {
  proxy.refuse(true);
  await expect.poll(() => proxy.openConnections(), { timeout: 30_000 }).toBe(2);
}

async function openApp(): Promise<AppPage> {
  const person = await openAppPage(browser, app.origin);
  people.push(person);
  return person;
}

async function signedIn(person: AppPage, client: TestClient): Promise<void> {
  await signInWithInvite(person.page, invite, client.email, client.password);
  await openTextChannel(person.page, 'general');
  await composer(person.page).waitFor();
}

beforeAll(async () => {
  requireBuild();
  workDir = mkdtempSync(join(tmpdir(), 'whoot-chat-finish-e2e-'));
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({
    allowedOrigins: [app.origin],
    chat: { posts: { burst: 1000, perSecond: 100 }, uploads: { burst: 100, perSecond: 10 } },
  });
  proxy = await startTcpProxy(whoot.server.port);
  owner = await signUpAndIn(whoot.server, 'Ada');
  member = await signUpAndIn(whoot.server, 'Bob');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'finish-team', name: 'Finish Team' } });
  workspaceId = workspace.id;
  channelId = (await owner.call('createChannel', { params: { workspaceId }, body: { name: 'general', kind: 'text' } }))
    .channel.id;
  const parsed = parseDeepLink(await whoot.server.createInvite('finish-team', { maxUses: 10 }));
  if (!parsed.ok) throw new Error('invite did not parse');
  invite = formatInviteLink({ ...parsed.value.invite, port: proxy.port });
  browser = await launchChromium([trustPinnedKey(whoot.server.spkiPin)]);
  ada = await openApp();
  bob = await openApp();
  await signedIn(ada, owner);
  await signedIn(bob, member);
});

afterAll(async () => {
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), proxy?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the chat, finished', () => {
  // A test that fails while the network is cut must not leave the next one offline.
  afterEach(() => {
    proxy.refuse(false);
  });

  it('groups one author’s consecutive messages, renders lists as lists, and grows the composer', async () => {
    await send(ada.page, 'first of a group');
    await send(ada.page, 'second in the group');
    await send(ada.page, 'third in the group');
    await send(bob.page, 'bob answers');
    await messageNamed(bob.page, 'bob answers').waitFor();
    const shape = (text: string) =>
      messageNamed(bob.page, text).evaluate((article) => ({
        start: article.classList.contains('message-start'),
        author: article.querySelector('.message-author')?.textContent ?? null,
        avatar: article.querySelector('.avatar') !== null,
      }));
    expect(await shape('first of a group')).toEqual({ start: true, author: 'Ada', avatar: true });
    expect(await shape('second in the group')).toEqual({ start: false, author: null, avatar: false });
    expect(await shape('third in the group')).toEqual({ start: false, author: null, avatar: false });
    expect(await shape('bob answers')).toEqual({ start: true, author: 'Bob', avatar: true });

    // Lists, typed with Shift+Enter between the lines.
    const box = composer(ada.page);
    const oneLine = await box.evaluate((element) => element.getBoundingClientRect().height);
    for (const [index, line] of ['Plan:', '- apples', '- pears', '1. wash', '2. eat'].entries()) {
      if (index > 0) await box.press('Shift+Enter');
      await box.pressSequentially(line);
    }
    const fiveLines = await box.evaluate((element) => element.getBoundingClientRect().height);
    expect(fiveLines).toBeGreaterThan(oneLine * 2);
    // An Enter that confirms an IME composition is not a send.
    await box.evaluate((element) =>
      element.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, isComposing: true })),
    );
    expect(await box.inputValue()).toContain('2. eat');
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('');
    await expect.poll(() => box.evaluate((element) => element.getBoundingClientRect().height)).toBe(oneLine);
    const plan = messageNamed(bob.page, 'Plan:');
    await plan.waitFor();
    expect(await plan.locator('ul > li').allTextContents()).toEqual(['apples', 'pears']);
    expect(await plan.locator('ol > li').allTextContents()).toEqual(['wash', 'eat']);
    expect(await plan.locator('ul').evaluate((list) => getComputedStyle(list).listStyleType)).toBe('disc');
    expect(await plan.locator('ol').evaluate((list) => getComputedStyle(list).listStyleType)).toBe('decimal');

    // The composer stops growing at its limit and scrolls instead.
    await box.fill(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
    const capped = await box.evaluate((element) => ({
      height: element.getBoundingClientRect().height,
      scrolls: element.scrollHeight > element.clientHeight,
      viewport: window.innerHeight,
    }));
    expect(capped.height).toBeLessThanOrEqual(Math.min(240, capped.viewport * 0.4) + 1);
    expect(capped.scrolls).toBe(true);
    await box.fill('');
  }, 120_000);

  it('delete message: Undo puts it back in its place and nothing changes for Bob; letting the toast go deletes it for both', async () => {
    for (const text of ['keep me', 'delete me', 'after it']) await send(ada.page, text);
    await messageNamed(bob.page, 'after it').waitFor();
    const doomed = messageNamed(ada.page, 'delete me');
    const id = await doomed.getAttribute('data-message-id');
    await doomed.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => messageNamed(ada.page, 'delete me').count()).toBe(0);
    // The pointer on the toast holds its clock while the test looks at Bob's side (slow on a busy machine).
    await toasts(ada.page).getByText('Message deleted.').hover();
    expect(await messageNamed(bob.page, 'delete me').count()).toBe(1);

    await toasts(ada.page).getByRole('button', { name: 'Undo' }).click();
    await messageNamed(ada.page, 'delete me').waitFor();
    const order = (await texts(ada.page)).slice(-3);
    expect(order).toEqual(['keep me', 'delete me', 'after it']);
    // Nothing reached the server: the message is still there for everyone.
    expect((await member.call('getMessage', { params: { workspaceId, messageId: id ?? '' } })).message.body).toBe(
      'delete me',
    );

    await messageNamed(ada.page, 'delete me').getByRole('button', { name: 'Delete' }).click();
    await toasts(ada.page).getByText('Message deleted.').waitFor();
    // The toast times out (10 s, nobody hovering it): then the delete goes out, and Bob loses the message too.
    await ada.page.mouse.move(0, 0);
    await expect.poll(() => messageNamed(bob.page, 'delete me').count(), { timeout: 30_000 }).toBe(0);
    expect(await messageNamed(ada.page, 'delete me').count()).toBe(0);
    expect(await toasts(ada.page).getByText('Message deleted.').count()).toBe(0);
  }, 120_000);

  it('remove file: Undo brings the card back; dismissing the toast removes it for Bob', async () => {
    const path = join(workDir, 'minutes.txt');
    writeFileSync(path, 'Minutes of the meeting\n');
    await ada.page.getByLabel('Attach files').setInputFiles(path);
    const files = ada.page.getByRole('list', { name: 'Files for the next message' });
    await files.getByText('minutes.txt').waitFor();
    await expect.poll(() => files.locator('progress').count()).toBe(0);
    await send(ada.page, 'with the minutes');
    const card = (page: Page) => messageNamed(page, 'with the minutes').locator('.file-card');
    await card(bob.page).getByText('minutes.txt', { exact: true }).waitFor();
    expect(await card(bob.page).textContent()).toContain('Text file');

    await card(ada.page).getByRole('button', { name: 'Remove minutes.txt' }).click();
    await expect.poll(() => card(ada.page).count()).toBe(0);
    await toasts(ada.page).getByText('minutes.txt removed.').waitFor();
    await toasts(ada.page).getByRole('button', { name: 'Undo' }).click();
    await card(ada.page).getByText('minutes.txt', { exact: true }).waitFor();

    await card(ada.page).getByRole('button', { name: 'Remove minutes.txt' }).click();
    await toasts(ada.page).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => card(bob.page).count(), { timeout: 15_000 }).toBe(0);
    expect(await messageNamed(bob.page, 'with the minutes').count()).toBe(1);
  }, 120_000);

  it('a large image is bounded in the pane at 940×600 (aspect kept) and opens full size in a dialog', async () => {
    await bob.page.setViewportSize({ width: 940, height: 600 });
    const path = join(workDir, 'landscape.png');
    writeFileSync(path, pngImage(1600, 1000));
    await ada.page.getByLabel('Attach files').setInputFiles(path);
    const files = ada.page.getByRole('list', { name: 'Files for the next message' });
    await files.getByText('landscape.png').waitFor();
    await expect.poll(() => files.locator('progress').count()).toBe(0);
    await send(ada.page, 'a big picture');
    const preview = messageNamed(bob.page, 'a big picture').locator('img.attachment-preview');
    await expect
      .poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 })
      .toBe(1600);
    const box = await preview.evaluate((img) => {
      const rect = img.getBoundingClientRect();
      const pane = img.closest('.message-list')?.getBoundingClientRect();
      return { width: rect.width, height: rect.height, right: rect.right, paneRight: pane?.right ?? 0 };
    });
    expect(box.width).toBeLessThanOrEqual(400);
    expect(box.height).toBeLessThanOrEqual(300);
    expect(box.width / box.height).toBeCloseTo(1.6, 1);
    expect(box.right).toBeLessThanOrEqual(box.paneRight);
    expect(await horizontalOverflow(bob.page)).toEqual([]);
    await screenshot(bob.page, 'chat-image-940x600');

    const opener = bob.page.getByRole('button', { name: 'View landscape.png full size' });
    await opener.click();
    const dialog = bob.page.getByRole('dialog', { name: 'landscape.png' });
    await dialog.waitFor();
    const full = await dialog.locator('img').evaluate((img: HTMLImageElement) => {
      const rect = img.getBoundingClientRect();
      return { natural: img.naturalWidth, width: rect.width, bottom: rect.bottom, viewport: window.innerHeight };
    });
    expect(full.natural).toBe(1600);
    expect(full.width).toBeGreaterThan(box.width);
    expect(full.bottom).toBeLessThanOrEqual(full.viewport);
    await screenshot(bob.page, 'chat-image-full-size');
    await bob.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await opener.evaluate((button) => button === document.activeElement)).toBe(true);
    await bob.page.setViewportSize({ width: 1280, height: 720 });
  }, 120_000);

  it('messages written offline wait as pending, in order, and are sent in order once the server is back', async () => {
    proxy.refuse(true);
    proxy.dropAll();
    const status = ada.page.getByRole('status', { name: 'Connection' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/Reconnecting/);
    for (const text of ['offline one', 'offline two', 'offline three']) await send(ada.page, text);
    const pending = log(ada.page).locator('article.message-pending');
    await expect
      .poll(() => pending.locator('.message-body').allTextContents())
      .toEqual(['offline one', 'offline two', 'offline three']);
    expect(await pending.first().textContent()).toContain('Waiting for the connection');
    await ada.page.getByText('3 messages waiting for the connection.').waitFor();
    await expect.poll(() => ada.page.getByTestId('announcer-polite').textContent()).toContain('Message queued');
    expect(await messageNamed(bob.page, 'offline one').count()).toBe(0);

    proxy.refuse(false);
    await expect.poll(() => messageNamed(bob.page, 'offline three').count(), { timeout: 40_000 }).toBe(1);
    const seen = (await texts(bob.page)).filter((text) => text.startsWith('offline'));
    expect(seen).toEqual(['offline one', 'offline two', 'offline three']);
    await expect.poll(() => pending.count()).toBe(0);
    expect((await texts(ada.page)).filter((text) => text.startsWith('offline'))).toEqual(seen);
    const history = await member.call('listMessages', { params: { workspaceId, channelId } });
    expect(history.messages.filter((message) => message.body.startsWith('offline')).map((m) => m.body)).toEqual(seen);
    await expect
      .poll(() => ada.page.getByTestId('announcer-polite').textContent())
      .toContain('Sent 3 queued messages.');
  }, 120_000);

  it('a post the network loses while the app looks online fails with Retry and Delete draft; Retry sends it once', async () => {
    await breakNewConnections();
    await send(ada.page, 'through a broken network');
    const failed = messageNamed(ada.page, 'through a broken network');
    await failed.getByText('Not sent: whoot could not reach the server.').waitFor({ timeout: 30_000 });
    expect(await failed.getAttribute('class')).toContain('message-failed');
    expect(await ada.page.getByRole('status', { name: 'Connection' }).textContent()).toBe('Connected');
    await ada.page.getByText('1 message not sent.').waitFor();
    await expect
      .poll(() => ada.page.getByTestId('announcer-assertive').textContent())
      .toContain('Message not sent: whoot could not reach the server.');

    await send(ada.page, 'a draft to drop');
    const draft = messageNamed(ada.page, 'a draft to drop');
    await draft.getByRole('button', { name: 'Delete draft' }).waitFor({ timeout: 30_000 });
    await draft.getByRole('button', { name: 'Delete draft' }).click();
    await expect.poll(() => draft.count()).toBe(0);

    proxy.refuse(false);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => messageNamed(bob.page, 'through a broken network').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => log(ada.page).locator('article.message-failed').count()).toBe(0);
    const history = await member.call('listMessages', { params: { workspaceId, channelId } });
    expect(history.messages.filter((message) => message.body === 'through a broken network')).toHaveLength(1);
    expect(history.messages.some((message) => message.body === 'a draft to drop')).toBe(false);
  }, 120_000);

  it('scrolled up, new messages show a Jump to newest bar that takes the reader to them', async () => {
    for (let i = 0; i < 40; i += 1) {
      await owner.call('postMessage', { params: { workspaceId, channelId }, body: { body: `filler ${i}` } });
    }
    await messageNamed(bob.page, 'filler 39').waitFor();
    await log(bob.page).evaluate((element) => {
      element.scrollTop = 0;
      element.dispatchEvent(new Event('scroll'));
    });
    const jump = bob.page.getByRole('button', { name: 'Jump to newest' });
    await jump.waitFor();
    await send(ada.page, 'news while Bob reads');
    await bob.page.getByText('1 new message', { exact: true }).waitFor();
    await jump.click();
    await expect
      .poll(() => log(bob.page).evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight))
      .toBeLessThan(30);
    await messageNamed(bob.page, 'news while Bob reads').waitFor();
    await expect.poll(() => jump.count()).toBe(0);
  }, 120_000);

  it('stays on the newest message when rows change height under it: the browser moving the scroll is not the reader', async () => {
    // Enough history to scroll, as any channel has.
    for (let i = 0; i < 30; i += 1) {
      await owner.call('postMessage', { params: { workspaceId, channelId }, body: { body: `history ${i}` } });
    }
    await send(ada.page, 'the newest, to stay in view');
    await messageNamed(bob.page, 'the newest, to stay in view').waitFor();
    const distanceFromBottom = () =>
      log(bob.page).evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight);
    await expect.poll(distanceFromBottom).toBeLessThan(30);
    // In one task, as a busy page does between two frames: a row above is measured shorter (the browser pulls
    // scrollTop up with the content), then a row below grows (a newer message, an image that loaded). The scroll
    // event for the first arrives after the second, when the list is no longer at its bottom.
    await log(bob.page).evaluate((element) => {
      const rows = [...element.querySelectorAll<HTMLElement>('[data-key]')];
      const above = rows[0]!;
      const below = rows.at(-1)!;
      above.style.height = '0px';
      above.style.overflow = 'hidden';
      void element.scrollTop;
      below.style.paddingBottom = '200px';
      void element.scrollHeight;
    });
    await bob.page.evaluate(
      () =>
        new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 200)))),
    );
    expect(await bob.page.getByRole('button', { name: 'Jump to newest' }).count()).toBe(0);
    await expect.poll(distanceFromBottom).toBeLessThan(30);
    await log(bob.page).evaluate((element) => {
      for (const row of element.querySelectorAll<HTMLElement>('[data-key]')) row.removeAttribute('style');
    });
  }, 60_000);

  it('chat with files, grouped messages and the outbox fits every size, with no serious accessibility violation', async () => {
    for (const [name, bytes] of [
      ['photo.png', pngImage(900, 1200)],
      ['report.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(120_000, 7)])],
    ] as const) {
      writeFileSync(join(workDir, name), bytes);
    }
    await ada.page.getByLabel('Attach files').setInputFiles([join(workDir, 'photo.png'), join(workDir, 'report.pdf')]);
    const files = ada.page.getByRole('list', { name: 'Files for the next message' });
    await files.getByText('report.pdf').waitFor();
    await expect.poll(() => files.locator('progress').count()).toBe(0);
    await send(ada.page, 'the photo and the report');
    await send(ada.page, 'and a **follow-up** in the same group');
    await breakNewConnections();
    await send(ada.page, 'this one did not go out');
    await messageNamed(ada.page, 'this one did not go out').getByRole('button', { name: 'Retry' }).waitFor({
      timeout: 30_000,
    });
    proxy.dropAll();
    await send(ada.page, 'this one waits for the connection');
    await messageNamed(ada.page, 'this one waits for the connection').getByText('Waiting for the connection').waitFor({
      timeout: 30_000,
    });
    await assertFitsAtEverySize(ada.page, 'chat-finish', (page) => [
      ['composer', composer(page)],
      ['Send message', page.getByRole('button', { name: 'Send message' })],
      ['Upload a file', page.getByRole('button', { name: 'Upload a file' })],
      ['Retry', messageNamed(page, 'this one did not go out').getByRole('button', { name: 'Retry' })],
    ]);
    const report = await auditAccessibility(ada.page, 'chat-finish');
    expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);

    proxy.refuse(false);
    await messageNamed(ada.page, 'this one did not go out').getByRole('button', { name: 'Retry' }).click();
    await expect
      .poll(() => messageNamed(bob.page, 'this one waits for the connection').count(), { timeout: 40_000 })
      .toBe(1);
    expect(await messageNamed(bob.page, 'this one did not go out').count()).toBe(1);
    await assertFitsAtEverySize(bob.page, 'chat-finish-reader', (page) => [['composer', composer(page)]]);
  }, 180_000);

  it('closing the window while Undo shows still deletes the message: the user asked for it', async () => {
    const second = await openApp();
    await signedIn(second, owner);
    await send(second.page, 'deleted as the window closes');
    await messageNamed(bob.page, 'deleted as the window closes').waitFor();
    await messageNamed(second.page, 'deleted as the window closes').getByRole('button', { name: 'Delete' }).click();
    await toasts(second.page).getByText('Message deleted.').waitFor();
    const closedAt = Date.now();
    await second.page.close({ runBeforeUnload: true });
    await second.main.dispatcher.settled();
    await expect
      .poll(() => messageNamed(bob.page, 'deleted as the window closes').count(), { timeout: 10_000 })
      .toBe(0);
    // Sent when the window closed, not when the Undo would have run out.
    expect(Date.now() - closedAt).toBeLessThan(8000);
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  }, 120_000);
});
