import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartServerOptions } from '../../main/server/serverApp';
import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_DELAYS_MS } from '../../main/server/webhooks/retrySchedule';
import type { LookupAll } from '../../main/server/webhooks/targetAddress';
import { createRequestSigner } from '../../main/session/requestSigner';
import type { EndpointName, ResponseOf } from '../../shared/rest/endpoints';
import { WEBHOOK_HEADERS, webhookEventBodySchema, type WebhookEventType } from '../../shared/webhookEvents';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../../shared/webhookSignature';
import { hmacSha256Hex } from '../../main/server/webhooks/signing';
import { connectSocket } from '../support/rawServerClient';
import {
  api,
  signUpAndIn,
  startTestServer,
  type TestClient,
  type TestServer,
  type BodyOf,
} from '../support/serverHarness';
import { storeContains } from '../support/storeContains';
import { startWebhookReceiver, type Responder, type WebhookReceiver } from '../support/webhookReceiver';
import { tamperLastCharacter } from '../support/tamper';

/**
 * Outbound webhooks end to end: the real server delivers to a real HTTPS receiver on 127.0.0.1 (self-signed, its
 * certificate trusted through webhooks.caFile and its ip:port let through webhooks.allowPrivateTargets, nothing
 * else relaxed). The retry clock is the server's injected clock, so hours of backoff pass in a step.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly t: TestServer;
  readonly receiver: WebhookReceiver;
  readonly clock: { now: number };
  readonly owner: TestClient;
  readonly workspaceId: string;
  /** A contract call by the owner, signed with the server's (moved) clock. */
  call<N extends EndpointName>(
    name: N,
    input?: { params?: Record<string, string>; body?: BodyOf<N> },
  ): Promise<ResponseOf<N>>;
}

async function setup(
  options: { responder?: Responder; lookup?: LookupAll; dataDir?: string; clock?: { now: number } } = {},
): Promise<Setup> {
  const receiver = await startWebhookReceiver(options.responder ? { responder: options.responder } : {});
  cleanups.push(() => receiver.close());
  return serverFor(receiver, options);
}

async function serverFor(
  receiver: WebhookReceiver,
  options: { lookup?: LookupAll; dataDir?: string; clock?: { now: number } } = {},
): Promise<Setup> {
  const clock = options.clock ?? { now: Date.now() };
  const serverOptions: Omit<StartServerOptions, 'env' | 'log'> = {
    now: () => clock.now,
    // Mid-range jitter: every retry waits its base delay plus 5 %.
    random: () => 0.5,
    ...(options.lookup ? { webhookLookup: options.lookup } : {}),
  };
  const t = await startTestServer(
    {
      // The background poll stays out of the way; tests drive the queue with runDue().
      webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 60_000 },
      sessions: { idleMinutes: 24 * 60, absoluteDays: 30 },
    },
    options.dataDir,
    serverOptions,
  );
  cleanups.push(() => t.close(options.dataDir === undefined));
  return { t, receiver, clock, ...(await ownerWorkspace(t, clock)) };
}

async function ownerWorkspace(t: TestServer, clock: { now: number }) {
  const owner = await signUpAndIn(t.server, 'ada');
  const address = { host: '127.0.0.1', port: t.server.port, spkiPin: t.server.spkiPin };
  const signer = createRequestSigner({ vault: owner.vault, now: () => Math.floor(clock.now / 1000) });
  const call = <N extends EndpointName>(name: N, input: { params?: Record<string, string>; body?: BodyOf<N> } = {}) =>
    api.call(address, name, { ...input, signer });
  const { workspace } = await call('createWorkspace', { body: { slug: `ws-${Date.now() % 1e9}`, name: 'Team' } });
  return { owner, workspaceId: workspace.id, call };
}

async function createWebhook(s: Setup, events: WebhookEventType[], url = s.receiver.url()) {
  return s.call('createWebhook', { params: { workspaceId: s.workspaceId }, body: { url, events } });
}

