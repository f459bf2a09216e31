import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssoSettingsFor, startTestProvider, type TestProvider } from '../../../test/support/oidcProvider';
import { signUpAndIn, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { createTestBrowser } from '../../../test/support/testBrowser';
import type { AllowedLink } from '../../security/linkPolicy';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createServerTrust } from '../../session/serverTrust';
import { createSessionService } from '../../session/sessionService';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';

/**
 * The desktop half of single sign-on through the IPC door, against the real server and a real provider: main
 * makes the verifier and the loopback listener, opens "the system browser" (here the Node browser of
 * test/support/testBrowser.ts, which follows the redirects and finally requests the loopback URL as a browser
 * would), and exchanges the login code for an ordinary session. Chromium plays the browser in e2e/sso.e2e.test.ts.
 */

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const SECRET = `sso-${randomBytes(12).toString('hex')}`;

let whoot: TestServer;
let idp: TestProvider;
let workspaceId: string;

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** What the desktop's browser does with the start URL: the whole trip, signing in as `sub`, then the loopback. */
function browserSigningInAs(sub: string, seen: string[]) {
  return async (link: AllowedLink) => {
    seen.push(link.url);
    const b = createTestBrowser({
      ca: [readFileSync(idp.caFile, 'utf8'), readFileSync(join(whoot.dataDir, 'tls', 'server-cert.pem'), 'utf8')],
    });
    const toForm = await b.go(link.url, { stopAt: (url) => url.protocol === 'http:' });
    let next = toForm.stoppedAt;
    if (next === undefined) {
      const back = await b.go(toForm.last.url, {
        form: new URLSearchParams({ login: sub }),
        stopAt: (url) => url.protocol === 'http:',
      });
      next = back.stoppedAt;
    }
    if (next !== undefined) void httpGet(next.href);
  };
}

function mainProcess(openBrowser: ((link: AllowedLink) => Promise<void>) | null) {
  const vault = new CredentialVault();
  const sessions = createSessionService({
    vault,
    keychain: null,
    api: createServerApi({ timeoutMs: 10_000 }),
    events: createEventSink(() => undefined),
  });
  const trust = createServerTrust({ preferences: null });
  const dispatcher = registerHandlers({
    handlers: createHandlers({
      identity: { name: 'whoot', version: '0', platform: 'linux' },
      sessions,
      serverTrust: trust,
      links: openBrowser === null ? null : { open: openBrowser },
    }),
    isTrustedSender: trustOnlyAppFrames(['app://whoot']),
  });
  return {
    vault,
    trust,
    invoke: (channel: string, payload: unknown) => dispatcher.dispatch(`whoot:${channel}`, APP, payload),
  };
}

beforeAll(async () => {
  idp = await startTestProvider();
  whoot = await startTestServer({ sso: { caFile: idp.caFile } });
  idp.setClients([
    {
      clientId: 'whoot',
      clientSecret: SECRET,
      redirectUris: [`https://127.0.0.1:${whoot.server.port}/v1/sso/callback`],
    },
  ]);
  idp.addAccount({ sub: 'bob', email: 'bob@acme.test', email_verified: true, name: 'Bob' });
  const ada = await signUpAndIn(whoot.server, 'ada');
  workspaceId = (await ada.call('createWorkspace', { body: { slug: 'acme', name: 'Acme' } })).workspace.id;
  await ada.call('putSsoSettings', {
    params: { workspaceId },
    body: ssoSettingsFor(idp, { clientId: 'whoot', clientSecret: SECRET }),
  });
}, 60_000);

afterAll(async () => {
  await whoot?.close();
  await idp?.close();
});

