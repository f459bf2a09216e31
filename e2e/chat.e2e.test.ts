import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInviteLink, parseDeepLink } from '../shared/deepLink';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { pngImage } from './harness/pngImage';
import { TEST_WAIT_MS } from '../test/support/testDeadlines';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { startTcpProxy } from './harness/tcpProxy';
import { openTextChannel, screenshot, signInWithInvite } from './scenarios/appScenarios';

/**
 * Channel chat between two people, each in the real renderer build in Debian's Chromium with the real preload
 * factory and main-process handlers, against the real server (SQLite, sealed bodies, encrypted blobs). Every
 * connection of the app goes through a TCP proxy the test can cut, the way a network drop does.
 */

let workDir: string;
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let invite: string;
let owner: TestClient;
let member: TestClient;
let eve: TestClient;
let workspaceId: string;
let channelId: string;

type Person = AppPage;
const people: Person[] = [];
let ada: Person;
let bob: Person;

async function openApp(): Promise<Person> {
  const person = await openAppPage(browser, app.origin);
  people.push(person);
  return person;
}

const messages = (page: Page) => page.getByRole('log', { name: '#general' }).locator('article');
const messageNamed = (page: Page, text: string) => messages(page).filter({ hasText: text });

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message #general', { exact: true });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => box.inputValue()).toBe('');
}

/** SHA-256 of a file as the page gets it: chunks pulled through main, hashed with WebCrypto in the page. */
async function pageSha256(page: Page, fileId: string): Promise<string> {
  return page.evaluate(
    async ([workspace, file]) => {
      type R<T> = { ok: true; value: T } | { ok: false; error: { code: string } };
      const files = (
        window as unknown as {
          whoot: {
            files: {
              downloadBegin(r: unknown): Promise<R<{ downloadId: string; size: number }>>;
              downloadChunk(r: unknown): Promise<R<{ data: string; done: boolean }>>;
            };
          };
        }
      ).whoot.files;
      const begun = await files.downloadBegin({ workspaceId: workspace, fileId: file });
      if (!begun.ok) throw new Error(begun.error.code);
      const bytes = new Uint8Array(begun.value.size);
      let at = 0;
      for (;;) {
        const chunk = await files.downloadChunk({ downloadId: begun.value.downloadId });
        if (!chunk.ok) throw new Error(chunk.error.code);
        const binary = atob(chunk.value.data);
        for (let i = 0; i < binary.length; i += 1) bytes[at + i] = binary.charCodeAt(i);
        at += binary.length;
        if (chunk.value.done) break;
      }
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    [workspaceId, fileId] as const,
  );
}

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'whoot-chat-e2e-'));
  app = await serveDirectory(RENDERER_DIR);
  // Roomy chat limits: this suite posts more than a person would (the attack suite tests the limits).
  whoot = await startTestServer({
    allowedOrigins: [app.origin],
    chat: { posts: { burst: 1000, perSecond: 100 }, uploads: { burst: 100, perSecond: 10 } },
  });
  proxy = await startTcpProxy(whoot.server.port);
  owner = await signUpAndIn(whoot.server, 'Ada');
  member = await signUpAndIn(whoot.server, 'Bob');
  eve = await signUpAndIn(whoot.server, '<img src=x onerror=window.__pwned=5>', {
    email: 'eve@example.com',
    password: `pw-${randomBytes(8).toString('hex')}`,
  });
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'chat-team', name: 'Chat Team' } });
  workspaceId = workspace.id;
  channelId = (await owner.call('createChannel', { params: { workspaceId }, body: { name: 'general', kind: 'text' } }))
    .channel.id;
  await owner.call('createChannel', { params: { workspaceId }, body: { name: 'Lobby' } });
  const code = await owner.call('createInvite', { params: { workspaceId }, body: { maxUses: 10 } });
  await eve.call('acceptInvite', { body: { code: code.code } });
  const parsed = parseDeepLink(await whoot.server.createInvite('chat-team', { maxUses: 10 }));
  if (!parsed.ok) throw new Error('invite did not parse');
  invite = formatInviteLink({ ...parsed.value.invite, port: proxy.port });
  browser = await launchChromium([trustPinnedKey(whoot.server.spkiPin)]);

  ada = await openApp();
  bob = await openApp();
  await signInWithInvite(ada.page, invite, owner.email, owner.password);
  await signInWithInvite(bob.page, invite, member.email, member.password);
  for (const person of [ada, bob]) {
    await person.page
      .getByRole('navigation', { name: 'Channels' })
      .getByRole('link', { name: /general/ })
      .waitFor();
    await person.page.getByLabel('Message #general', { exact: true }).waitFor();
  }
});

