import { describe, expect, it } from 'vitest';
import { CredentialVault } from '../../session/credentialVault';
import { createRequestSigner } from '../../session/requestSigner';
import { createMemoryNonceStore } from './nonceStore';
import { createRequestVerifier } from './requestVerifier';

const SESSION_ID = 'sess_0123456789abcdef';
const SECRET = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const CHANNEL = '0190f0b4-7c2e-7a1b-8c3d-4e5f60718293';
const BODY = JSON.stringify({ channelId: CHANNEL });
const T0 = 1_767_225_600;

function setup(options: { signAt?: number; verifyAt?: number } = {}) {
  const vault = new CredentialVault();
  vault.establish({
    server: { host: 'voice.example.com', port: 8443, spkiPin: 'A'.repeat(43) },
    sessionId: SESSION_ID,
    sessionSecret: Buffer.from(SECRET),
    user: { id: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201', email: 'ada@example.com', displayName: 'Ada' },
    workspaces: [],
  });
  const signer = createRequestSigner({ vault, now: () => options.signAt ?? T0 });
  const sessions = new Map([[SESSION_ID, Buffer.from(SECRET)]]);
  let clock = options.verifyAt ?? T0;
  const verify = createRequestVerifier({
    lookupSecret: (id) => sessions.get(id) ?? null,
    nonces: createMemoryNonceStore(),
    now: () => clock,
  });
  const headers = signer.sign({ operation: 'voice.credentials', resourceId: CHANNEL, body: BODY });
  return { signer, verify, headers, sessions, setClock: (t: number) => (clock = t) };
}

const request = (
  headers: Record<string, string>,
  overrides: Partial<{ operation: string; resourceId: string; body: string }> = {},
) => ({
  headers,
  operation: overrides.operation ?? 'voice.credentials',
  resourceId: overrides.resourceId ?? CHANNEL,
  body: overrides.body ?? BODY,
});

describe('createRequestVerifier', () => {
  it('accepts a fresh request signed with the session secret', async () => {
    const { verify, headers } = setup();
    expect(await verify(request(headers))).toEqual({ ok: true, sessionId: SESSION_ID });
  });

  it('accepts clock skew up to 60 s either way and rejects beyond', async () => {
    expect(await setup({ signAt: T0, verifyAt: T0 + 60 }).verify(request(setup({ signAt: T0 }).headers))).toMatchObject(
      { ok: true },
    );
    expect(await setup({ verifyAt: T0 - 60 }).verify(request(setup().headers))).toMatchObject({ ok: true });
    const late = setup({ verifyAt: T0 + 61 });
    expect(await late.verify(request(late.headers))).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
    const early = setup({ verifyAt: T0 - 61 });
    expect(await early.verify(request(early.headers))).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
  });

  it('rejects a replay of an accepted request within the window', async () => {
    const { verify, headers, setClock } = setup();
    expect(await verify(request(headers))).toMatchObject({ ok: true });
    setClock(T0 + 30);
    expect(await verify(request(headers))).toEqual({ ok: false, reason: 'replayed_nonce' });
  });

  it('rejects a replay after the window as expired, so the nonce cache may forget it', async () => {
    const { verify, headers, setClock } = setup();
    expect(await verify(request(headers))).toMatchObject({ ok: true });
    setClock(T0 + 61);
    expect(await verify(request(headers))).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
  });

  it.each([
    ['operation', { operation: 'voice.credentialz' }],
    ['resource id', { resourceId: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718294' }],
    ['body', { body: BODY.replace('93"', '94"') }],
    ['body (trailing byte)', { body: `${BODY} ` }],
  ])('rejects a request whose %s was tampered with', async (_what, override) => {
    const { verify, headers } = setup();
    expect(await verify(request(headers, override))).toEqual({ ok: false, reason: 'bad_signature' });
    // The rejected attempt must not have burnt the nonce: the genuine request still goes through.
    expect(await verify(request(headers))).toMatchObject({ ok: true });
  });

  it('rejects a tampered timestamp, nonce or signature', async () => {
    const { verify, headers } = setup();
    const bump = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    expect(await verify(request({ ...headers, 'x-whoot-timestamp': String(T0 + 1) }))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(await verify(request({ ...headers, 'x-whoot-nonce': bump(headers['x-whoot-nonce']) }))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(await verify(request({ ...headers, 'x-whoot-signature': bump(headers['x-whoot-signature']) }))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a signature made with another key', async () => {
    const { verify, headers, sessions } = setup();
    sessions.set(SESSION_ID, Buffer.alloc(32, 7));
    expect(await verify(request(headers))).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects unknown or revoked sessions', async () => {
    const { verify, headers, sessions } = setup();
    sessions.delete(SESSION_ID);
    expect(await verify(request(headers))).toEqual({ ok: false, reason: 'unknown_session' });
  });

  it('rejects missing and malformed headers without throwing', async () => {
    const { verify, headers } = setup();
    const { 'x-whoot-nonce': _dropped, ...missing } = headers;
    expect(await verify(request(missing as Record<string, string>))).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    for (const [name, value] of [
      ['x-whoot-signature', headers['x-whoot-signature'].toUpperCase()],
      ['x-whoot-nonce', 'zz'.repeat(16)],
      ['x-whoot-timestamp', '-5'],
      ['x-whoot-timestamp', '1e9'],
      ['x-whoot-session', 'a\nb'],
    ] as const) {
      expect(await verify(request({ ...headers, [name]: value }))).toEqual({
        ok: false,
        reason: 'malformed_signature',
      });
    }
    expect(await verify({ ...request(headers), headers: { ...headers, 'x-whoot-nonce': ['a', 'b'] } })).toEqual({
      ok: false,
      reason: 'malformed_signature',
    });
  });
});
