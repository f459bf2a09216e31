import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { keychainServiceFor } from '../../shared/identifiers';
import { startAccountApiFixture, type AccountApiFixture } from '../../test/support/accountApiFixture';
import { createEventSink } from '../ipc/eventSink';
import { createServerApi } from './apiClient';
import { CredentialVault } from './credentialVault';
import { selectKeychainStore } from './keychainStore';
import { createSessionService } from './sessionService';

// Runs under test/with-keyring.sh: the refresh token goes to a real gnome-keyring through keytar.
let fixture: AccountApiFixture | null = null;
afterEach(async () => {
  await fixture?.close();
  fixture = null;
});

describe('sign-in and sign-out with the OS keychain', () => {
  it('stores only the refresh token in the keychain, and sign-out empties both vault and keychain', async () => {
    fixture = await startAccountApiFixture();
    const keychain = await selectKeychainStore();
    expect(keychain.kind).toBe('keytar');
    const vault = new CredentialVault();
    const events: string[] = [];
    const sessions = createSessionService({
      vault,
      keychain,
      api: createServerApi({ timeoutMs: 3000 }),
      events: createEventSink((channel) => events.push(channel)),
    });
    const server = { host: '127.0.0.1', port: fixture.port, spkiPin: fixture.certificate.spkiPin };
    const service = keychainServiceFor(server);

    const signedIn = await sessions.signIn({ server, email: 'ada@example.com', password: 'correct horse battery' });
    expect(signedIn.ok).toBe(true);
    const issued = fixture.lastResponse!.session;
    expect(await keychain.getRefreshToken(service)).toBe(issued.refreshToken);

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
      fixture = await startAccountApiFixture();
      const sessions = createSessionService({
        vault: new CredentialVault(),
        keychain,
        api: createServerApi({ timeoutMs: 3000 }),
        events: createEventSink(() => undefined),
      });
      const server = { host: '127.0.0.1', port: fixture.port, spkiPin: fixture.certificate.spkiPin };
      await sessions.signIn({ server, email: 'ada@example.com', password: 'correct horse battery' });
      await sessions.signOut();
      expect(await keychain.getRefreshToken(keychainServiceFor(server))).toBeNull();
      expect(await keychain.getRefreshToken(keychainServiceFor(other))).toBe(otherToken);
    } finally {
      await keychain.deleteRefreshToken(keychainServiceFor(other));
    }
  });
});
