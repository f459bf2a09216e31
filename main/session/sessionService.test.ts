import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventChannel } from '../../shared/ipc';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../../test/support/serverHarness';
import { createEventSink } from '../ipc/eventSink';
import { createServerApi } from './apiClient';
import { CredentialVault } from './credentialVault';
import { createSessionService } from './sessionService';
import { TEST_IO_TIMEOUT_MS } from '../../test/support/testDeadlines';

const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await bootstrapWorkspace(t.server, ACCOUNT, { slug: 'analytical-engines', name: 'Analytical Engines' });
});
afterAll(async () => {
  await t?.close();
});

function service() {
  const vault = new CredentialVault();
  const events: Array<[EventChannel, unknown]> = [];
  const logs: string[] = [];
  const sessions = createSessionService({
    vault,
    keychain: null,
    api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
    events: createEventSink((channel, payload) =>
      events.push([channel.replace('whoot:', '') as EventChannel, payload]),
    ),
    log: (line) => logs.push(line),
  });
  return { vault, events, logs, sessions };
}

const signIn = (overrides: { password?: string; spkiPin?: string; port?: number } = {}) => ({
  server: { host: '127.0.0.1', port: overrides.port ?? t.server.port, spkiPin: overrides.spkiPin ?? t.server.spkiPin },
  email: ACCOUNT.email,
  password: overrides.password ?? ACCOUNT.password,
});

describe('session service against the real server over TLS', () => {
  it('signs in with a pinned key, keeps the secret in the vault only, and tells the renderer', async () => {
    const { vault, events, sessions } = service();
    const result = await sessions.signIn(signIn());
    expect(result).toMatchObject({
      ok: true,
      value: { signedIn: true, user: { email: ACCOUNT.email }, workspaces: [{ slug: 'analytical-engines' }] },
    });
    const secret = vault.withSecret((s) => Buffer.from(s).toString('base64url'));
    const live = await t.server.store.sessions.getLive(vault.identity()!.sessionId);
    expect(Buffer.from(live!.secret).toString('base64url')).toBe(secret);
    // Nothing the renderer receives, and nothing a log or a dump of the vault would show, holds the secret.
    expect(JSON.stringify([result, events])).not.toContain(secret);
    expect(JSON.stringify(vault) + String(vault) + inspect(vault, { showHidden: true })).not.toContain(secret);
    expect(events.map(([name]) => name)).toEqual(['session.changed']);
  });

  it('refuses a server whose key does not match the pin, before sending the password', async () => {
    const { vault, sessions } = service();
    const auditBefore = await t.server.store.audit.head();
    const result = await sessions.signIn(signIn({ spkiPin: 'A'.repeat(43) }));
    expect(result).toMatchObject({ ok: false, error: { code: 'server_key_mismatch' } });
    if (!result.ok) expect(result.error.message).toMatch(/did not present the key your invite names/);
    // The server saw no sign-in attempt at all: not even a failed one reached its audit log.
    expect(await t.server.store.audit.head()).toEqual(auditBefore);
    expect(vault.isEmpty()).toBe(true);
  });

  it('reports an unreachable server clearly', async () => {
    const { sessions } = service();
    expect(await sessions.signIn(signIn({ port: 1 }))).toEqual({
      ok: false,
      error: { code: 'server_unreachable', message: 'Could not reach the whoot server at 127.0.0.1:1.' },
    });
  });

  it('passes the server refusal through and stays signed out', async () => {
    const { vault, sessions, events } = service();
    const result = await sessions.signIn(signIn({ password: 'wrong password!' }));
    expect(result).toEqual({ ok: false, error: { code: 'invalid_credentials', message: 'Wrong email or password.' } });
    expect(vault.isEmpty()).toBe(true);
    expect(events).toEqual([]);
  });

  it('signs out: drops TURN credentials first, signs the server call, wipes the vault', async () => {
    const { vault, events, sessions } = service();
    await sessions.signIn(signIn());
    const sessionId = vault.identity()!.sessionId;
    events.length = 0;
    expect(await sessions.signOut()).toEqual({ ok: true, value: { signedIn: false } });
    expect(vault.isEmpty()).toBe(true);
    expect(() => vault.withSecret(() => 1)).toThrow(/Not signed in/);
    expect(events).toEqual([
      ['voice.dropCredentials', { reason: 'sign-out' }],
      ['session.changed', { signedIn: false }],
    ]);
    expect(await t.server.store.sessions.getLive(sessionId)).toBeUndefined();
  });

  it('says once that the session ended on the server, until the next sign-in attempt', async () => {
    const { vault, sessions } = service();
    await sessions.signIn(signIn());
    // The page saw its socket closed with 4001 (a password change or a revoke elsewhere) and signs out for it.
    await t.server.store.sessions.revoke(vault.identity()!.sessionId, 'revoked');
    expect(await sessions.signOut({ sessionEnded: true })).toEqual({
      ok: true,
      value: { signedIn: false, sessionEnded: true },
    });
    expect(sessions.state()).toEqual({ signedIn: false, sessionEnded: true });
    // A late second report (no session left) does not repeat it; a sign-in attempt, even a failed one, clears it.
    expect(await sessions.signOut({ sessionEnded: true })).toEqual({ ok: true, value: { signedIn: false } });
    await sessions.signIn(signIn());
    await t.server.store.sessions.revoke(vault.identity()!.sessionId, 'revoked');
    await sessions.signOut({ sessionEnded: true });
    await sessions.signIn(signIn({ password: 'wrong password!' }));
    expect(sessions.state()).toEqual({ signedIn: false });
  });

  it('keeps a session the server still honours when a socket of the one it replaced reports its end', async () => {
    const { vault, sessions, events, logs } = service();
    await sessions.signIn(signIn());
    const replaced = vault.identity()!.sessionId;
    await sessions.signIn(signIn());
    const current = vault.identity()!.sessionId;
    expect(current).not.toBe(replaced);
    events.length = 0;
    // The old session's socket closes with 4001 as the new one starts; the page reports it after the switch.
    const answer = await sessions.signOut({ sessionEnded: true });
    expect(answer).toMatchObject({ ok: true, value: { signedIn: true, user: { email: ACCOUNT.email } } });
    expect(vault.identity()?.sessionId).toBe(current);
    expect(await t.server.store.sessions.getLive(current)).toBeDefined();
    expect(events).toEqual([]);
    expect(logs).toContain(
      'session: a socket said the session ended, but the server still honours this one (an earlier socket)',
    );
  });

  it('signs out locally even when the server cannot be reached', async () => {
    const other = await startTestServer();
    await bootstrapWorkspace(other.server, ACCOUNT, { slug: 'elsewhere', name: 'Elsewhere' });
    const { vault, sessions, logs } = service();
    await sessions.signIn(signIn({ port: other.server.port, spkiPin: other.server.spkiPin }));
    await other.close();
    expect(await sessions.signOut()).toEqual({ ok: true, value: { signedIn: false } });
    expect(vault.isEmpty()).toBe(true);
    expect(logs).toContain('session: the server could not be told about the sign-out');
  });
});
