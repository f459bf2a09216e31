import { afterEach, describe, expect, it } from 'vitest';
import { startAccountApiFixture, type AccountApiFixture } from '../../test/support/accountApiFixture';
import { makeSelfSignedCertificate } from '../../test/support/selfSignedCertificate';
import type { EventChannel } from '../../shared/ipc';
import { createEventSink } from '../ipc/eventSink';
import { createServerApi } from './apiClient';
import { CredentialVault } from './credentialVault';
import { createSessionService } from './sessionService';
import { inspect } from 'node:util';

let fixture: AccountApiFixture | null = null;
afterEach(async () => {
  await fixture?.close();
  fixture = null;
});

function service() {
  const vault = new CredentialVault();
  const events: Array<[EventChannel, unknown]> = [];
  const logs: string[] = [];
  const sessions = createSessionService({
    vault,
    keychain: null,
    api: createServerApi({ timeoutMs: 3000 }),
    events: createEventSink((channel, payload) =>
      events.push([channel.replace('whoot:', '') as EventChannel, payload]),
    ),
    log: (line) => logs.push(line),
  });
  return { vault, events, logs, sessions };
}

const signIn = (port: number, spkiPin: string, password = 'correct horse battery') => ({
  server: { host: '127.0.0.1', port, spkiPin },
  email: 'ada@example.com',
  password,
});

describe('session service over real TLS', () => {
  it('signs in with a pinned key, keeps the secret in the vault only, and tells the renderer', async () => {
    fixture = await startAccountApiFixture();
    const { vault, events, sessions } = service();
    const result = await sessions.signIn(signIn(fixture.port, fixture.certificate.spkiPin));
    expect(result).toMatchObject({ ok: true, value: { signedIn: true, user: { email: 'ada@example.com' } } });
    const secret = fixture.lastResponse!.session.secret;
    expect(vault.withSecret((s) => Buffer.from(s).toString('base64url'))).toBe(secret);
    // Nothing the renderer receives, and nothing a log or a JSON dump of the vault would show, holds the secret.
    expect(JSON.stringify([result, events])).not.toContain(secret);
    expect(JSON.stringify(vault) + String(vault) + inspect(vault, { showHidden: true })).not.toContain(secret);
    expect(events.map(([name]) => name)).toEqual(['session.changed']);
  });

  it('refuses a server whose key does not match the pin, before sending the password', async () => {
    fixture = await startAccountApiFixture();
    const other = makeSelfSignedCertificate();
    const { vault, sessions } = service();
    const result = await sessions.signIn(signIn(fixture.port, other.spkiPin));
    expect(result).toMatchObject({ ok: false, error: { code: 'server_key_mismatch' } });
    if (!result.ok) expect(result.error.message).toMatch(/did not present the key your invite names/);
    expect(fixture.requests).toEqual([]);
    expect(vault.isEmpty()).toBe(true);
  });

  it('reports an unreachable server clearly', async () => {
    const { sessions } = service();
    const result = await sessions.signIn(signIn(1, 'A'.repeat(43)));
    expect(result).toEqual({
      ok: false,
      error: { code: 'server_unreachable', message: 'Could not reach the whoot server at 127.0.0.1:1.' },
    });
  });

  it('passes the server refusal through and stays signed out', async () => {
    fixture = await startAccountApiFixture();
    const { vault, sessions, events } = service();
    const result = await sessions.signIn(signIn(fixture.port, fixture.certificate.spkiPin, 'wrong password!'));
    expect(result).toEqual({ ok: false, error: { code: 'invalid_credentials', message: 'Wrong email or password.' } });
    expect(vault.isEmpty()).toBe(true);
    expect(events).toEqual([]);
  });

  it('signs out: drops TURN credentials first, signs the server call, wipes the vault', async () => {
    fixture = await startAccountApiFixture();
    const { vault, events, sessions } = service();
    await sessions.signIn(signIn(fixture.port, fixture.certificate.spkiPin));
    events.length = 0;
    const result = await sessions.signOut();
    expect(result).toEqual({ ok: true, value: { signedIn: false } });
    expect(vault.isEmpty()).toBe(true);
    expect(() => vault.withSecret(() => 1)).toThrow(/Not signed in/);
    expect(events).toEqual([
      ['voice.dropCredentials', { reason: 'sign-out' }],
      ['session.changed', { signedIn: false }],
    ]);
    expect(fixture.signOuts).toEqual([{ ok: true, sessionId: expect.any(String) }]);
    expect(fixture.issued.size).toBe(0);
  });

  it('signs out locally even when the server cannot be reached', async () => {
    fixture = await startAccountApiFixture();
    const { vault, sessions, logs } = service();
    await sessions.signIn(signIn(fixture.port, fixture.certificate.spkiPin));
    await fixture.close();
    fixture = null;
    expect(await sessions.signOut()).toEqual({ ok: true, value: { signedIn: false } });
    expect(vault.isEmpty()).toBe(true);
    expect(logs).toContain('session: the server could not be told about the sign-out');
  });
});
