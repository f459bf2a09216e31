import { once } from 'node:events';
import { connect } from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { randomIdSchema } from '../../../shared/identifiers';
import { fail, ok } from '../../../shared/result';
import { errorBodySchema } from '../../../shared/rest/auth';
import { INTERNAL_ERROR } from './httpError';
import { createMemoryRateLimiter, createRateLimiters, type RateLimitConfig } from './rateLimiter';
import { createRouter, routeDefiner, type AuthenticateInput, type RouterOptions } from './router';
import { SECURITY_HEADERS } from './securityHeaders';
import {
  httpsRequest,
  parseResponse,
  rawExchange,
  type TestRequest,
  type TestResponse,
} from './testing/httpsTestClient';
import { startTestServer } from './testing/testServer';

interface TestAuth {
  readonly operation: string;
}
interface TestSession {
  readonly sessionId: string;
  readonly userId: string;
}

const route = routeDefiner<TestAuth, TestSession>();
const CHANNEL = '0190f2a8-9b1c-7d3e-8f40-123456789abc';

const routes = [
  route({ method: 'GET', path: '/v1/ping', handler: () => ({ status: 200, body: { pong: true } }) }),
  route({
    method: 'POST',
    path: '/v1/echo',
    bodySchema: z.strictObject({ name: z.string().max(20), count: z.number().int().optional() }),
    handler: ({ body }) => ({ status: 200, body }),
  }),
  route({
    method: 'POST',
    path: '/v1/small',
    maxBodyBytes: 16,
    bodySchema: z.strictObject({ s: z.string() }),
    handler: ({ body }) => ({ status: 200, body }),
  }),
  route({
    method: 'GET',
    path: '/v1/boom',
    handler: () => {
      throw new Error('secret detail: /var/lib/whoot/db.sqlite password=hunter2');
    },
  }),
  route({
    method: 'GET',
    path: '/v1/boom-string',
    handler: () => {
      throw 'secret string';
    },
  }),
  route({
    method: 'GET',
    path: '/v1/bad-header',
    handler: () => ({ status: 200, headers: { 'x-bad': 'a\r\nSet-Cookie: evil=1' }, body: { fine: true } }),
  }),
  route({
    method: 'GET',
    path: '/v1/weaken',
    handler: () => ({ status: 200, headers: { 'X-Frame-Options': 'ALLOWALL', location: '/v1/ping' }, body: {} }),
  }),
  route({
    method: 'POST',
    path: '/v1/auth/sign-in',
    rateClass: 'auth',
    bodySchema: z.strictObject({ email: z.string() }),
    handler: () => ({ status: 200, body: { signedIn: true } }),
  }),
  route({
    method: 'POST',
    path: '/v1/channels/:channelId',
    auth: { operation: 'channel.touch' },
    paramsSchema: z.strictObject({ channelId: randomIdSchema }),
    bodySchema: z.strictObject({ note: z.string() }),
    handler: ({ params, body, session }) => ({
      status: 200,
      body: { channelId: params.channelId, note: body.note, sessionId: session.sessionId, userId: session.userId },
    }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/channels/:channelId',
    auth: { operation: 'channel.delete' },
    handler: () => ({ status: 204 }),
  }),
  route({ method: 'GET', path: '/v1/workspaces/mine', handler: () => ({ status: 200, body: { which: 'mine' } }) }),
  route({
    method: 'GET',
    path: '/v1/workspaces/:workspaceId',
    handler: ({ params }) => ({ status: 200, body: { which: params.workspaceId } }),
  }),
];

/** Only type checks (tsc -p tsconfig.test.json): the handler's context follows the route's declaration. */
export function typeChecksOnly() {
  route({
    method: 'GET',
    path: '/v1/public',
    // @ts-expect-error a public route has no session
    handler: ({ session }) => ({ status: 200, body: session.sessionId }),
  });
  route({
    method: 'GET',
    path: '/v1/things/:thingId',
    // @ts-expect-error only the declared parameters exist
    handler: ({ params }) => ({ status: 200, body: params.otherId }),
  });
  route({
    method: 'POST',
    path: '/v1/things',
    bodySchema: z.strictObject({ n: z.number() }),
    // @ts-expect-error the body has the schema's output type
    handler: ({ body }) => ({ status: 200, body: body.n.toUpperCase() }),
  });
}

const generous = { capacity: 10_000, refillPerSecond: 1_000 };
const generousLimits: RateLimitConfig = {
  default: { ip: generous, session: generous },
  auth: { ip: generous, session: generous },
};

interface Harness {
  readonly port: number;
  readonly ca: string;
  readonly errors: string[];
  readonly authCalls: AuthenticateInput<TestAuth>[];
  clock: number;
  send(req: TestRequest): Promise<TestResponse>;
  raw(bytes: string | Buffer): Promise<TestResponse & { raw: string }>;
  close(): Promise<void>;
}

async function startHarness(
  limits: RateLimitConfig = generousLimits,
  overrides: Partial<RouterOptions<TestAuth, TestSession>> = {},
): Promise<Harness> {
  const errors: string[] = [];
  const authCalls: AuthenticateInput<TestAuth>[] = [];
  const harness = { clock: 1_800_000_000_000 } as Harness;
  const handler = createRouter<TestAuth, TestSession>({
    routes,
    rateLimiters: createRateLimiters(limits),
    now: () => harness.clock,
    logError: (name) => errors.push(name),
    authenticate: (input) => {
      authCalls.push(input);
      const session = input.request.headers['x-test-session'];
      if (typeof session !== 'string') return fail('missing_signature', 'This call must be signed.');
      if (session === 'throw') throw new Error('verifier exploded');
      return ok({ sessionId: session, userId: 'user-1' });
    },
    ...overrides,
  });
  const server = await startTestServer(handler);
  return Object.assign(harness, {
    port: server.port,
    ca: server.ca,
    errors,
    authCalls,
    send: (req: TestRequest) => httpsRequest(server.port, server.ca, req),
    raw: (bytes: string | Buffer) => rawExchange(server.port, bytes),
    close: server.close,
  });
}

const json = (body: unknown): Pick<TestRequest, 'body' | 'headers'> => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

function expectTransportHeaders(res: TestResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name], name).toBe(value);
  expect(res.headers.server).toBeUndefined();
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers['x-ratelimit-limit']).toMatch(/^\d+$/);
  expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
  expect(res.headers['x-ratelimit-reset']).toMatch(/^\d+$/);
}

