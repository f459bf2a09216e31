import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectSecurityHeaders, rawRequest, type RawResponse } from '../support/rawServerClient';
import { ON_ONE_NODE, startTestServer, type TestServer } from '../support/serverHarness';

/**
 * GET /v1/health (liveness) and GET /v1/ready (store and relay answer), as a load balancer and an attacker see
 * them: unauthenticated, saying nothing about versions or internals, and not starved by one client exhausting the
 * rate limit of the address the probes share with it.
 */

/** One token per address per 1000 s: a single client exhausts the bucket at once. */
const TIGHT = {
  default: { ip: { capacity: 2, refillPerSecond: 0.001 }, session: { capacity: 2, refillPerSecond: 0.001 } },
  auth: { ip: { capacity: 2, refillPerSecond: 0.001 }, session: { capacity: 2, refillPerSecond: 0.001 } },
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ rateLimits: TIGHT });
});
afterAll(async () => {
  await t?.close();
});

const get = (path: string, server = t) => rawRequest(server.server, { method: 'GET', path });

/** Nothing in headers or body that names software, a version, a host or a component. */
function expectNothingRevealed(response: RawResponse) {
  expectSecurityHeaders(response);
  expect(response.headers.server).toBeUndefined();
  expect(response.headers['x-powered-by']).toBeUndefined();
  expect(response.text).not.toMatch(/node|whoot|sqlite|relay|store|version|\d+\.\d+/i);
}

describe('health and readiness', () => {
  it('answers liveness and readiness without a session, and says only that', async () => {
    const health = await get('/v1/health');
    expect(health.status).toBe(200);
    expect(health.json).toStrictEqual({ status: 'ok' });
    expectNothingRevealed(health);
    const ready = await get('/v1/ready');
    expect(ready.status).toBe(200);
    expect(ready.json).toStrictEqual({ status: 'ready' });
    expectNothingRevealed(ready);
  });

  it('keeps answering probes from an address whose client has exhausted its rate limit', async () => {
    let limited: RawResponse | undefined;
    for (let i = 0; i < 5 && limited === undefined; i++) {
      const response = await get('/v1/server-info');
      if (response.status === 429) limited = response;
    }
    expect(limited).toBeDefined();
    expectError(limited!, 429, 'rate_limited');
    // The same address, now refused everything else: the probes still pass, and are not charged to any bucket.
    for (let i = 0; i < 20; i++) {
      const [health, ready] = await Promise.all([get('/v1/health'), get('/v1/ready')]);
      expect([health.status, ready.status]).toEqual([200, 200]);
      expect(health.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect((await get('/v1/server-info')).status).toBe(429);
    // Only the probes themselves go uncharged: another method on the same path meets the exhausted bucket.
    expectError(await rawRequest(t.server, { method: 'POST', path: '/v1/health', body: '{}' }), 429, 'rate_limited');
  });
});

// One node's readiness as its parts fail: through HAProxy another node would answer. The cluster's own are in
// frontDoor.test.ts, frontDoorFaults.test.ts and clusterFaults.test.ts.
describe.skipIf(!ON_ONE_NODE)('readiness follows the parts', () => {
  it('turns 503 not_ready when the relay stops answering, while liveness stays 200', async () => {
    const own = await startTestServer();
    try {
      expect((await get('/v1/ready', own)).status).toBe(200);
      await own.server.relay!.close();
      // Each answer stands for a second; the next check finds the relay silent.
      await expect.poll(async () => (await get('/v1/ready', own)).status, { timeout: 30_000, interval: 250 }).toBe(503);
      const ready = await get('/v1/ready', own);
      expectError(ready, 503, 'not_ready');
      expectNothingRevealed(ready);
      expect((await get('/v1/health', own)).status).toBe(200);
      expect(own.logs.some((line) => line.includes('not ready: the relay does not answer'))).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('turns 503 when the store cannot answer', async () => {
    const own = await startTestServer({ relay: { enabled: false } });
    try {
      expect((await get('/v1/ready', own)).status).toBe(200);
      await own.server.store.close();
      await expect.poll(async () => (await get('/v1/ready', own)).status, { timeout: 30_000, interval: 250 }).toBe(503);
      expect((await get('/v1/health', own)).status).toBe(200);
    } finally {
      // The store is closed already; closing the rest of the server must still succeed.
      await own.close();
    }
  });
});
