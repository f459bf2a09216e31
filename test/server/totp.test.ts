import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode } from '../../main/server/auth/base32';
import { totpCodeAt, totpStepAt } from '../../main/server/auth/totp';
import { expectError, rawRequest, signedCall } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * TOTP two-step sign-in on the real server, computed like an authenticator app would: enrolment and confirmation,
 * sign-in refused without a code, a code accepted once and refused when replayed, recovery codes single-use.
 * Codes for the next 30 s step are used where a fresh code is needed (the server accepts one step of drift), so
 * nothing waits for the clock.
 */

let t: TestServer;
let ada: TestClient;
let seed: Uint8Array;
let recoveryCodes: string[];
let confirmedStep: number;

beforeAll(async () => {
  t = await startTestServer();
  ada = await signUpAndIn(t.server, 'ada');
});
afterAll(async () => {
  await t?.close();
});

const nowStep = () => totpStepAt(Math.floor(Date.now() / 1000));

const signIn = (extra: { totp?: string; recoveryCode?: string } = {}) =>
  rawRequest(t.server, {
    method: 'POST',
    path: '/v1/auth/sign-in',
    body: JSON.stringify({ email: ada.email, password: ada.password, ...extra }),
  });

const sessionCount = async () => (await t.server.store.sessions.listActive(ada.user.id)).length;

describe('TOTP enrolment', () => {
  it('enrols: a base32 secret, confirmed with a computed code, gives 10 distinct recovery codes', async () => {
    const enrolled = await ada.call('totpEnroll');
    expect(enrolled.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolled.otpauthUri).toContain(`secret=${enrolled.secret}`);
    const decoded = base32Decode(enrolled.secret);
    expect(decoded).not.toBeNull();
    seed = decoded!;
    // Not on until confirmed: sign-in still needs no code.
    expect((await t.server.store.users.byId(ada.user.id))?.totpEnabled).toBe(false);

    const wrong = await signedCall(t.server, ada, 'totpConfirm', { body: { code: '000000' } });
    if (totpCodeAt(seed, nowStep()) !== '000000') expectError(wrong, 400, 'invalid_second_factor');
    expect((await t.server.store.users.byId(ada.user.id))?.totpEnabled).toBe(false);

    confirmedStep = nowStep();
    const confirmed = await ada.call('totpConfirm', { body: { code: totpCodeAt(seed, confirmedStep) } });
    recoveryCodes = confirmed.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await t.server.store.users.byId(ada.user.id))?.totpEnabled).toBe(true);
  });

  it('refuses a second enrolment while TOTP is on (409), keeping the confirmed secret', async () => {
    expectError(await signedCall(t.server, ada, 'totpEnroll'), 409, 'mfa_enabled');
    expect(Buffer.from((await t.server.store.users.totpSeed(ada.user.id))!)).toEqual(Buffer.from(seed));
  });
});

describe('sign-in with TOTP on', () => {
  it('refuses the password alone: 401 mfa_required, no session', async () => {
    const before = await sessionCount();
    expectError(await signIn(), 401, 'mfa_required');
    expect(await sessionCount()).toBe(before);
  });

  it('refuses the code used to confirm (already used): 401, no session', async () => {
    const before = await sessionCount();
    expectError(await signIn({ totp: totpCodeAt(seed, confirmedStep) }), 401, 'invalid_second_factor');
    expect(await sessionCount()).toBe(before);
  });

  it('accepts a fresh code once; the same code again is refused, and so is an older one', async () => {
    const before = await sessionCount();
    const step = confirmedStep + 1;
    const code = totpCodeAt(seed, step);
    const first = await signIn({ totp: code });
    expect(first.status).toBe(200);
    expect(await sessionCount()).toBe(before + 1);

    expectError(await signIn({ totp: code }), 401, 'invalid_second_factor');
    expectError(await signIn({ totp: totpCodeAt(seed, step - 1) }), 401, 'invalid_second_factor');
    expect(await sessionCount()).toBe(before + 1);
  });

  it('refuses a wrong password even with a valid code (the code is not a password)', async () => {
    const before = await sessionCount();
    const response = await rawRequest(t.server, {
      method: 'POST',
      path: '/v1/auth/sign-in',
      body: JSON.stringify({ email: ada.email, password: 'not-the-password', totp: totpCodeAt(seed, nowStep() + 1) }),
    });
    expectError(response, 401, 'invalid_credentials');
    expect(await sessionCount()).toBe(before);
  });

  it('accepts a recovery code once, and not again in any spelling', async () => {
    const before = await sessionCount();
    const code = recoveryCodes[0]!;
    expect((await signIn({ recoveryCode: code })).status).toBe(200);
    expect(await sessionCount()).toBe(before + 1);

    expectError(await signIn({ recoveryCode: code }), 401, 'invalid_second_factor');
    const respelled = code.replace('-', '').toLowerCase();
    expectError(await signIn({ recoveryCode: respelled }), 401, 'invalid_second_factor');
    expect(await sessionCount()).toBe(before + 1);

    // Another, unused code still works: using one did not burn the rest.
    expect((await signIn({ recoveryCode: recoveryCodes[1]! })).status).toBe(200);
    expectError(await signIn({ recoveryCode: recoveryCodes[1]! }), 401, 'invalid_second_factor');
  });

  it('lets exactly one of several simultaneous sign-ins with the same fresh code or recovery code through', async () => {
    // Its own account: the losers of each race count as failed attempts against the account's throttle.
    const racer = await signUpAndIn(t.server, 'racer');
    const racerSeed = base32Decode((await racer.call('totpEnroll')).secret)!;
    const step = nowStep();
    const { recoveryCodes: codes } = await racer.call('totpConfirm', { body: { code: totpCodeAt(racerSeed, step) } });
    const racerSessions = async () => (await t.server.store.sessions.listActive(racer.user.id)).length;
    const before = await racerSessions();
    const race = (extra: { totp?: string; recoveryCode?: string }) =>
      Promise.all(
        Array.from({ length: 3 }, () =>
          rawRequest(t.server, {
            method: 'POST',
            path: '/v1/auth/sign-in',
            body: JSON.stringify({ email: racer.email, password: racer.password, ...extra }),
          }),
        ),
      );
    const totpRace = await race({ totp: totpCodeAt(racerSeed, step + 1) });
    expect(totpRace.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    const recoveryRace = await race({ recoveryCode: codes[0]! });
    expect(recoveryRace.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    expect(await racerSessions()).toBe(before + 2);
  });

  it("refuses another account's recovery code", async () => {
    const other = await signUpAndIn(t.server, 'other');
    const enrolled = await other.call('totpEnroll');
    const otherSeed = base32Decode(enrolled.secret)!;
    const confirmed = await other.call('totpConfirm', { body: { code: totpCodeAt(otherSeed, nowStep()) } });
    const before = await sessionCount();
    expectError(await signIn({ recoveryCode: confirmed.recoveryCodes[0]! }), 401, 'invalid_second_factor');
    expect(await sessionCount()).toBe(before);
  });
});
