import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memorySecretStore, startHostedServer } from '../../test/support/hostedServerHarness';
import { EPHEMERAL_RELAY } from '../../test/support/serverHarness';
import { createHandlers } from '../ipc/createHandlers';
import { createEventSink } from '../ipc/eventSink';
import { registerHandlers } from '../ipc/registerHandlers';
import { trustOnlyAppFrames } from '../ipc/sender';
import { createServerApi } from '../session/apiClient';
import { CredentialVault } from '../session/credentialVault';
import { createSessionService } from '../session/sessionService';

/**
 * The first run of a server the app hosts, in Node: the real utility-process entry behind in-memory ports checked
 * against the protocol both ways (test/support/hostedServerHarness.ts), and the real IPC handlers on the main side.
 * Nothing goes over the network until the sign-in that follows the set-up.
 */

const APP = { url: 'app://whoot/index.html', isMainFrame: true };

let dataDir: string;
let stop: (() => Promise<void>) | null = null;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'whoot-hosted-'));
});
afterEach(async () => {
  await stop?.();
  stop = null;
  rmSync(dataDir, { recursive: true, force: true });
});

async function hostServer() {
  // The default configuration: invite-only, workspaces by operators, the default channels.
  const hosted = await startHostedServer(
    { dataDir, listen: { host: '127.0.0.1', port: 0 }, relay: EPHEMERAL_RELAY },
    { openSecretStore: async () => memorySecretStore() },
  );
  stop = hosted.stop;
  const { host, statuses } = hosted;
  const vault = new CredentialVault();
  const sessions = createSessionService({
    vault,
    keychain: null,
    // Long: on a machine busy with other suites a TLS answer can take seconds, and speed is not what is tested here.
    api: createServerApi({ timeoutMs: 60_000 }),
    events: createEventSink(() => undefined),
  });
  const dispatcher = registerHandlers({
    handlers: createHandlers({ identity: { name: 'whoot', version: '0', platform: 'linux' }, sessions, host }),
    isTrustedSender: trustOnlyAppFrames(['app://whoot']),
  });
  const call = (name: string, payload: unknown = {}) => dispatcher.dispatch(`whoot:${name}`, APP, payload);
  return { host, call, vault, statuses };
}

const setup = {
  displayName: 'Ada',
  email: 'ada@example.com',
  password: 'analytical engine notes',
  workspaceName: 'Home',
  workspaceSlug: 'home',
};

describe('setting up the server this app hosts', () => {
  it('says it needs setting up, makes the owner and the first workspace through main, and signs in', async () => {
    const { host, call, vault, statuses } = await hostServer();
    expect(await call('host.status')).toMatchObject({ ok: true, value: { state: 'needsSetup', host: '127.0.0.1' } });
    const result = await call('host.setUp', setup);
    expect(result).toMatchObject({
      ok: true,
      value: {
        signedIn: true,
        server: { host: '127.0.0.1', port: host.address()?.port },
        user: { displayName: 'Ada', email: 'ada@example.com' },
        workspaces: [{ slug: 'home', name: 'Home', role: 'owner' }],
      },
    });
    expect(statuses.at(-1)).toMatchObject({ state: 'ready' });
    expect(await call('account.get')).toMatchObject({ value: { serverOwner: true, mayCreateWorkspaces: true } });
    // The first workspace has the server's default channels, like one made from the command line.
    const channels = await call('workspace.channels', { workspaceId: vault.identity()?.workspaces[0]?.id });
    // Both are made in the same second, so their order is the random ids'; the kinds are what matter.
    const either = [expect.objectContaining({ kind: 'text' }), expect.objectContaining({ kind: 'voice' })];
    expect(channels).toMatchObject({ ok: true, value: { channels: expect.arrayContaining(either) } });
    expect(channels).toMatchObject({ value: { channels: { length: 2 } } });
  });

  it('refuses a second set-up, so it cannot be used to take over a server that has its owner', async () => {
    const { call } = await hostServer();
    expect(await call('host.setUp', setup)).toMatchObject({ ok: true });
    expect(await call('host.status')).toMatchObject({ value: { state: 'ready' } });
    const again = await call('host.setUp', { ...setup, email: 'mallory@example.com', workspaceSlug: 'mine' });
    expect(again).toMatchObject({ ok: false, error: { code: 'not_needed' } });
  });

  it('refuses bad set-up payloads at the IPC door, and the server stays waiting for its owner', async () => {
    const { call, host } = await hostServer();
    for (const payload of [
      { ...setup, password: 'password1' },
      { ...setup, email: 'not an email' },
      { ...setup, workspaceSlug: 'Not A Slug' },
      { ...setup, displayName: 'Ada\u202e' },
      { ...setup, admin: true },
    ]) {
      expect(await call('host.setUp', payload)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    // A password made of the owner's own name passes the door but not the server's rule: nothing is created.
    expect(await call('host.setUp', { ...setup, password: 'ada@example.com' })).toMatchObject({
      ok: false,
      error: { code: 'weak_password' },
    });
    expect(host.status().state).toBe('needsSetup');
    expect(await call('host.setUp', setup)).toMatchObject({ ok: true });
  });

  it('says "off" where the app hosts nothing, and refuses to set anything up', async () => {
    const dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0', platform: 'linux' },
        sessions: createSessionService({
          vault: new CredentialVault(),
          keychain: null,
          api: createServerApi(),
          events: createEventSink(() => undefined),
        }),
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    expect(await dispatcher.dispatch('whoot:host.status', APP, {})).toEqual({ ok: true, value: { state: 'off' } });
    expect(await dispatcher.dispatch('whoot:host.setUp', APP, setup)).toMatchObject({
      ok: false,
      error: { code: 'not_hosting' },
    });
  });
});
