import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../../../shared/deepLink';
import { bootstrapWorkspace, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { createOutboxFile } from '../../outbox/outboxFile';
import { createServerApi } from '../../session/apiClient';
import { CredentialVault } from '../../session/credentialVault';
import { createSessionService } from '../../session/sessionService';
import { createHandlers } from '../createHandlers';
import { createEventSink } from '../eventSink';
import { registerHandlers } from '../registerHandlers';
import { trustOnlyAppFrames } from '../sender';

const APP = { url: 'app://whoot/index.html', isMainFrame: true };
const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };

/** The outbox channels through the real IPC door, session service and file, against a real server. */
describe('outbox.load and outbox.save', () => {
  let whoot: TestServer;
  let invite: { host: string; port: number; spkiPin: string; code: string };
  let dir: string;

  beforeAll(async () => {
    whoot = await startTestServer();
    const parsed = parseDeepLink(await bootstrapWorkspace(whoot.server, ACCOUNT, { slug: 'outbox', name: 'Outbox' }));
    if (!parsed.ok) throw new Error('the invite did not parse');
    invite = parsed.value.invite;
    dir = mkdtempSync(join(tmpdir(), 'whoot-outbox-ipc-'));
  });
  afterAll(async () => {
    await whoot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function mainSide(outbox = true) {
    const filePath = join(dir, 'outbox.json');
    const dispatcher = registerHandlers({
      handlers: createHandlers({
        identity: { name: 'whoot', version: '0.0.0-test', platform: 'linux' },
        sessions: createSessionService({
          vault: new CredentialVault(),
          keychain: null,
          api: createServerApi({ timeoutMs: 3000 }),
          events: createEventSink(() => undefined),
        }),
        outbox: outbox ? createOutboxFile({ filePath }) : null,
      }),
      isTrustedSender: trustOnlyAppFrames(['app://whoot']),
    });
    const call = (channel: string, payload: unknown = {}) => dispatcher.dispatch(`whoot:${channel}`, APP, payload);
    return { call, filePath };
  }

  async function signIn(call: ReturnType<typeof mainSide>['call']) {
    const { code: _code, ...address } = invite;
    await call('servers.confirm', address);
    expect(await call('session.signIn', { server: { invite }, ...ACCOUNT })).toMatchObject({ ok: true });
  }

  const entry = (body: string) => ({
    nonce: randomUUID(),
    workspaceId: randomUUID(),
    channelId: randomUUID(),
    body,
    attachments: [],
    createdAt: 1_700_000_000_000,
    state: 'queued',
    error: null,
  });

  it('keeps the signed-in account’s queue for the next run, refuses the signed-out, forgets it at sign-out', async () => {
    const first = mainSide();
    expect(await first.call('outbox.load')).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
    expect(await first.call('outbox.save', { entries: [entry('x')] })).toMatchObject({
      ok: false,
      error: { code: 'not_signed_in' },
    });
    await signIn(first.call);
    const queue = [entry('written offline'), entry('and another')];
    expect(await first.call('outbox.save', { entries: queue })).toEqual({ ok: true, value: {} });

    // The next run of the app, same account: the queue is there.
    const second = mainSide();
    await signIn(second.call);
    expect(await second.call('outbox.load')).toEqual({ ok: true, value: { entries: queue } });
    // A page cannot hand main something that is not an outbox; what was kept stays.
    expect(await second.call('outbox.save', { entries: [{ ...entry('x'), state: 'sending' }] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await second.call('outbox.load')).toEqual({ ok: true, value: { entries: queue } });

    expect(await second.call('session.signOut')).toMatchObject({ ok: true });
    expect(readFileSync(second.filePath, 'utf8')).not.toContain('written offline');
    await signIn(second.call);
    expect(await second.call('outbox.load')).toEqual({ ok: true, value: { entries: [] } });
  });

  it('says the outbox is not kept where main has no file for it', async () => {
    const { call } = mainSide(false);
    await signIn(call);
    expect(await call('outbox.load')).toMatchObject({ ok: false, error: { code: 'outbox_unavailable' } });
  });
});