afterAll(async () => {
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), proxy?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('channel chat in real Chromium', () => {
  it('posts, edits, deletes and mentions appear on the other side', async () => {
    await send(ada.page, 'hello **Bob**, see `code`');
    const hello = messageNamed(bob.page, 'hello Bob, see code');
    await hello.waitFor();
    expect(await hello.locator('strong').textContent()).toBe('Bob');
    expect(await hello.locator('code').textContent()).toBe('code');

    await send(ada.page, 'ping @Bob please');
    const ping = messageNamed(bob.page, 'ping @Bob please');
    await ping.waitFor();
    expect(await ping.getAttribute('class')).toContain('message-mentioned');
    expect(await ping.locator('.mention-self').textContent()).toBe('@Bob');
    await expect.poll(() => bob.main.desktop.notifications.length).toBe(1);
    expect(bob.main.desktop.notifications[0]).toEqual({
      title: 'Ada mentioned you in #general',
      body: 'ping @Bob please',
    });
    expect(ada.main.desktop.notifications).toEqual([]);

    await send(ada.page, 'typo here');
    await messageNamed(bob.page, 'typo here').waitFor();
    const mine = messageNamed(ada.page, 'typo here');
    await mine.getByRole('button', { name: 'Edit' }).click();
    const editBox = ada.page.getByLabel('Edit message');
    await editBox.fill('fixed text');
    await editBox.press('Enter');
    const fixed = messageNamed(bob.page, 'fixed text');
    await fixed.waitFor();
    expect(await fixed.textContent()).toContain('(edited)');
    await expect.poll(() => messageNamed(bob.page, 'typo here').count()).toBe(0);

    await messageNamed(ada.page, 'fixed text').getByRole('button', { name: 'Delete' }).click();
    // Held back under an Undo: gone for Ada, still there for Bob until the toast goes (here: dismissed).
    await expect.poll(() => messageNamed(ada.page, 'fixed text').count()).toBe(0);
    expect(await messageNamed(bob.page, 'fixed text').count()).toBe(1);
    await ada.page.getByRole('status', { name: 'Notifications' }).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => messageNamed(bob.page, 'fixed text').count(), { timeout: 10_000 }).toBe(0);
    // Bob may delete his own messages, not Ada's: he sees no Delete on hers.
    expect(await messageNamed(bob.page, 'ping @Bob').getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await screenshot(bob.page, 'chat-timeline');
  });

  it('a client whose connection was cut gets everything it missed after reconnecting, in order, once', async () => {
    await send(ada.page, 'before the cut');
    await messageNamed(bob.page, 'before the cut').waitFor();
    expect(proxy.dropAll()).toBeGreaterThan(0);
    // Posted straight to the server (not through the proxy) while Bob's socket is down.
    const missed: string[] = [];
    for (let i = 1; i <= 5; i += 1) {
      const { message } = await owner.call('postMessage', {
        params: { workspaceId, channelId },
        body: { body: `missed ${i}` },
      });
      missed.push(message.id);
    }
    await owner.call('editMessage', {
      params: { workspaceId, messageId: missed[1]! },
      body: { body: 'missed 2 (edited while away)' },
    });
    await owner.call('deleteMessage', { params: { workspaceId, messageId: missed[2]! } });

    await messageNamed(bob.page, 'missed 5').waitFor({ timeout: 20_000 });
    await messageNamed(bob.page, 'missed 2 (edited while away)').waitFor();
    const ids = await messages(bob.page).evaluateAll((nodes) =>
      nodes.map((node) => node.getAttribute('data-message-id')),
    );
    const expected = [missed[0], missed[1], missed[3], missed[4]];
    expect(ids.filter((id) => missed.includes(id ?? ''))).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a file uploaded by one is downloaded by the other with the same SHA-256, and an image shows as a preview', async () => {
    const report = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(600_000)]);
    const reportPath = join(workDir, 'quarterly report.pdf');
    writeFileSync(reportPath, report);
    const pngPath = join(workDir, 'pixels.png');
    const png = pngImage(2, 2);
    writeFileSync(pngPath, png);

    await ada.page.getByLabel('Attach files').setInputFiles([reportPath, pngPath]);
    const files = ada.page.getByRole('list', { name: 'Files for the next message' });
    await files.getByText('quarterly report.pdf').waitFor();
    await files.getByText('pixels.png').waitFor();
    await expect.poll(() => files.locator('progress').count()).toBe(0);
    await send(ada.page, 'two files');

    const carrying = messageNamed(bob.page, 'two files');
    await carrying.waitFor();
    const fileIds = await carrying
      .locator('figure.attachment')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-file-id') ?? ''));
    expect(fileIds).toHaveLength(2);
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const hashes = await Promise.all(fileIds.map((id) => pageSha256(bob.page, id)));
    expect(hashes.sort()).toEqual([sha(report), sha(png)].sort());

    const preview = carrying.locator('img.attachment-preview');
    await preview.waitFor();
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2);
    await screenshot(bob.page, 'chat-files');
  });

  it('renders hostile messages, names and file names inert: no script runs, nothing navigates', async () => {
    const before = bob.page.url();
    const payloads = [
      '<img src=x onerror="window.__pwned=1">',
      '[click me](javascript:window.__pwned=2)',
      '[passwords](file:///etc/passwd)',
      '**<script>window.__pwned=3</script>**',
      '[https://good.example](https://evil.example/login)',
      '<a href="javascript:window.__pwned=6">x</a> <iframe src="javascript:window.__pwned=7"></iframe>',
    ];
    for (const body of payloads) await send(ada.page, body);
    await eve.call('postMessage', { params: { workspaceId, channelId }, body: { body: 'hi from eve' } });
    const hostileName = join(workDir, '<img src=x onerror=window.__pwned=4>.txt');
    writeFileSync(hostileName, 'plain text');
    await ada.page.getByLabel('Attach files').setInputFiles(hostileName);
    const files = ada.page.getByRole('list', { name: 'Files for the next message' });
    await files.getByText('.txt').waitFor();
    await expect.poll(() => files.locator('progress').count()).toBe(0);
    await send(ada.page, 'named file');
    // A body with a bidi override is refused by the server: the sender sees why, nobody sees the message.
    const composer = ada.page.getByLabel('Message #general', { exact: true });
    await composer.fill('evil \u202Etxt.exe');
    await composer.press('Enter');
    await ada.page.getByRole('alert').filter({ hasText: 'bidi' }).waitFor();
    await composer.fill('');

    await messageNamed(bob.page, 'named file').waitFor();
    await messageNamed(bob.page, 'hi from eve').waitFor();
    const log = bob.page.getByRole('log', { name: '#general' });
    for (const text of ['<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=3</script>']) {
      await log.getByText(text, { exact: false }).first().waitFor();
    }
    expect(await log.locator('img:not(.attachment-preview), script, iframe, a[href]').count()).toBe(0);
    // The hostile display name and file name are text too.
    await log.getByText('<img src=x onerror=window.__pwned=5>').first().waitFor();
    await log.getByText('_img src=x onerror=window.__pwned=4_.txt').first().waitFor();
    // javascript: and file: targets are not links at all; the disguised link shows where it really goes.
    expect(await log.getByRole('button', { name: 'click me' }).count()).toBe(0);
    expect(await log.getByRole('button', { name: 'passwords' }).count()).toBe(0);
    const disguised = messageNamed(bob.page, 'https://good.example');
    expect(await disguised.textContent()).toContain('(evil.example)');
    await disguised.getByRole('button', { name: 'https://good.example' }).click();
    const question = bob.page.getByRole('dialog', { name: 'Open this link?' });
    await question.getByText('evil.example', { exact: true }).waitFor();
    await question.getByRole('button', { name: 'Open link' }).click();
    await expect.poll(() => bob.main.desktop.opened).toEqual(['https://evil.example/login']);
    // Hover and click everything that could carry a handler.
    for (const text of ['click me', 'passwords', 'window.__pwned=3']) {
      await log.getByText(text).first().click();
    }
    expect(await bob.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await ada.page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(bob.page.url()).toBe(before);
    expect(bob.main.desktop.opened.every((url) => url.startsWith('https://'))).toBe(true);
    expect(bob.errors.filter((error) => /Content Security Policy|pwned/i.test(error))).toEqual([]);
    await screenshot(bob.page, 'chat-hostile');
  });

  it('asks before opening a link whose text is not its target or whose host is a look-alike, naming the host', async () => {
    bob.main.desktop.opened.length = 0;
    await send(ada.page, 'plain https://docs.example/start');
    await send(ada.page, 'see [the docs](https://evil.example/steal) and https://\u0430pple.com/login');
    const plain = messageNamed(bob.page, 'plain https://docs.example/start');
    const tricky = messageNamed(bob.page, 'see the docs');
    await tricky.waitFor();
    const dialog = bob.page.getByRole('dialog', { name: 'Open this link?' });

    // A link that shows where it goes opens without a question.
    await plain.getByRole('button', { name: 'https://docs.example/start' }).click();
    await expect.poll(() => bob.main.desktop.opened).toEqual(['https://docs.example/start']);
    expect(await dialog.count()).toBe(0);

    // Disguised: the question names the full host; focus starts on Cancel, stays inside, Escape cancels and
    // focus returns to the link; nothing opened.
    const docs = tricky.getByRole('button', { name: 'the docs' });
    await docs.click();
    await dialog.waitFor();
    expect(await dialog.getByRole('definition').first().textContent()).toBe('evil.example');
    expect(await dialog.textContent()).toContain('The link’s text is not the address it opens.');
    const focused = () =>
      bob.page.evaluate(
        () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '',
      );
    expect(await focused()).toBe('Cancel');
    await bob.page.keyboard.press('Tab');
    expect(await focused()).toBe('Open link');
    // Past the last control Tab wraps to the dialog's first (its Close button), never out of the dialog.
    await bob.page.keyboard.press('Tab');
    expect(await focused()).toBe('Close');
    await bob.page.keyboard.press('Tab');
    expect(await focused()).toBe('Cancel');
    await bob.page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Close');
    await bob.page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('Open link');
    await screenshot(bob.page, 'chat-link-question');
    await bob.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await docs.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(bob.main.desktop.opened).toEqual(['https://docs.example/start']);

    // A look-alike host (Cyrillic а) is shown in its punycode form, and opens only after "Open link".
    await tricky.getByRole('button', { name: 'https://\u0430pple.com/login' }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('definition').first().textContent()).toBe('xn--pple-43d.com');
    expect(await dialog.textContent()).toContain('real (punycode) form');
    await dialog.getByRole('button', { name: 'Open link' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() => bob.main.desktop.opened)
      .toEqual(['https://docs.example/start', 'https://xn--pple-43d.com/login']);
    expect(bob.errors.filter((error) => /Content Security Policy/i.test(error))).toEqual([]);
  });

  it('keeps the DOM small with thousands of messages loaded, and pages older history in as the reader scrolls up', async () => {
    const channel = (
      await owner.call('createChannel', { params: { workspaceId }, body: { name: 'archive', kind: 'text' } })
    ).channel;
    const count = Number(process.env.CHAT_E2E_MESSAGES ?? 10_000);
    // History from before anyone opened the channel: stored directly (sealed, like any post), no live events.
    const scope = whoot.server.store.forWorkspace(workspaceId);
    for (let i = 0; i < count; i += 1) {
      const author = { kind: 'member' as const, userId: owner.user.id };
      await scope.messages.post({
        channelId: channel.id,
        author,
        body: `archived ${i}`,
        mentions: [],
        attachments: [],
      });
    }
    await openTextChannel(bob.page, /archive/);
    const log = bob.page.getByRole('log', { name: '#archive' });
    console.log(`chat e2e: seeded ${count} messages`);
    await log.getByText(`archived ${count - 1}`).waitFor({ timeout: 20_000 });
    console.log('chat e2e: newest page shown');
    // Scroll to the top until the first message is loaded: 100 pages of 100. Each scroll to the top must bring the
    // page before it; progress is what is checked, not a clock (a busy machine is slow, not wrong).
    const oldestRendered = () =>
      log.evaluate((element) => {
        const first = [...element.querySelectorAll('.message-body')]
          .map((body) => /^archived (\d+)$/.exec(body.textContent?.trim() ?? '')?.[1])
          .find((number) => number !== undefined);
        return first === undefined ? Number.POSITIVE_INFINITY : Number(first);
      });
    const started = Date.now();
    let pages = 0;
    let oldest = await oldestRendered();
    while (oldest > 0) {
      pages += 1;
      if (pages % 10 === 0) console.log(`chat e2e: ${pages} pages up, ${Date.now() - started} ms`);
      if (pages > count / 100 + 10) throw new Error(`older pages did not load: ${pages} scrolls reached ${oldest}`);
      const before = oldest;
      await expect
        .poll(
          async () => {
            await log.evaluate((element) => {
              element.scrollTop = 0;
              element.dispatchEvent(new Event('scroll'));
            });
            oldest = await oldestRendered();
            return oldest;
          },
          { timeout: TEST_WAIT_MS },
        )
        .toBeLessThan(before);
    }
    await log.getByText('archived 0', { exact: true }).waitFor();
    const rendered = await log.locator('article').count();
    expect(rendered).toBeLessThan(200);
    // Frames stay short while scrolling through all of it.
    // Wheel-sized steps (120 px a frame) through the newest stretch, then jumps across all of it (a scrollbar drag).
    const frameTimes = await log.evaluate(async (element) => {
      const times: number[] = [];
      let last = performance.now();
      for (let step = 0; step < 120; step += 1) {
        element.scrollTop =
          step < 60
            ? element.scrollHeight - element.clientHeight - step * 120
            : (element.scrollHeight * (step - 60)) / 60;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times;
    });
    const repaint = await log.evaluate(async (element) => {
      const times: number[] = [];
      let last = performance.now();
      for (let step = 0; step < 30; step += 1) {
        element.style.backgroundColor = step % 2 === 0 ? '#2c2f38' : '#2c2f37';
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      element.style.backgroundColor = '';
      return times.sort((a, b) => a - b)[15];
    });
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
    console.log(
      `chat e2e: wheel steps median ${median(frameTimes.slice(0, 60)).toFixed(1)} ms, jumps median ${median(frameTimes.slice(60)).toFixed(1)} ms, repaint-only median ${repaint?.toFixed(1)} ms`,
    );
    frameTimes.sort((a, b) => a - b);
    const p95 = frameTimes[Math.floor(frameTimes.length * 0.95)] ?? Infinity;
    const idle = await bob.page.evaluate(async () => {
      const times: number[] = [];
      let last = performance.now();
      for (let step = 0; step < 30; step += 1) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times.sort((a, b) => a - b)[15];
    });
    console.log(`chat e2e: idle frame median ${idle?.toFixed(1)} ms`);
    console.log(`chat e2e: ${count} messages, ${rendered} articles in the DOM, frame p95 ${p95.toFixed(1)} ms`);
    expect(await log.locator('article').count()).toBeLessThan(200);
  }, 300_000);
});
