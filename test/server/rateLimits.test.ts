import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectSecurityHeaders, rawRequest, type RawResponse } from '../support/rawServerClient';
import { GENEROUS_LIMITS, startTestServer, type TestServer } from '../support/serverHarness';

/**
 * Rate limits, sign-in throttling and the headers every response carries, on real servers: one with a tight 'auth'
 * bucket (capacity 3 per address, next token in 1000 s) and one with roomy buckets for the per-account throttle.
 */

const TIGHT_AUTH = {
  ...GENEROUS_LIMITS,
  auth: {
    ip: { capacity: 3, refillPerSecond: 0.001 },
    session: { capacity: 3, refillPerSecond: 0.001 },
  },
};

let tight: TestServer;
let roomy: TestServer;

beforeAll(async () => {
  [tight, roomy] = await Promise.all([startTestServer({ rateLimits: TIGHT_AUTH }), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([tight?.close(), roomy?.close()]);
});

const json = (server: TestServer, method: string, path: string, body: unknown) =>
  rawRequest(server.server, { method, path, body: JSON.stringify(body) });

function expectRateHeaders(response: RawResponse, limit: number) {
  expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
  expect(response.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
}

const newAccount = () => ({
  email: `u${randomBytes(4).toString('hex')}@example.com`,
  password: `pw-${randomBytes(8).toString('hex')}`,
  displayName: 'Rate',
});

describe('per-address rate limit on the auth class', () => {
  it('answers a sign-in burst with 429, Retry-After and X-RateLimit-* on normal and refused responses', async () => {
    const account = newAccount();
    const signUp = await json(tight, 'POST', '/v1/auth/sign-up', account);
    expect(signUp.status).toBe(201);
    expectRateHeaders(signUp, 3);
    expect(signUp.headers['x-ratelimit-remaining']).toBe('2');
    expect(signUp.headers['retry-after']).toBeUndefined();
    expectSecurityHeaders(signUp);

    const credentials = { email: account.email, password: account.password };
    const responses: RawResponse[] = [];
    for (let i = 0; i < 4; i += 1) responses.push(await json(tight, 'POST', '/v1/auth/sign-in', credentials));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    expect(responses.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['1', '0', '0', '0']);
    for (const response of responses) expectRateHeaders(response, 3);
    for (const refused of responses.slice(2)) {
      expectError(refused, 429, 'rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expectSecurityHeaders(refused);
    }
    // The refused sign-ins created no session: only the two allowed ones did.
    const user = await tight.server.store.users.byEmail(account.email);
    expect(await tight.server.store.sessions.listActive(user!.id)).toHaveLength(2);
  });

  it('keeps the default class usable while the auth bucket is empty (separate buckets)', async () => {
    const response = await rawRequest(tight.server, { method: 'GET', path: '/v1/no-such-endpoint' });
    expectError(response, 404, 'not_found');
    expectRateHeaders(response, GENEROUS_LIMITS.default.ip.capacity);
  });
});

describe('security headers on every kind of answer', () => {
  it('sends HSTS, nosniff, X-Frame-Options DENY and Referrer-Policy no-referrer on 200, 401, 404, 413 and 429', async () => {
    const account = newAccount();
    expect((await json(roomy, 'POST', '/v1/auth/sign-up', account)).status).toBe(201);
    const ok = await json(roomy, 'POST', '/v1/auth/sign-in', { email: account.email, password: account.password });
    const unauthorized = await rawRequest(roomy.server, { method: 'GET', path: '/v1/workspaces' });
    const notFound = await rawRequest(roomy.server, { method: 'GET', path: '/v1/nothing-here' });
    const tooLarge = await rawRequest(roomy.server, {
      method: 'POST',
      path: '/v1/workspaces',
      body: JSON.stringify({ slug: 'big', name: 'x'.repeat(100_000) }),
    });
    // The tight server's auth bucket holds 3: a burst empties it whatever ran before.
    let limited = await json(tight, 'POST', '/v1/auth/sign-in', { email: account.email, password: 'whatever1' });
    for (let i = 0; i < 4 && limited.status !== 429; i += 1) {
      limited = await json(tight, 'POST', '/v1/auth/sign-in', { email: account.email, password: 'whatever1' });
    }
    const statuses = [ok, unauthorized, notFound, tooLarge, limited].map((r) => r.status);
    expect(statuses).toEqual([200, 401, 404, 413, 429]);
    for (const response of [ok, unauthorized, notFound, tooLarge, limited]) {
      expectSecurityHeaders(response);
      expect(response.headers['x-ratelimit-limit']).toBeDefined();
      expect(response.headers['server']).toBeUndefined();
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('sign-in throttling per account', () => {
  it('after 6 wrong passwords even the right one gets 429 too_many_attempts, and no session is created', async () => {
    const account = newAccount();
    expect((await json(roomy, 'POST', '/v1/auth/sign-up', account)).status).toBe(201);
    const user = await roomy.server.store.users.byEmail(account.email);
    const wrong = { email: account.email, password: 'not-the-password' };
    for (let i = 0; i < 6; i += 1) {
      expectError(await json(roomy, 'POST', '/v1/auth/sign-in', wrong), 401, 'invalid_credentials');
    }
    const auditBefore = (await roomy.server.store.audit.head()).seq;

    const right = await json(roomy, 'POST', '/v1/auth/sign-in', { email: account.email, password: account.password });
    expectError(right, 429, 'too_many_attempts');
    expect(Number(right.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expectRateHeaders(right, GENEROUS_LIMITS.auth.ip.capacity);
    expectSecurityHeaders(right);
    expect(right.text).not.toContain('secret');
    // Another spelling of the same address is the same account.
    const shouted = { email: account.email.toUpperCase(), password: account.password };
    expectError(await json(roomy, 'POST', '/v1/auth/sign-in', shouted), 429, 'too_many_attempts');

    expect(await roomy.server.store.sessions.listActive(user!.id)).toEqual([]);
    const audit = await roomy.server.store.audit.since(auditBefore, 100);
    expect(audit.filter((e) => e.type === 'sign_in' && e.actorUserId === user!.id)).toEqual([]);
  });

  it('does not lock out another account from the same address (the control)', async () => {
    const account = newAccount();
    expect((await json(roomy, 'POST', '/v1/auth/sign-up', account)).status).toBe(201);
    const response = await json(roomy, 'POST', '/v1/auth/sign-in', {
      email: account.email,
      password: account.password,
    });
    expect(response.status).toBe(200);
  });
});