function expectError(res: TestResponse, status: number, code: string): string {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expectTransportHeaders(res);
  const body = errorBodySchema.parse(JSON.parse(res.text));
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe('router over TLS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('answers a route with JSON and every transport header', async () => {
    const res = await h.send({ path: '/v1/ping' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ pong: true });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expectTransportHeaders(res);
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it('validates bodies with the route schema and passes the typed body on', async () => {
    const res = await h.send({ method: 'POST', path: '/v1/echo', ...json({ name: 'ada', count: 2 }) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ name: 'ada', count: 2 });
  });

  it('refuses unknown fields, wrong types and a missing body with 400 invalid_input naming the field', async () => {
    const unknown = await h.send({ method: 'POST', path: '/v1/echo', ...json({ name: 'ada', admin: true }) });
    expect(expectError(unknown, 400, 'invalid_input')).toMatch(/request body/);
    expect(unknown.text).toContain('admin');
    const wrongType = await h.send({ method: 'POST', path: '/v1/echo', ...json({ name: 7 }) });
    expect(expectError(wrongType, 400, 'invalid_input')).toMatch(/name/);
    expectError(await h.send({ method: 'POST', path: '/v1/echo' }), 400, 'invalid_input');
    expectError(await h.send({ method: 'POST', path: '/v1/echo', ...json(['name']) }), 400, 'invalid_input');
    const proto = await h.send({
      method: 'POST',
      path: '/v1/echo',
      ...json({}),
      body: '{"name":"a","__proto__":{"x":1}}',
    });
    expectError(proto, 400, 'invalid_input');
  });

  it('refuses a body on a route that takes none', async () => {
    expectError(await h.send({ path: '/v1/ping', ...json({ sneaky: 1 }) }), 400, 'invalid_input');
  });

  it('answers malformed JSON and invalid UTF-8 with 400 malformed_json', async () => {
    const headers = { 'content-type': 'application/json' };
    expectError(await h.send({ method: 'POST', path: '/v1/echo', headers, body: '{"name":' }), 400, 'malformed_json');
    const latin1 = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]);
    expectError(await h.send({ method: 'POST', path: '/v1/echo', headers, body: latin1 }), 400, 'malformed_json');
  });

  it('answers 415 for a body that is not application/json, or is compressed', async () => {
    const body = JSON.stringify({ name: 'ada' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const res = await h.send({ method: 'POST', path: '/v1/echo', body, headers: { 'content-type': type } });
      expectError(res, 415, 'unsupported_media_type');
    }
    expectError(await h.send({ method: 'POST', path: '/v1/echo', body }), 415, 'unsupported_media_type');
    const gzip = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    expectError(await h.send({ method: 'POST', path: '/v1/echo', body, headers: gzip }), 415, 'unsupported_media_type');
  });

  it('answers 413 above the default 64 KiB and above a route override, and closes the connection', async () => {
    const big = JSON.stringify({ name: 'a'.repeat(70 * 1024) });
    const res = await h.send({ method: 'POST', path: '/v1/echo', ...json({}), body: big });
    expectError(res, 413, 'payload_too_large');
    expect(res.headers.connection).toBe('close');
    const justFits = await h.send({ method: 'POST', path: '/v1/small', ...json({ s: '12345678' }) });
    expect(justFits.status).toBe(200);
    const over = await h.send({ method: 'POST', path: '/v1/small', ...json({ s: '123456789' }) });
    expectError(over, 413, 'payload_too_large');
  });

  it('answers 413 for a declared 10 MB body without waiting for it', async () => {
    const socket = connect({ host: '127.0.0.1', port: h.port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const response = collectResponse(socket);
    socket.write(
      'POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${10 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(256 * 1024, 0x20));
    const res = await response;
    socket.destroy();
    expectError(res, 413, 'payload_too_large');
  });

  it('answers 413 while a 10 MB chunked upload is still being sent, and stops reading it', async () => {
    const socket = connect({ host: '127.0.0.1', port: h.port, rejectUnauthorized: false });
    socket.on('error', () => {});
    await once(socket, 'secureConnect');
    let answered = false;
    const response = collectResponse(socket).finally(() => {
      answered = true;
    });
    socket.write(
      'POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    let sent = 0;
    while (!answered && !socket.destroyed && sent < 10 * 1024 * 1024) {
      sent += 0x10000;
      if (!socket.write(chunk)) {
        await Promise.race([once(socket, 'drain'), response, once(socket, 'close')]);
      }
    }
    const res = await response;
    socket.destroy();
    expectError(res, 413, 'payload_too_large');
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });

  it('answers unknown paths with 404 and wrong methods with 405 and Allow', async () => {
    expectError(await h.send({ path: '/v1/nothing-here' }), 404, 'not_found');
    expectError(await h.send({ path: '/' }), 404, 'not_found');
    const wrong = await h.send({ method: 'PUT', path: '/v1/echo' });
    expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('POST');
    const both = await h.send({ method: 'PUT', path: `/v1/channels/${CHANNEL}` });
    expectError(both, 405, 'method_not_allowed');
    expect(both.headers.allow).toBe('DELETE, POST');
  });

  it('prefers fixed segments over parameters', async () => {
    expect(JSON.parse((await h.send({ path: '/v1/workspaces/mine' })).text)).toEqual({ which: 'mine' });
    expect(JSON.parse((await h.send({ path: '/v1/workspaces/w-1' })).text)).toEqual({ which: 'w-1' });
  });

  it.each([
    ['/v1/%2e%2e/v1/ping', 400, 'bad_path'],
    ['/v1/ping/..', 400, 'bad_path'],
    ['/v1/./ping', 400, 'bad_path'],
    ['/v1/workspaces/..%2fping', 400, 'bad_path'],
    ['/v1/workspaces/a%2Fb', 400, 'bad_path'],
    ['/v1/workspaces/%252e%252e', 400, 'bad_path'],
    ['/v1/workspaces/a%5cb', 400, 'bad_path'],
    ['/v1/workspaces/%00', 400, 'bad_path'],
    ['/v1/workspaces/%c0%ae%c0%ae', 400, 'bad_path'],
    ['/v1/ping?debug=1', 400, 'unexpected_query'],
    ['http://evil.example/v1/ping', 400, 'bad_path'],
    ['/v1//ping', 404, 'not_found'],
    ['/v1/ping/', 404, 'not_found'],
    ['/V1/PING', 404, 'not_found'],
    ['/v1/workspaces/%E2%9C%93', 404, 'not_found'],
    ['/v1/workspaces/a:b', 404, 'not_found'],
  ])('answers %s with %i', async (path, status, code) => {
    const res = await h.raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expectError(res, status, code);
  });

  it('answers 500 internal_error without the message, a stack or the request, and logs only the name', async () => {
    const res = await h.send({ path: '/v1/boom' });
    expect(expectError(res, 500, 'internal_error')).toBe(INTERNAL_ERROR.error.message);
    expect(res.text).not.toMatch(/secret|hunter2|sqlite|at .*\.ts|Error:/);
    expect(JSON.parse(res.text)).toEqual(INTERNAL_ERROR);
    expectError(await h.send({ path: '/v1/boom-string' }), 500, 'internal_error');
    expect(h.errors.slice(-2)).toEqual(['Error', 'string']);
  });

  it('turns a response Node cannot write into a 500 that still carries every header', async () => {
    const res = await h.send({ path: '/v1/bad-header' });
    expectError(res, 500, 'internal_error');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('keeps the security headers when a handler tries to override them', async () => {
    const res = await h.send({ path: '/v1/weaken' });
    expect(res.status).toBe(200);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers.location).toBe('/v1/ping');
  });

  it('answers a HTTP/1.1 request without Host with a JSON 400', async () => {
    expectError(await h.raw('GET /v1/ping HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'bad_request');
    expect((await h.raw('GET /v1/ping HTTP/1.0\r\n\r\n')).status).toBe(200);
  });

  it('sends 100 Continue only to a request that passed the header checks', async () => {
    const head = (length: number) =>
      'POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Expect: 100-continue\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
    const refused = await h.raw(head(10 * 1024 * 1024));
    expect(refused.raw).not.toContain('100 Continue');
    expectError(refused, 413, 'payload_too_large');

    const body = JSON.stringify({ name: 'ada' });
    const socket = connect({ host: '127.0.0.1', port: h.port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    socket.write(head(body.length));
    const [interim] = (await once(socket, 'data')) as [Buffer];
    expect(interim.toString()).toMatch(/^HTTP\/1\.1 100 Continue/);
    const response = collectResponse(socket);
    socket.write(body);
    expect((await response).status).toBe(200);
    socket.destroy();

    const odd = await h.raw('GET /v1/ping HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nConnection: close\r\n\r\n');
    expectError(odd, 417, 'expectation_failed');
  });

  describe('authentication hook', () => {
    it('refuses an unauthenticated call with 401 and the hook’s reason, before any schema runs', async () => {
      const res = await h.send({ method: 'POST', path: `/v1/channels/not-a-uuid`, ...json({ unknown: 1 }) });
      expect(expectError(res, 401, 'missing_signature')).toBe('This call must be signed.');
    });

    it('gives the hook the exact body bytes, the route’s auth spec and the params; the handler gets the session', async () => {
      const body = '{ "note" : "hi",\n  "x": 1 }'.replace(',\n  "x": 1', '');
      const res = await h.send({
        method: 'POST',
        path: `/v1/channels/${CHANNEL}`,
        body,
        headers: { 'content-type': 'application/json', 'x-test-session': 'sess-1' },
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ channelId: CHANNEL, note: 'hi', sessionId: 'sess-1', userId: 'user-1' });
      const call = h.authCalls.at(-1)!;
      expect(call.rawBody.toString('utf8')).toBe(body);
      expect(call.json).toEqual({ note: 'hi' });
      expect(call.params).toEqual({ channelId: CHANNEL });
      expect(call.route).toEqual({
        method: 'POST',
        path: '/v1/channels/:channelId',
        auth: { operation: 'channel.touch' },
      });
    });

    it('validates path parameters after authentication', async () => {
      const headers = { 'content-type': 'application/json', 'x-test-session': 'sess-1' };
      const res = await h.send({ method: 'POST', path: '/v1/channels/not-a-uuid', body: '{"note":"x"}', headers });
      expect(expectError(res, 400, 'invalid_input')).toMatch(/path: channelId/);
    });

    it('fails closed with a 500 when the hook throws', async () => {
      const res = await h.send({
        method: 'DELETE',
        path: `/v1/channels/${CHANNEL}`,
        headers: { 'x-test-session': 'throw' },
      });
      expectError(res, 500, 'internal_error');
      const done = await h.send({
        method: 'DELETE',
        path: `/v1/channels/${CHANNEL}`,
        headers: { 'x-test-session': 's' },
      });
      expect(done.status).toBe(204);
      expect(done.text).toBe('');
      expectTransportHeaders(done);
    });
  });
});

describe('router rate limits', () => {
  it('answers 429 with Retry-After past the address bucket, counts every kind of request, and refills', async () => {
    const tight = { capacity: 3, refillPerSecond: 1 };
    const h = await startHarness({ default: { ip: tight, session: generous }, auth: { ip: tight, session: generous } });
    try {
      const first = await h.send({ path: '/v1/ping' });
      expect([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']]).toEqual(['3', '2']);
      expect(first.headers['x-ratelimit-reset']).toBe('1');
      expect((await h.send({ path: '/v1/nope' })).headers['x-ratelimit-remaining']).toBe('1');
      expect((await h.send({ path: '/v1/boom' })).headers['x-ratelimit-remaining']).toBe('0');
      const limited = await h.send({ path: '/v1/ping' });
      expectError(limited, 429, 'rate_limited');
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      expect(limited.headers['x-ratelimit-reset']).toBe('3');
      expectError(await h.send({ path: '/v1/boom' }), 429, 'rate_limited');

      h.clock += 999;
      expect((await h.send({ path: '/v1/ping' })).status).toBe(429);
      h.clock += 1;
      expect((await h.send({ path: '/v1/ping' })).status).toBe(200);
      // The stricter 'auth' class has buckets of its own.
      expect((await h.send({ method: 'POST', path: '/v1/auth/sign-in', ...json({ email: 'a' }) })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('charges authenticated calls to the session too and reports the tighter bucket', async () => {
    const h = await startHarness({
      default: { ip: { capacity: 100, refillPerSecond: 1 }, session: { capacity: 2, refillPerSecond: 0.1 } },
      auth: { ip: generous, session: generous },
    });
    const call = (session?: string) =>
      h.send({
        method: 'DELETE',
        path: `/v1/channels/${CHANNEL}`,
        headers: session === undefined ? {} : { 'x-test-session': session },
      });
    try {
      const first = await call('s1');
      expect(first.status).toBe(204);
      expect([first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining']]).toEqual(['2', '1']);
      expect((await call('s1')).headers['x-ratelimit-remaining']).toBe('0');
      const limited = await call('s1');
      expectError(limited, 429, 'rate_limited');
      expect(limited.headers['retry-after']).toBe('10');
      expect(limited.headers['x-ratelimit-limit']).toBe('2');
      // Another session from the same address is not affected; unauthenticated calls never touch a session bucket.
      expect((await call('s2')).status).toBe(204);
      const anonymous = await call();
      expectError(anonymous, 401, 'missing_signature');
      expect(anonymous.headers['x-ratelimit-limit']).toBe('100');
    } finally {
      await h.close();
    }
  });

  it('keeps the stricter auth class apart from the default class', async () => {
    const h = await startHarness({
      default: { ip: generous, session: generous },
      auth: { ip: { capacity: 2, refillPerSecond: 1 / 60 }, session: generous },
    });
    const signIn = () => h.send({ method: 'POST', path: '/v1/auth/sign-in', ...json({ email: 'a@example.com' }) });
    try {
      expect((await signIn()).status).toBe(200);
      expect((await signIn()).status).toBe(200);
      const limited = await signIn();
      expectError(limited, 429, 'rate_limited');
      expect(limited.headers['retry-after']).toBe('60');
      expect((await h.send({ path: '/v1/ping' })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('awaits an asynchronous (shared-store) limiter', async () => {
    const memory = createMemoryRateLimiter({ capacity: 1, refillPerSecond: 1 });
    const remote = { take: async (key: string, cost?: number, now?: number) => memory.take(key, cost, now) };
    const h = await startHarness(generousLimits, {
      rateLimiters: new Map([['default', { ip: remote, session: remote }]]),
      routes: routes.filter((r) => r.rateClass === undefined),
    });
    try {
      expect((await h.send({ path: '/v1/ping' })).status).toBe(200);
      expectError(await h.send({ path: '/v1/ping' }), 429, 'rate_limited');
    } finally {
      await h.close();
    }
  });
});

describe('createRouter configuration', () => {
  const ping = { method: 'GET', path: '/v1/ping', handler: () => ({ status: 200 }) } as const;
  it.each([
    [
      'two routes for one method and shape',
      [route({ ...ping, path: '/v1/:a' }), route({ ...ping, path: '/v1/:b' })],
      /Two routes/,
    ],
    ['an unknown rate class', [route({ ...ping, rateClass: 'nope' })], /unknown rate-limit class/],
    ['a regex in a path', [route({ ...ping, path: '/v1/(.*)' })], /Bad segment/],
    ['a repeated parameter', [route({ ...ping, path: '/v1/:a/:a' })], /repeats/],
    ['an empty segment', [route({ ...ping, path: '/v1//ping' })], /Bad segment/],
    ['an unmetered route that is not a GET', [route({ ...ping, method: 'POST', unmetered: true })], /unmetered/],
  ])('refuses %s', (_, list, message) => {
    expect(() => createRouter<TestAuth, TestSession>({ routes: list })).toThrow(message);
  });

  it('refuses an authenticated route without an authenticate hook', () => {
    const guarded = route({
      method: 'GET',
      path: '/v1/me',
      auth: { operation: 'me' },
      handler: () => ({ status: 204 }),
    });
    expect(() => createRouter<TestAuth, TestSession>({ routes: [guarded] })).toThrow(/no authenticate hook/);
  });
});

describe('router robustness (property)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('answers any method, path and headers with a well-formed response and keeps serving', async () => {
    const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_'), minLength: 1, maxLength: 12 });
    const pathUnit = fc.constantFrom(...'/v1pingechochannels.%2eEfF5c0\\?#:@~ -_ä'.split(''), '%2e', '%2f', '..');
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'BREW'),
      path: fc.oneof(
        fc.string({ unit: pathUnit, maxLength: 30 }).map((tail) => `/${tail}`),
        fc.constantFrom('/v1/ping', '/v1/echo', `/v1/channels/${CHANNEL}`, '*'),
      ),
      headers: fc.array(fc.tuple(token, fc.string({ unit: fc.constantFrom(...'abc =;/*"\t'), maxLength: 20 })), {
        maxLength: 4,
      }),
      body: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, headers, body }) => {
        const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
        for (const [name, value] of headers) lines.push(`${name}: ${value}`);
        const payload = body === undefined ? '' : body;
        if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
        const res = await h.raw(`${lines.join('\r\n')}\r\n\r\n${payload}`);
        expect(res.status).toBeGreaterThanOrEqual(200);
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name]).toBe(value);
        if (res.status >= 400 && method !== 'HEAD') errorBodySchema.parse(JSON.parse(res.text));
      }),
      { numRuns: 150 },
    );
    expect(h.errors).toEqual([]);
    expect((await h.send({ path: '/v1/ping' })).status).toBe(200);
  });
});

/** Resolves with the first complete response read from `socket`. */
function collectResponse(socket: ReturnType<typeof connect>): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    let raw = '';
    const onData = (chunk: Buffer) => {
      raw += chunk.toString('utf8');
      const parsed = parseResponse(raw);
      if (parsed.status !== 0 && parsed.text.length >= Number(parsed.headers['content-length'] ?? 0)) {
        socket.off('data', onData);
        resolve(parsed);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed without a response: ${raw.slice(0, 200)}`)));
  });
}
