import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../shared/deepLink';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../test/support/serverHarness';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { launchChromium } from './harness/chromium';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { signInWithInvite, signOut } from './scenarios/appScenarios';

/**
 * The renderer's CSP in real Chromium: main serves the app's document with a header whose connect-src names only
 * the WSS origin of the signed-in server (shared/contentSecurityPolicy.ts; the harness serves it per document as
 * main/app/appProtocol.ts does), and the page reloads to get a new one when the signed-in server changes. A
 * listener that only counts connections stands in for the host a compromised page would talk to.
 */
const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };

let browser: Browser;
let app: StaticServer;
let first: TestServer;
let second: TestServer;
let firstInvite: string;
let secondInvite: string;
let foreign: { server: Server; port: number; connections: number };

async function countingListener() {
  const state = { server: createServer(), port: 0, connections: 0 };
  state.server.on('connection', (socket) => {
    state.connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.port = (state.server.address() as AddressInfo).port;
  return state;
}

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  app = await serveDirectory(RENDERER_DIR);
  [first, second] = await Promise.all([
    startTestServer({ allowedOrigins: [app.origin] }),
    startTestServer({ allowedOrigins: [app.origin] }),
  ]);
  firstInvite = await bootstrapWorkspace(first.server, ACCOUNT, { slug: 'first', name: 'First Team' });
  secondInvite = await bootstrapWorkspace(second.server, ACCOUNT, { slug: 'second', name: 'Second Team' });
  foreign = await countingListener();
  // Chromium's stand-in for main's certificate verify-proc: each server's own key, and no other.
  const pins = [first.server.spkiPin, second.server.spkiPin].map((pin) =>
    Buffer.from(pin, 'base64url').toString('base64'),
  );
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${pins.join(',')}`]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (foreign ? foreign.server.close(() => resolve()) : resolve()));
  await Promise.all([app?.close(), first?.close(), second?.close()]);
});

type Outcome = { readonly outcome: 'open' | 'failed' | 'threw'; readonly violation: string | null };

/**
 * Tries a WebSocket (or a fetch) from the page and reports what happened, with the CSP violation the document
 * reported for that URL, if any. A socket to a whoot server opens only with a ticket: `protocols` carries one.
 */
async function probe(page: Page, kind: 'ws' | 'fetch', url: string, protocols: string[] = []): Promise<Outcome> {
  return page.evaluate(
    async ({ kind, url, protocols }) => {
      const violation = new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (event) => {
          if (event.blockedURI.startsWith(url.replace(/\/$/, ''))) resolve(event.effectiveDirective);
        });
      });
      const attempt = new Promise<'open' | 'failed' | 'threw'>((resolve) => {
        if (kind === 'fetch') {
          fetch(url).then(
            () => resolve('open'),
            () => resolve('failed'),
          );
          return;
        }
        try {
          const socket = new WebSocket(url, protocols);
          socket.onopen = () => {
            socket.close();
            resolve('open');
          };
          socket.onerror = () => resolve('failed');
        } catch {
          resolve('threw');
        }
      });
      const outcome = await attempt;
      // A refused connection reports its violation at once; give it a moment to arrive, and none for success.
      const reported = await Promise.race([
        violation,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), outcome === 'open' ? 0 : 2000)),
      ]);
      return { outcome, violation: reported };
    },
    { kind, url, protocols },
  );
}

/** A one-time ticket from main for the page's first workspace, and the socket URL main built for it. */
async function ticket(page: Page): Promise<{ url: string; protocols: string[] }> {
  return page.evaluate(async () => {
    const status = await window.whoot.session.status();
    if (!status.ok || !status.value.signedIn) throw new Error('not signed in');
    const minted = await window.whoot.realtime.ticket({ workspaceId: status.value.workspaces[0]!.id });
    if (!minted.ok) throw new Error(minted.error.message);
    return { url: minted.value.url, protocols: ['whoot.v1', `ticket.${minted.value.ticket}`] };
  });
}

const foreignWss = () => `wss://127.0.0.1:${foreign.port}/v1/ws`;
const foreignHttps = () => `https://127.0.0.1:${foreign.port}/`;
const refused = { outcome: 'failed', violation: 'connect-src' };

describe('the renderer connects only to the server it is signed in to', () => {
  let person: AppPage;

  it('counts a connection when only the build-time meta policy applies (the control)', async () => {
    // The same renderer without main's header: the meta policy allows any wss: host, so the listener is reached.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.origin}/index.html`);
    const before = foreign.connections;
    expect((await probe(page, 'ws', foreignWss())).violation).toBeNull();
    await expect.poll(() => foreign.connections).toBeGreaterThan(before);
    await context.close();
  });

  it('signed out: the page may connect to no host at all', async () => {
    person = await openAppPage(browser, app.origin);
    await person.page.getByRole('heading', { name: 'Sign in to whoot' }).waitFor();
    const before = foreign.connections;
    expect(await probe(person.page, 'ws', foreignWss())).toEqual(refused);
    expect(await probe(person.page, 'fetch', foreignHttps())).toEqual(refused);
    expect(foreign.connections).toBe(before);
  });

  it('signed in: the pinned server works, another host is refused by fetch and by WebSocket', async () => {
    const before = foreign.connections;
    await signInWithInvite(person.page, firstInvite, ACCOUNT.email, ACCOUNT.password);
    await person.page.getByRole('heading', { name: 'First Team' }).waitFor();
    const pinned = await ticket(person.page);
    expect(pinned.url).toBe(`wss://127.0.0.1:${first.server.port}/v1/ws`);
    expect(await probe(person.page, 'ws', pinned.url, pinned.protocols)).toEqual({ outcome: 'open', violation: null });

    expect(await probe(person.page, 'ws', foreignWss())).toEqual(refused);
    expect(await probe(person.page, 'fetch', foreignHttps())).toEqual(refused);
    // Another server of the same machine is another origin, refused too; so is https to the pinned one (the
    // page makes no https calls: main does).
    expect(await probe(person.page, 'ws', `wss://127.0.0.1:${second.server.port}/v1/ws`)).toEqual(refused);
    expect(await probe(person.page, 'fetch', `https://127.0.0.1:${first.server.port}/`)).toEqual(refused);
    expect(foreign.connections).toBe(before);
    expect(person.errors.filter((error) => !/Content Security Policy|Failed to fetch/.test(error))).toEqual([]);
  });

  it('signed in to another server: the page reloads into a policy for that server alone', async () => {
    const parsed = parseDeepLink(secondInvite);
    if (!parsed.ok) throw new Error('the invite did not parse');
    const { code: _code, ...address } = parsed.value.invite;
    const loaded = person.page.waitForEvent('load');
    // The app's sign-in, started from the page (a second workspace on another server, confirmed by the user).
    await person.page
      .evaluate(
        async ({ invite, address, account }) => {
          await window.whoot.servers.confirm(address);
          await window.whoot.session.signIn({ server: { invite }, ...account });
        },
        { invite: parsed.value.invite, address, account: ACCOUNT },
      )
      .catch(() => undefined); // the page may reload before the call answers
    await loaded;
    await person.page.getByRole('heading', { name: 'Second Team' }).waitFor();
    const pinned = await ticket(person.page);
    expect(pinned.url).toBe(`wss://127.0.0.1:${second.server.port}/v1/ws`);
    expect(await probe(person.page, 'ws', pinned.url, pinned.protocols)).toEqual({ outcome: 'open', violation: null });
    expect(await probe(person.page, 'ws', `wss://127.0.0.1:${first.server.port}/v1/ws`)).toEqual(refused);
  });

  it('signed out again: the reloaded page reaches no server', async () => {
    await signOut(person.page);
    expect(await probe(person.page, 'ws', `wss://127.0.0.1:${second.server.port}/v1/ws`)).toEqual(refused);
    await person.context.close();
  });
});
