import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../main/server/serverApp';
import { expectError, rawRequest, signedCall } from '../support/rawServerClient';
import { startPostgres, type PostgresServer } from '../support/postgres';
import { EPHEMERAL_RELAY, GENEROUS_LIMITS, SUITE_POLICY, signUpAndIn, type TestClient } from '../support/serverHarness';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

/**
 * PostgreSQL stops for 5 s under a running node (a restart, a failover): requests get 503 `store_unavailable` with
 * Retry-After and a message that says what is wrong, readiness turns 503 while liveness stays 200, nothing a failed
 * request began is left half-written, and once the database is back the node serves again and the webhook queue
 * delivers what waited, once. Its own PostgreSQL: the shared one of the test run must not stop under other suites.
 */

let postgres: PostgresServer;
let server: RunningServer;
let receiver: WebhookReceiver;
let dir: string;
let owner: TestClient;
let workspaceId: string;
let channelId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-pg-outage-'));
  postgres = await startPostgres({ tag: 'outage' });
  await postgres.createWhootRoles();
  await postgres.createDatabase('whoot');
  receiver = await startWebhookReceiver();
  server = await startServer(
    {
      dataDir: dir,
      store: {
        kind: 'postgres',
        url: postgres.url('whoot_app', 'whoot'),
        maintenanceUrl: postgres.url('whoot_maintenance', 'whoot'),
        ownerUrl: postgres.url('whoot_owner', 'whoot'),
        poolSize: 4,
        maintenancePoolSize: 2,
      },
      listen: { host: '127.0.0.1', port: 0 },
      rateLimits: GENEROUS_LIMITS,
      relay: { ...EPHEMERAL_RELAY, enabled: false },
      webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 60_000 },
      ...SUITE_POLICY,
    },
    { env: {}, log: () => undefined },
  );
  owner = await signUpAndIn(server, 'ada');
  ({
    workspace: { id: workspaceId },
  } = await owner.call('createWorkspace', { body: { slug: 'outage', name: 'Outage' } }));
  ({
    channel: { id: channelId },
  } = await owner.call('createChannel', { params: { workspaceId }, body: { name: 'general', kind: 'text' } }));
  await owner.call('createWebhook', {
    params: { workspaceId },
    body: { url: receiver.url(), events: ['channel.created'] },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await receiver?.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const messages = async () => (await owner.call('listMessages', { params: { workspaceId, channelId } })).messages.length;

describe('PostgreSQL stopped for 5 s', () => {
  it('answers 503 with a clear error, writes nothing half, and serves and delivers again once it is back', async () => {
    const before = await messages();
    const auditBefore = await server.store.audit.verify();
    expect(auditBefore.ok).toBe(true);
    // A channel whose webhook delivery is queued but not yet sent when the database goes away.
    await owner.call('createChannel', { params: { workspaceId }, body: { name: 'queued before' } });

    await postgres.halt();
    const outageStarted = Date.now();
    try {
      const post = await signedCall(server, owner, 'postMessage', {
        params: { workspaceId, channelId },
        body: { body: 'lost?' },
      });
      expectError(post, 503, 'store_unavailable');
      expect(post.headers['retry-after']).toBe('5');
      expect(post.json).toMatchObject({ error: { message: expect.stringMatching(/database/) } });
      const created = await signedCall(server, owner, 'createChannel', {
        params: { workspaceId },
        body: { name: 'during' },
      });
      expectError(created, 503, 'store_unavailable');
      await expect
        .poll(async () => (await rawRequest(server, { method: 'GET', path: '/v1/ready' })).status, { timeout: 10_000 })
        .toBe(503);
      expect((await rawRequest(server, { method: 'GET', path: '/v1/health' })).status).toBe(200);
      // The dispatcher's turn comes while the database is away: it fails quietly and keeps the delivery queued.
      await server.webhooks.runDue();
      expect(receiver.received).toHaveLength(0);
      const left = 5_000 - (Date.now() - outageStarted);
      if (left > 0) await new Promise((settle) => setTimeout(settle, left));
    } finally {
      await postgres.resume();
    }

    await expect
      .poll(async () => (await rawRequest(server, { method: 'GET', path: '/v1/ready' })).status, { timeout: 15_000 })
      .toBe(200);
    // Nothing of the refused post and the refused channel exists, and the audit chain is whole.
    expect(await messages()).toBe(before);
    const channels = (await owner.call('listChannels', { params: { workspaceId } })).channels.map((c) => c.name);
    expect(channels).toContain('queued before');
    expect(channels).not.toContain('during');
    const audit = await server.store.audit.verify();
    expect(audit.ok).toBe(true);
    if (audit.ok && auditBefore.ok) expect(audit.entries).toBeGreaterThanOrEqual(auditBefore.entries);
    // The delivery that waited goes out now, once.
    await server.webhooks.runDue();
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    await server.webhooks.runDue();
    expect(receiver.received).toHaveLength(1);
    await expect(
      owner.call('postMessage', { params: { workspaceId, channelId }, body: { body: 'after' } }),
    ).resolves.toBeDefined();
  });
});
