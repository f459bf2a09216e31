/**
 * Webhook benchmark: `npm run bench:webhooks` (tsx bench/webhooks.ts).
 *
 * The real server delivers to a real HTTPS receiver on 127.0.0.1 (self-signed, trusted through webhooks.caFile),
 * with signing on. Two figures:
 * 1. deliveries per second: 2,000 events recorded in the workspace's audit log, each fanned out, queued, claimed,
 *    signed and POSTed, timed until the receiver has answered them all;
 * 2. queue recovery after a restart: 10,000 deliveries queued in the stopped server's database, then the time from
 *    starting it again to its first delivery and to the last.
 * Plus the cost of signing alone, and the input URL's answer time for an unknown and an existing input (the same
 * work on both paths). Figures are printed, not asserted. Everything binds to 127.0.0.1 and stops by itself.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../main/server/serverApp';
import { newId } from '../main/server/store';
import { hmacSha256Hex, newWebhookSecret } from '../main/server/webhooks/signing';
import { webhookSignatureHeader } from '../shared/webhookSignature';
import { rawRequest } from '../test/support/rawServerClient';
import { GENEROUS_LIMITS, SUITE_POLICY, signUpAndIn } from '../test/support/serverHarness';
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhookReceiver';

const THROUGHPUT_EVENTS = 2000;
const RECOVERY_DELIVERIES = 10_000;
const SIGNATURES = 50_000;
const INPUT_SAMPLES = 7;
const WATCHDOG_MS = Number(process.env.BENCH_WATCHDOG_MS ?? 300_000);

const watchdog = setTimeout(() => {
  console.error('bench/webhooks: gave up after 5 minutes');
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

function start(dataDir: string, receiver: WebhookReceiver): Promise<RunningServer> {
  return startServer(
    {
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      publicHost: '127.0.0.1',
      relay: { enabled: false },
      rateLimits: GENEROUS_LIMITS,
      ...SUITE_POLICY,
      webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 20 },
    },
    { env: {}, log: () => undefined },
  );
}

async function waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WATCHDOG_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function signingRate(): number {
  const body = JSON.stringify({
    id: newId(),
    type: 'channel.created',
    workspaceId: newId(),
    occurredAt: Date.now(),
    data: { channel: { id: newId(), name: 'standup', relayOnly: true } },
  });
  const secret = newWebhookSecret();
  const started = process.hrtime.bigint();
  for (let i = 0; i < SIGNATURES; i += 1) {
    webhookSignatureHeader({ body, timestamp: 1_795_444_800 + i, secrets: [secret], hmac: hmacSha256Hex });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return SIGNATURES / seconds;
}

async function main(): Promise<void> {
  const rows: [string, string][] = [];
  const receiver = await startWebhookReceiver({ responder: () => 204 });
  const dataDir = mkdtempSync(join(tmpdir(), 'whoot-bench-webhooks-'));
  try {
    // ---- 1. throughput ----------------------------------------------------------------------------------------
    let server = await start(dataDir, receiver);
    const owner = await signUpAndIn(server, 'bench');
    const { workspace } = await owner.call('createWorkspace', { body: { slug: 'bench', name: 'Bench' } });
    const { webhook, secret } = await owner.call('createWebhook', {
      params: { workspaceId: workspace.id },
      body: { url: receiver.url(), events: ['security.webhook_changed'] },
    });
    await waitUntil(() => receiver.received.length >= 1, 'the creation event');
    const before = receiver.received.length;
    const started = process.hrtime.bigint();
    for (let i = 0; i < THROUGHPUT_EVENTS; i += 1) {
      await server.store.audit.append({
        type: 'webhook.updated',
        actorUserId: owner.user.id,
        workspaceId: workspace.id,
        details: { webhookId: webhook.id },
      });
    }
    await waitUntil(() => receiver.received.length >= before + THROUGHPUT_EVENTS, 'all deliveries');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rows.push(['deliveries/s (signed, HTTPS, concurrency 8)', (THROUGHPUT_EVENTS / seconds).toFixed(0)]);
    rows.push(['  2,000 events recorded to all answered', `${seconds.toFixed(2)} s`]);
    // Spot-check that what was measured was signed: the last delivery verifies with the secret.
    const last = receiver.received.at(-1);
    const header = String(last?.headers['x-whoot-signature'] ?? '');
    const t = header.split(',')[0]?.slice(2) ?? '';
    const expected = createHmac('sha256', secret)
      .update(`${t}.${last?.body ?? ''}`)
      .digest('hex');
    if (!header.includes(`v1=${expected}`)) throw new Error('a benchmarked delivery did not verify');
    rows.push(['signatures/s (HMAC-SHA256 header, one secret)', signingRate().toFixed(0)]);

    // Input answers: unknown and existing do the same work (one argon2id verification) before answering.
    const { channel } = await owner.call('createChannel', {
      params: { workspaceId: workspace.id },
      body: { name: 'alerts', kind: 'text' },
    });
    const { input } = await owner.call('createInput', {
      params: { workspaceId: workspace.id },
      body: { name: 'bench', channelId: channel.id },
    });
    const timeInput = async (id: string) => {
      const samples: number[] = [];
      for (let i = 0; i < INPUT_SAMPLES; i += 1) {
        const begin = process.hrtime.bigint();
        await rawRequest(server, { method: 'POST', path: `/v1/inputs/${id}`, body: '{"text":"bench"}' });
        samples.push(Number(process.hrtime.bigint() - begin) / 1e6);
      }
      return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
    };
    const unknownMs = await timeInput(newId());
    const existingMs = await timeInput(input.id);
    rows.push(['input POST median, unknown id', `${unknownMs.toFixed(0)} ms`]);
    rows.push(['input POST median, existing input', `${existingMs.toFixed(0)} ms`]);
    await server.close();

    // ---- 2. recovery after a restart with 10,000 queued ---------------------------------------------------------
    server = await start(dataDir, receiver);
    // Stop delivering, then queue the backlog through the store's own fan-out path, as if the server had been
    // recording events while the receiver was down.
    await server.webhooks.close();
    const [cursor] = await server.store.webhookQueue.cursors();
    if (cursor === undefined) throw new Error('no fan-out cursor');
    const now = Date.now();
    const queued = await server.store.webhookQueue.fanOut({
      cursor,
      next: cursor,
      events: Array.from({ length: RECOVERY_DELIVERIES }, (_, i) => ({
        id: newId(now + i),
        type: 'security.webhook_changed',
        data: { actorUserId: owner.user.id, webhookId: webhook.id, change: 'updated' },
        occurredAt: now + i,
      })),
    });
    if (queued !== RECOVERY_DELIVERIES) throw new Error(`queued ${queued}`);
    await server.close();

    const beforeRestart = receiver.received.length;
    const restart = process.hrtime.bigint();
    server = await start(dataDir, receiver);
    const listening = Number(process.hrtime.bigint() - restart) / 1e6;
    await waitUntil(() => receiver.received.length > beforeRestart, 'the first recovered delivery');
    const first = Number(process.hrtime.bigint() - restart) / 1e6;
    await waitUntil(async () => (await server.store.webhookQueue.counts()).pending === 0, 'the backlog');
    await waitUntil(async () => (await server.store.webhookQueue.counts()).in_flight === 0, 'the last attempts');
    const drained = Number(process.hrtime.bigint() - restart) / 1e9;
    const counts = await server.store.webhookQueue.counts();
    rows.push(['restart with 10,000 queued: server listening', `${listening.toFixed(0)} ms`]);
    rows.push(['  first recovered delivery after start', `${first.toFixed(0)} ms`]);
    rows.push([
      '  all 10,000 delivered after start',
      `${drained.toFixed(2)} s (${(RECOVERY_DELIVERIES / drained).toFixed(0)}/s)`,
    ]);
    rows.push(['  received by the receiver', String(receiver.received.length - beforeRestart)]);
    rows.push(['  queue after', `${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.pending} pending`]);
    await server.close();
  } finally {
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log('\nwhoot webhooks bench (server and receiver in this process, HTTPS on 127.0.0.1, signing on)\n');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
  console.log('');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
