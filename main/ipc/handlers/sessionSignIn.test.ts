import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../../../shared/deepLink';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createPreferencesStore } from '../../settings/preferencesStore';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';
import { TEST_IO_TIMEOUT_MS } from '../../../test/support/testDeadlines';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };

/** A TCP listener that only counts who connects: where a password would go if main sent one. */
async function countingListener(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('session.signIn through the IPC door: only to a server the user confirmed', () => {
  let whoot: TestServer;
  let invite: { host: string; port: number; spkiPin: string; code: string };
  let listener: Awaited<ReturnType<typeof countingListener>>;
  let dir: string;
  let filePath: string;

  beforeAll(async () => {
    whoot = await startTestServer();
    const parsed = parseDeepLink(await bootstrapWorkspace(whoot.server, ACCOUNT, { slug: 'engines', name: 'Engines' }));
    if (!parsed.ok) throw new Error('the invite did not parse');
    invite = parsed.value.invite;
  });
  afterAll(async () => {
    await whoot?.close();
  });
  beforeEach(async () => {
    listener = await countingListener();
    dir = mkdtempSync(join(tmpdir(), 'whoot-signin-trust-'));
    filePath = join(dir, 'preferences.json');
  });
  afterEach(async () => {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The real dispatcher, handlers, session service and preferences file, as main wires them. */
  function mainSide() {
    const vault = new CredentialVault();
    const dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
        sessions: createSessionService({
          vault,
          keychain: null,
          api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
          events: createEventSink(() => undefined),
        }),
        preferences: createPreferencesStore({ filePath }),
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    const call = (channel: string, payload: unknown) => dispatcher.dispatch(`whoot:${channel}`, APP, payload);
    return { vault, call };
  }

  const attackerInvite = () => ({ ...invite, port: listener.port });
  const signIn = (server: unknown) => ({ server, email: ACCOUNT.email, password: ACCOUNT.password });

  it('refuses sign-in to an unconfirmed server, and not a single connection reaches it', async () => {
    const { vault, call } = mainSide();
    const refused = { ok: false, error: { code: 'server_not_confirmed' } };
    // By invite (what a whoot:// link from a web page puts in the form) and by bare address: both refused.
    expect(await call('session.signIn', signIn({ invite: attackerInvite() }))).toMatchObject(refused);
    const { code: _code, ...address } = attackerInvite();
    expect(await call('session.signIn', signIn(address))).toMatchObject(refused);
    expect(listener.connections()).toBe(0);
    expect(vault.isEmpty()).toBe(true);
    expect(existsSync(filePath)).toBe(false);
    expect(await call('servers.review', address)).toMatchObject({ ok: true, value: { status: 'new' } });

    // The same call once the user confirmed that server does connect: the refusal above was the trust check.
    expect(await call('servers.confirm', address)).toEqual({ ok: true, value: {} });
    expect(await call('session.signIn', signIn({ invite: attackerInvite() }))).toMatchObject({ ok: false });
    expect(listener.connections()).toBe(1);
  });

  it('does not let a confirmation stretch to another key or port of the same host', async () => {
    const { call } = mainSide();
    const { code: _code, ...address } = attackerInvite();
    await call('servers.confirm', address);
    const otherKey = { ...attackerInvite(), spkiPin: 'B'.repeat(43) };
    const otherPort = { ...address, port: whoot.server.port };
    for (const server of [{ invite: otherKey }, otherPort]) {
      expect(await call('session.signIn', signIn(server))).toMatchObject({
        ok: false,
        error: { code: 'server_not_confirmed' },
      });
    }
    expect(listener.connections()).toBe(0);
  });

  it('refuses a malformed confirmation and changes nothing', async () => {
    const { call } = mainSide();
    for (const payload of [
      { host: '127.0.0.1', port: listener.port },
      { host: '127.0.0.1/evil', port: listener.port, spkiPin: invite.spkiPin },
      { host: '127.0.0.1', port: 0, spkiPin: invite.spkiPin },
      { ...attackerInvite() },
    ]) {
      expect(await call('servers.confirm', payload)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    expect(await call('session.signIn', signIn({ invite: attackerInvite() }))).toMatchObject({
      ok: false,
      error: { code: 'server_not_confirmed' },
    });
    expect(listener.connections()).toBe(0);
  });

  it('signs in to a confirmed server and remembers it as joined, so the next run does not ask again', async () => {
    const first = mainSide();
    const { code: _code, ...address } = invite;
    await first.call('servers.confirm', address);
    expect(await first.call('session.signIn', signIn({ invite }))).toMatchObject({
      ok: true,
      value: { signedIn: true },
    });
    expect(JSON.parse(readFileSync(filePath, 'utf8')).joinedServers).toEqual([address]);

    const nextRun = mainSide();
    expect(await nextRun.call('servers.review', address)).toMatchObject({ ok: true, value: { status: 'known' } });
    expect(await nextRun.call('session.signIn', signIn(address))).toMatchObject({
      ok: true,
      value: { signedIn: true },
    });
  });
});
