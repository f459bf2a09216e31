import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainServiceFor } from '../../shared/identifiers';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../../test/support/serverHarness';
import { createEventSink } from '../ipc/eventSink';
import { createServerApi } from './apiClient';
import { CredentialVault } from './credentialVault';
import { selectKeychainStore } from './keychainStore';
import { createSessionService } from './sessionService';
import { TEST_IO_TIMEOUT_MS } from '../../test/support/testDeadlines';

// Runs under test/with-keyring.sh: the refresh token goes to a real gnome-keyring through keytar.
const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await bootstrapWorkspace(t.server, ACCOUNT, { slug: 'keychain-team', name: 'Keychain team' });
});
afterAll(async () => {
  await t?.close();
});

describe('sign-in and sign-out with the OS keychain', () => {
  it('stores only the refresh token in the keychain, and sign-out empties both vault and keychain', async () => {
    const keychain = await selectKeychainStore();
    expect(keychain.kind).toBe('keytar');
    const vault = new CredentialVault();
    const events: string[] = [];
    const sessions = createSessionService({
      vault,
      keychain,
      api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
      events: createEventSink((channel) => events.push(channel)),
    });
    const server = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
    const service = keychainServiceFor(server);

    const signedIn = await sessions.signIn({ server, ...ACCOUNT });
    expect(signedIn.ok).toBe(true);
    const stored = await keychain.getRefreshToken(service);
    expect(stored).toMatch(/^[A-Za-z0-9_.-]{32,200}$/);
    // The stored token is the live one: the server rotates it.
    const address = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
    const rotated = await createServerApi().call(address, 'refresh', { body: { refreshToken: stored! } });
    await keychain.setRefreshToken(service, rotated.session.refreshToken);

    await sessions.signOut();
    expect(vault.isEmpty()).toBe(true);
    expect(await keychain.getRefreshToken(service)).toBeNull();
    expect(events).toEqual(['whoot:session.changed', 'whoot:voice.dropCredentials', 'whoot:session.changed']);
  });

  it('a second server keeps its own entry when the first signs out', async () => {
    const keychain = await selectKeychainStore();
    const other = { host: '127.0.0.1', port: 1 };
    const otherToken = randomBytes(32).toString('base64url');
    await keychain.setRefreshToken(keychainServiceFor(other), otherToken);
    try {
      const sessions = createSessionService({
        vault: new CredentialVault(),
        keychain,
        api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
        events: createEventSink(() => undefined),
      });
      const server = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
      await sessions.signIn({ server, ...ACCOUNT });
      await sessions.signOut();
      expect(await keychain.getRefreshToken(keychainServiceFor(server))).toBeNull();
      expect(await keychain.getRefreshToken(keychainServiceFor(other))).toBe(otherToken);
    } finally {
      await keychain.deleteRefreshToken(keychainServiceFor(other));
    }
  });
});