describe('sso.lookup and sso.signIn through the IPC door', () => {
  it('send nothing to a server nobody confirmed', async () => {
    let connections = 0;
    const listener: Server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const opened: string[] = [];
    const main = mainProcess(async (link) => void opened.push(link.url));
    const server = { host: '127.0.0.1', port, spkiPin: whoot.server.spkiPin };
    expect(await main.invoke('sso.lookup', { server, lookup: { workspace: 'acme' } })).toMatchObject({
      ok: false,
      error: { code: 'server_not_confirmed' },
    });
    expect(await main.invoke('sso.signIn', { server, workspace: 'acme' })).toMatchObject({
      ok: false,
      error: { code: 'server_not_confirmed' },
    });
    expect(connections).toBe(0);
    expect(opened).toEqual([]);
    expect(main.vault.isEmpty()).toBe(true);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('signs in through the system browser: the page gets the session state, main keeps the secret', async () => {
    const opened: string[] = [];
    const main = mainProcess(browserSigningInAs('bob', opened));
    const server = whoot.address();
    await main.trust.confirm(server);
    expect(await main.invoke('sso.lookup', { server, lookup: { workspace: 'acme' } })).toEqual({
      ok: true,
      value: { sso: { workspace: 'acme', providerName: 'Acme ID' } },
    });
    const result = await main.invoke('sso.signIn', { server, workspace: 'acme' });
    expect(result).toMatchObject({
      ok: true,
      value: { signedIn: true, user: { email: 'bob@acme.test' }, workspaces: [{ slug: 'acme', role: 'member' }] },
    });
    // What the browser was given: the server's start URL with a challenge and a loopback port, no verifier.
    expect(opened).toHaveLength(1);
    const start = new URL(opened[0]!);
    expect(start.origin).toBe(`https://127.0.0.1:${whoot.server.port}`);
    expect([...start.searchParams.keys()].sort()).toEqual(['challenge', 'port', 'workspace']);
    expect(JSON.stringify(result)).not.toMatch(/secret|refreshToken|verifier/i);
    expect(main.vault.isEmpty()).toBe(false);
  });

  it('a failure at the provider comes back as its reason, and nothing is signed in', async () => {
    idp.addAccount({ sub: 'eve', email: 'eve@evil.test', email_verified: true });
    const main = mainProcess(browserSigningInAs('eve', []));
    const server = whoot.address();
    await main.trust.confirm(server);
    expect(await main.invoke('sso.signIn', { server, workspace: 'acme' })).toMatchObject({
      ok: false,
      error: { code: 'domain_not_allowed' },
    });
    expect(main.vault.isEmpty()).toBe(true);
  });

  it("refuses a login code injected into the loopback port by another program (someone else's sign-in)", async () => {
    // An attacker completes a sign-in of their own and holds a valid code bound to their own verifier...
    const stolen: string[] = [];
    const attacker = mainProcess(async (link) => {
      const b = createTestBrowser({
        ca: [readFileSync(idp.caFile, 'utf8'), readFileSync(join(whoot.dataDir, 'tls', 'server-cert.pem'), 'utf8')],
      });
      const form = await b.go(link.url, { stopAt: (url) => url.protocol === 'http:' });
      const back = await b.go(form.last.url, {
        form: new URLSearchParams({ login: 'bob' }),
        stopAt: (url) => url.protocol === 'http:',
      });
      if (back.stoppedAt) stolen.push(back.stoppedAt.searchParams.get('code') ?? '');
    });
    const attackerTrust = whoot.address();
    await attacker.trust.confirm(attackerTrust);
    void attacker.invoke('sso.signIn', { server: attackerTrust, workspace: 'acme' });
    await expect.poll(() => stolen.length).toBe(1);
    // ...and delivers it to the victim's loopback listener the moment it opens.
    const victim = mainProcess(async (link) => {
      const port = new URL(link.url).searchParams.get('port');
      await httpGet(`http://127.0.0.1:${port}/whoot-sso?code=${stolen[0]}`);
    });
    await victim.trust.confirm(whoot.address());
    expect(await victim.invoke('sso.signIn', { server: whoot.address(), workspace: 'acme' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_login_code' },
    });
    expect(victim.vault.isEmpty()).toBe(true);
  });
});