async function createChannel(s: Setup, name = 'standup') {
  return (await s.call('createChannel', { params: { workspaceId: s.workspaceId }, body: { name } })).channel;
}

/** What a receiver following docs/admin.md does, written out with node:crypto alone (not the shared helper). */
function verifiesAsDocumented(header: string | string[] | undefined, body: string, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const items = header.split(',').map((item) => item.split('=') as [string, string]);
  const timestamp = items.find(([key]) => key === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest();
  return items
    .filter(([key]) => key === 'v1')
    .some(([, value]) => {
      const given = Buffer.from(value, 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

const after = (ms: number) => ms + Math.ceil(ms * 0.05) + 1000;

async function deliveries(s: Setup, webhookId: string) {
  return s.t.server.store.forWorkspace(s.workspaceId).webhooks.deliveries(webhookId, 100);
}

describe('delivery', () => {
  it('signs each delivery so that it verifies with the published algorithm, and a tampered body does not', async () => {
    const s = await setup();
    const { webhook, secret } = await createWebhook(s, ['channel.created', 'channel.deleted']);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const channel = await createChannel(s);
    await s.t.server.webhooks.runDue();

    expect(s.receiver.received).toHaveLength(1);
    const [delivery] = s.receiver.received;
    const header = delivery?.headers[WEBHOOK_SIGNATURE_HEADER];
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifiesAsDocumented(header, delivery?.body ?? '', secret)).toBe(true);
    expect(verifiesAsDocumented(header, (delivery?.body ?? '').replace('standup', 'standuq'), secret)).toBe(false);
    expect(verifiesAsDocumented(header, delivery?.body ?? '', tamperLastCharacter(secret))).toBe(false);
    expect(
      verifyWebhookSignature({
        header,
        body: delivery?.body ?? '',
        secret,
        now: Math.floor(s.clock.now / 1000),
        hmac: hmacSha256Hex,
      }),
    ).toEqual({ ok: true, value: { timestamp: Math.floor(s.clock.now / 1000) } });

    const body = webhookEventBodySchema.parse(JSON.parse(delivery?.body ?? ''));
    expect(body).toEqual({
      id: expect.any(String),
      type: 'channel.created',
      workspaceId: s.workspaceId,
      occurredAt: expect.any(Number),
      data: { channel: { id: channel.id, name: 'standup', relayOnly: true } },
    });
    expect(delivery?.headers[WEBHOOK_HEADERS.eventId]).toBe(body.id);
    expect(delivery?.headers[WEBHOOK_HEADERS.eventType]).toBe('channel.created');
    expect(delivery?.headers[WEBHOOK_HEADERS.attempt]).toBe('1');
    expect(delivery?.headers['content-type']).toBe('application/json; charset=utf-8');

    const history = await s.call('listWebhookDeliveries', {
      params: { workspaceId: s.workspaceId, webhookId: webhook.id },
    });
    expect(history.deliveries).toEqual([
      expect.objectContaining({
        eventId: body.id,
        eventType: 'channel.created',
        status: 'succeeded',
        attempts: 1,
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
        history: [expect.objectContaining({ attempt: 1, outcome: 'succeeded', statusCode: 200, error: null })],
      }),
    ]);
  });

  it('carries voice, channel, membership and security events, each only to endpoints that subscribed to it', async () => {
    const s = await setup();
    const all = await createWebhook(s, [
      'voice.member_joined',
      'voice.member_left',
      'channel.deleted',
      'member.invited',
      'member.joined',
      'security.role_changed',
      'security.webhook_changed',
    ]);
    const voiceOnly = await createWebhook(s, ['voice.member_joined'], s.receiver.url('/voice-only'));
    const channel = await createChannel(s);
    const invite = await s.call('createInvite', {
      params: { workspaceId: s.workspaceId },
      body: { role: 'member' },
    });
    const bob = await signUpAndIn(s.t.server, 'bob');
    await bob.call('acceptInvite', { body: { code: invite.code } });
    await s.call('setMemberRole', {
      params: { workspaceId: s.workspaceId, userId: bob.user.id },
      body: { role: 'admin' },
    });
    const { socket } = await connectSocket(s.t.server, bob, s.workspaceId);
    socket.send({ type: 'room.join', channelId: channel.id });
    await socket.next('room.joined');
    socket.send({ type: 'room.leave', channelId: channel.id });
    await socket.next('room.left');
    socket.ws.close();
    await socket.closed;
    await s.call('deleteChannel', { params: { workspaceId: s.workspaceId, channelId: channel.id } });
    await s.t.server.webhooks.runDue();

    const at = (path: string) =>
      s.receiver.received.filter((r) => r.path === path).map((r) => webhookEventBodySchema.parse(JSON.parse(r.body)));
    const toAll = at('/hooks/whoot');
    expect(toAll.map((body) => body.type).sort()).toEqual(
      [
        // Its own creation, then the second endpoint's: security events about webhooks.
        'security.webhook_changed',
        'security.webhook_changed',
        'member.invited',
        'member.joined',
        'security.role_changed',
        'voice.member_joined',
        'voice.member_left',
        'channel.deleted',
      ].sort(),
    );
    expect(at('/voice-only').map((body) => body.type)).toEqual(['voice.member_joined']);
    // The store's record of what went where agrees with what arrived.
    expect((await deliveries(s, all.webhook.id)).every((d) => d.status === 'succeeded')).toBe(true);
    expect(await deliveries(s, all.webhook.id)).toHaveLength(toAll.length);
    expect(await deliveries(s, voiceOnly.webhook.id)).toHaveLength(1);

    const byType = new Map(toAll.map((body) => [body.type, body]));
    expect(byType.get('voice.member_joined')?.data).toEqual({ channelId: channel.id, userId: bob.user.id });
    expect(byType.get('member.invited')?.data).toEqual({
      actorUserId: s.owner.user.id,
      inviteId: expect.any(String),
      role: 'member',
      maxUses: 1,
    });
    expect(byType.get('member.joined')?.data).toEqual({ userId: bob.user.id });
    expect(byType.get('security.role_changed')?.data).toEqual({
      actorUserId: s.owner.user.id,
      userId: bob.user.id,
      from: 'member',
      to: 'admin',
    });
    const webhookChanges = toAll.flatMap((body) => (body.type === 'security.webhook_changed' ? [body.data] : []));
    expect(webhookChanges.sort((a, b) => a.webhookId.localeCompare(b.webhookId))).toEqual(
      [
        { actorUserId: s.owner.user.id, webhookId: all.webhook.id, change: 'created' },
        { actorUserId: s.owner.user.id, webhookId: voiceOnly.webhook.id, change: 'created' },
      ].sort((a, b) => a.webhookId.localeCompare(b.webhookId)),
    );
    // The same event reaches both endpoints under one id.
    const joinedIds = s.receiver.received
      .filter((r) => r.headers[WEBHOOK_HEADERS.eventType] === 'voice.member_joined')
      .map((r) => r.headers[WEBHOOK_HEADERS.eventId]);
    expect(joinedIds).toHaveLength(2);
    expect(new Set(joinedIds).size).toBe(1);
  });
});

describe('retries', () => {
  it('a receiver that fails three times then succeeds gets exactly one success, with the same event id and body', async () => {
    const s = await setup({ responder: (index) => (index < 3 ? 500 : 200) });
    const { webhook, secret } = await createWebhook(s, ['channel.created']);
    await createChannel(s);
    await s.t.server.webhooks.runDue();
    expect(s.receiver.received).toHaveLength(1);

    for (const [index, delay] of WEBHOOK_RETRY_DELAYS_MS.slice(0, 3).entries()) {
      // Not before the backoff (plus its jitter) has passed.
      s.clock.now += delay;
      await s.t.server.webhooks.runDue();
      expect(s.receiver.received).toHaveLength(index + 1);
      s.clock.now += after(delay) - delay;
      await s.t.server.webhooks.runDue();
      expect(s.receiver.received).toHaveLength(index + 2);
    }
    // Succeeded: nothing more, however long we wait.
    s.clock.now += 24 * 3600_000;
    await s.t.server.webhooks.runDue();
    expect(s.receiver.received).toHaveLength(4);

    const ids = s.receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.eventId]);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(s.receiver.received.map((r) => r.body)).size).toBe(1);
    expect(s.receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.attempt])).toEqual(['1', '2', '3', '4']);
    // Each attempt is signed afresh (a new t), and each verifies.
    for (const r of s.receiver.received)
      expect(verifiesAsDocumented(r.headers[WEBHOOK_SIGNATURE_HEADER], r.body, secret)).toBe(true);

    const [delivery] = await deliveries(s, webhook.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, nextAttemptAt: null });
    expect(delivery?.history.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'http_error', 500],
      [2, 'http_error', 500],
      [3, 'http_error', 500],
      [4, 'succeeded', 200],
    ]);
    // Response bodies are never kept: the receiver's text appears nowhere in the database.
    expect(await storeContains(s.t, 'not stored by the sender')).toBe(false);
  });

  it('marks a delivery failed after five attempts, shows the history, and a manual redeliver sends it once more', async () => {
    const s = await setup({ responder: (index) => (index < 5 ? 503 : 204) });
    const { webhook } = await createWebhook(s, ['channel.created']);
    await createChannel(s);
    await s.t.server.webhooks.runDue();
    for (const delay of WEBHOOK_RETRY_DELAYS_MS) {
      s.clock.now += after(delay);
      await s.t.server.webhooks.runDue();
    }
    s.clock.now += 12 * 3600_000;
    await s.t.server.webhooks.runDue();
    expect(s.receiver.received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);

    const listed = await s.call('listWebhookDeliveries', {
      params: { workspaceId: s.workspaceId, webhookId: webhook.id },
    });
    const [failed] = listed.deliveries;
    expect(failed).toMatchObject({ status: 'failed', attempts: 5, maxAttempts: 5, nextAttemptAt: null });
    expect(failed?.history.map((a) => a.outcome)).toEqual(Array(5).fill('http_error'));

    const { delivery } = await s.call('redeliverWebhook', {
      params: { workspaceId: s.workspaceId, webhookId: webhook.id, eventId: failed?.eventId ?? '' },
    });
    expect(delivery).toMatchObject({ status: 'pending', attempts: 5, maxAttempts: 6 });
    await s.t.server.webhooks.runDue();
    expect(s.receiver.received).toHaveLength(6);
    expect(s.receiver.received[5]?.headers[WEBHOOK_HEADERS.eventId]).toBe(failed?.eventId);
    expect(s.receiver.received[5]?.headers[WEBHOOK_HEADERS.attempt]).toBe('6');
    const [after6] = await deliveries(s, webhook.id);
    expect(after6).toMatchObject({ status: 'succeeded', attempts: 6 });
  });

  it('a restart in the middle of the backoff resumes the queue: the retry goes out once, with the same event', async () => {
    const receiver = await startWebhookReceiver({ responder: (index) => (index === 0 ? 502 : 200) });
    cleanups.push(() => receiver.close());
    const first = await serverFor(receiver, { dataDir: undefined });
    const dataDir = first.t.dataDir;
    const { webhook } = await createWebhook(first, ['channel.created']);
    await createChannel(first);
    await first.t.server.webhooks.runDue();
    expect(receiver.received).toHaveLength(1);
    await first.t.server.close();

    const clock = { now: first.clock.now + 30_000 };
    const second = await startTestServer(
      { webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 60_000 } },
      dataDir,
      { now: () => clock.now, random: () => 0.5 },
    );
    cleanups.push(() => second.close());
    // Half way through the first backoff: nothing is resent just because the server started again.
    await second.server.webhooks.runDue();
    expect(receiver.received).toHaveLength(1);
    clock.now += after(WEBHOOK_RETRY_DELAYS_MS[0] ?? 0);
    await second.server.webhooks.runDue();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.headers[WEBHOOK_HEADERS.eventId]).toBe(
      receiver.received[0]?.headers[WEBHOOK_HEADERS.eventId],
    );
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
    const [delivery] = await second.server.store.forWorkspace(first.workspaceId).webhooks.deliveries(webhook.id, 10);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('an attempt cut off by a shutdown counts as made and is never sent again under its number', async () => {
    const receiver = await startWebhookReceiver({ responder: (index) => (index === 0 ? 'hang' : 200) });
    cleanups.push(() => receiver.close());
    const first = await serverFor(receiver, { dataDir: undefined });
    const { webhook } = await createWebhook(first, ['channel.created']);
    await createChannel(first);
    const running = first.t.server.webhooks.runDue();
    await receiver.waitFor(1);
    await first.t.server.close();
    await running;

    const clock = { now: first.clock.now };
    const second = await startTestServer(
      { webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 60_000 } },
      first.t.dataDir,
      { now: () => clock.now, random: () => 0.5 },
    );
    cleanups.push(() => second.close());
    await second.server.webhooks.runDue();
    expect(receiver.received).toHaveLength(1);
    clock.now += after(WEBHOOK_RETRY_DELAYS_MS[0] ?? 0);
    await second.server.webhooks.runDue();
    expect(receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.attempt])).toEqual(['1', '2']);
    const [delivery] = await second.server.store.forWorkspace(first.workspaceId).webhooks.deliveries(webhook.id, 10);
    expect(delivery?.history.map((a) => a.outcome)).toEqual(['interrupted', 'succeeded']);
  });
});

describe('signing secrets', () => {
  it('is shown once; a rotation signs with old and new during the grace period, then with the new one only', async () => {
    const s = await setup();
    const { webhook, secret: oldSecret } = await createWebhook(s, ['channel.created']);
    const listed = await s.call('listWebhooks', { params: { workspaceId: s.workspaceId } });
    expect(JSON.stringify(listed)).not.toContain(oldSecret);
    expect(await storeContains(s.t, oldSecret)).toBe(false);

    const rotated = await s.call('rotateWebhookSecret', {
      params: { workspaceId: s.workspaceId, webhookId: webhook.id },
      body: { graceSeconds: 3600 },
    });
    const newSecret = rotated.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.webhook.secrets).toEqual([
      { createdAt: expect.any(Number), expiresAt: null },
      { createdAt: expect.any(Number), expiresAt: s.clock.now + 3600_000 },
    ]);
    await createChannel(s, 'during-grace');
    await s.t.server.webhooks.runDue();
    const during = s.receiver.received[0];
    expect(during?.headers[WEBHOOK_SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifiesAsDocumented(during?.headers[WEBHOOK_SIGNATURE_HEADER], during?.body ?? '', oldSecret)).toBe(true);
    expect(verifiesAsDocumented(during?.headers[WEBHOOK_SIGNATURE_HEADER], during?.body ?? '', newSecret)).toBe(true);

    s.clock.now += 3600_000 + 1000;
    await createChannel(s, 'after-grace');
    await s.t.server.webhooks.runDue();
    const later = s.receiver.received[1];
    expect(later?.headers[WEBHOOK_SIGNATURE_HEADER]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifiesAsDocumented(later?.headers[WEBHOOK_SIGNATURE_HEADER], later?.body ?? '', oldSecret)).toBe(false);
    expect(verifiesAsDocumented(later?.headers[WEBHOOK_SIGNATURE_HEADER], later?.body ?? '', newSecret)).toBe(true);
  });
});
