import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, trustContext } from '../../main/server/webhooks/httpsDelivery';
import type { LookupAll } from '../../main/server/webhooks/targetAddress';
import { WEBHOOK_HEADERS } from '../../shared/webhookEvents';
import { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../../shared/webhookSignature';
import { hmacSha256Hex } from '../../main/server/webhooks/signing';
import { expectError, signedCall, rawRequest } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

/**
 * Webhooks as an attacker would use them: to make the server send requests into its own network (SSRF), to read or
 * change another workspace's endpoints, or to sit in a delivery's path. Each refusal is checked together with the
 * state it must leave exactly as it was.
 */

let t: TestServer;
let receiver: WebhookReceiver;
let ada: TestClient;
let mallory: TestClient;
let eve: TestClient;
let wsA: string;
let wsB: string;
let webhookA: string;
let secretA: string;
/** What the hostile DNS server answers, by name. */
const dns = new Map<string, { address: string; family: number }[]>();
const lookups: string[] = [];
const lookup: LookupAll = async (hostname) => {
  lookups.push(hostname);
  const answer = dns.get(hostname);
  if (answer === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answer;
};

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestServer(
    {
      webhooks: {
        caFile: receiver.caFile,
        allowPrivateTargets: [receiver.target],
        pollIntervalMs: 60_000,
        responseTimeoutMs: 500,
      },
    },
    undefined,
    { webhookLookup: lookup },
  );
  [ada, mallory, eve] = await Promise.all([
    signUpAndIn(t.server, 'ada'),
    signUpAndIn(t.server, 'mallory'),
    signUpAndIn(t.server, 'eve'),
  ]);
  wsA = (await ada.call('createWorkspace', { body: { slug: 'hooks-a', name: 'A' } })).workspace.id;
  wsB = (await eve.call('createWorkspace', { body: { slug: 'hooks-b', name: 'B' } })).workspace.id;
  const invite = await ada.call('createInvite', { params: { workspaceId: wsA }, body: { role: 'member' } });
  await mallory.call('acceptInvite', { body: { code: invite.code } });
  const created = await ada.call('createWebhook', {
    params: { workspaceId: wsA },
    body: { url: receiver.url('/a'), events: ['channel.created'] },
  });
  webhookA = created.webhook.id;
  secretA = created.secret;
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

/** Everything about webhooks in a workspace, through the store, so a change by any route would show. */
async function webhookState(workspaceId: string) {
  const scope = t.server.store.forWorkspace(workspaceId);
  const webhooks = await scope.webhooks.list();
  return {
    webhooks,
    deliveries: await Promise.all(webhooks.map((w) => scope.webhooks.deliveries(w.id, 100))),
    audit: await scope.audit.since(0, 1000),
    cursors: await t.server.store.webhookQueue.cursors(),
  };
}

describe('endpoint URLs refused at configuration', () => {
  const refused: [string, string, RegExp][] = [
    ['plain http', 'http://hooks.example.com/whoot', /https/],
    ['another scheme', 'ftp://hooks.example.com/whoot', /https/],
    ['not a URL', 'hooks.example.com/whoot', /https:\/\//],
    ['credentials in the URL', 'https://user:secret@hooks.example.com/', /user name or password/],
    ['loopback', 'https://127.0.0.1/hook', /loopback/],
    ['loopback on the receiver port by name', 'https://localhost:PORT/hook', /localhost/],
    ['private', 'https://10.0.0.5/hook', /private/],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', /link-local/],
    ['carrier-grade NAT', 'https://100.64.1.1/', /carrier-grade/],
    ['unspecified', 'https://0.0.0.0/', /unspecified/],
    ['multicast', 'https://224.0.0.1/', /multicast/],
    ['IPv6 loopback', 'https://[::1]/', /loopback/],
    ['IPv4-mapped private', 'https://[::ffff:10.0.0.5]/', /private/],
    ['IPv6 unique local', 'https://[fd12:3456::1]/', /unique local/],
    ['IPv6 link-local', 'https://[fe80::1]/', /link-local/],
  ];
  for (const [label, template, message] of refused) {
    it(`refuses ${label} and stores nothing`, async () => {
      const url = template.replace('PORT', String(receiver.port));
      const before = await webhookState(wsA);
      const response = await signedCall(t.server, ada, 'createWebhook', {
        params: { workspaceId: wsA },
        body: { url, events: ['channel.created'] },
      });
      expect(response.status).toBe(400);
      expect((response.json as { error: { code: string; message: string } }).error.message).toMatch(message);
      expect(['invalid_input', 'webhook_url_refused']).toContain(
        (response.json as { error: { code: string } }).error.code,
      );
      expect(await webhookState(wsA)).toEqual(before);
    });
  }

  it('refuses the same URLs when an existing endpoint is changed, leaving it as it was', async () => {
    const before = await webhookState(wsA);
    for (const url of ['http://hooks.example.com/', 'https://169.254.169.254/', 'https://[::ffff:127.0.0.1]/']) {
      const response = await signedCall(t.server, ada, 'updateWebhook', {
        params: { workspaceId: wsA, webhookId: webhookA },
        body: { url },
      });
      expect(response.status).toBe(400);
    }
    expect(await webhookState(wsA)).toEqual(before);
  });
});

describe('names that resolve inside, refused at delivery', () => {
  it('never connects when a name resolves to a private, metadata or mapped loopback address, or to a mix', async () => {
    dns.set('internal.example.test', [{ address: '10.0.0.5', family: 4 }]);
    dns.set('metadata.example.test', [{ address: '169.254.169.254', family: 4 }]);
    dns.set('mapped.example.test', [{ address: '::ffff:127.0.0.1', family: 6 }]);
    // One public answer does not launder an internal one beside it.
    dns.set('mixed.example.test', [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]);
    const names = ['internal', 'metadata', 'mapped', 'mixed'];
    const ids: string[] = [];
    for (const name of names) {
      const created = await ada.call('createWebhook', {
        params: { workspaceId: wsA },
        body: { url: `https://${name}.example.test:${receiver.port}/hook`, events: ['channel.deleted'] },
      });
      ids.push(created.webhook.id);
    }
    const channel = (await ada.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'x' } })).channel;
    await ada.call('deleteChannel', { params: { workspaceId: wsA, channelId: channel.id } });
    await t.server.webhooks.runDue();

    // Only A's own endpoint (/a, subscribed to channel.created) heard anything; /hook was never reached.
    expect(receiver.received.filter((r) => r.path === '/hook')).toEqual([]);
    for (const [index, id] of ids.entries()) {
      const [delivery] = await t.server.store.forWorkspace(wsA).webhooks.deliveries(id, 10);
      expect(delivery?.status).toBe('pending');
      expect(delivery?.history).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'refused_address', statusCode: null }),
      ]);
      expect(delivery?.history[0]?.error).toMatch(/only to public internet addresses/);
      expect(lookups).toContain(`${names[index]}.example.test`);
    }
    for (const id of ids) await ada.call('deleteWebhook', { params: { workspaceId: wsA, webhookId: id } });
  });

  it('connects to the address that was checked, not to whatever the name resolves to later', async () => {
    // rebind.test resolves nowhere on this machine: the delivery can only arrive because the socket used the
    // pinned address, never a second lookup.
    const pinnedReceiver = await startWebhookReceiver({ dnsNames: ['rebind.test'] });
    try {
      const result = await postWebhook({
        url: new URL(`https://rebind.test:${pinnedReceiver.port}/pinned`),
        address: { address: '127.0.0.1', family: 4 },
        body: '{}',
        headers: { 'content-type': 'application/json' },
        trust: trustContext(readFileSync(pinnedReceiver.caFile, 'utf8')),
        connectTimeoutMs: 2000,
        responseTimeoutMs: 2000,
      });
      expect(result).toEqual({ outcome: 'succeeded', statusCode: 200, error: null });
      expect(pinnedReceiver.received.map((r) => [r.path, r.headers.host])).toEqual([
        ['/pinned', `rebind.test:${pinnedReceiver.port}`],
      ]);
    } finally {
      await pinnedReceiver.close();
    }
  });
});

describe('the delivery path', () => {
  it('does not follow redirects, refuses an untrusted certificate, and times out a silent receiver', async () => {
    const scope = t.server.store.forWorkspace(wsA);
    const base = receiver.received.length;
    receiver.respondWith(() => 302);
    await ada.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'redirect' } });
    await t.server.webhooks.runDue();
    expect(receiver.received.length).toBe(base + 1);
    let [delivery] = await scope.webhooks.deliveries(webhookA, 1);
    expect(delivery?.history[0]).toMatchObject({
      outcome: 'http_error',
      statusCode: 302,
      error: 'redirects are not followed',
    });

    receiver.respondWith(() => 'hang');
    await ada.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'silent' } });
    await t.server.webhooks.runDue();
    [delivery] = await scope.webhooks.deliveries(webhookA, 1);
    expect(delivery?.history[0]).toMatchObject({ outcome: 'timeout', statusCode: null });

    // A second receiver whose certificate this server was never told to trust.
    const stranger = await startWebhookReceiver();
    try {
      const result = await postWebhook({
        url: new URL(stranger.url()),
        address: { address: '127.0.0.1', family: 4 },
        body: '{}',
        headers: {},
        connectTimeoutMs: 2000,
        responseTimeoutMs: 2000,
      });
      expect(result.outcome).toBe('network_error');
      expect(result.error).toMatch(/TLS certificate not accepted/);
      expect(stranger.received).toHaveLength(0);
    } finally {
      await stranger.close();
      receiver.respondWith(() => 200);
    }
  });
});

describe('roles and tenants', () => {
  it('a member cannot create, read, change or rotate webhooks (403), and nothing changes', async () => {
    const before = await webhookState(wsA);
    const attempts = [
      await signedCall(t.server, mallory, 'createWebhook', {
        params: { workspaceId: wsA },
        body: { url: 'https://hooks.example.com/steal', events: ['member.joined'] },
      }),
      await signedCall(t.server, mallory, 'listWebhooks', { params: { workspaceId: wsA } }),
      await signedCall(t.server, mallory, 'updateWebhook', {
        params: { workspaceId: wsA, webhookId: webhookA },
        body: { url: 'https://hooks.example.com/steal' },
      }),
      await signedCall(t.server, mallory, 'rotateWebhookSecret', {
        params: { workspaceId: wsA, webhookId: webhookA },
        body: {},
      }),
      await signedCall(t.server, mallory, 'listWebhookDeliveries', {
        params: { workspaceId: wsA, webhookId: webhookA },
      }),
      await signedCall(t.server, mallory, 'deleteWebhook', { params: { workspaceId: wsA, webhookId: webhookA } }),
    ];
    for (const response of attempts) expectError(response, 403, 'forbidden');
    expect(await webhookState(wsA)).toEqual(before);
  });

  it("another workspace's admin gets the same 404 for A's webhook as for an id that does not exist", async () => {
    const before = await webhookState(wsA);
    const eventId = randomUUID();
    const probes = (workspaceId: string, webhookId: string) =>
      [
        ['listWebhooks', { params: { workspaceId } }],
        ['updateWebhook', { params: { workspaceId, webhookId }, body: { enabled: false } }],
        ['deleteWebhook', { params: { workspaceId, webhookId } }],
        ['rotateWebhookSecret', { params: { workspaceId, webhookId }, body: { graceSeconds: 0 } }],
        ['listWebhookDeliveries', { params: { workspaceId, webhookId } }],
        ['redeliverWebhook', { params: { workspaceId, webhookId, eventId } }],
      ] as const;
    // A's workspace in the path: eve is not a member; B's path with A's webhook id: not B's webhook.
    for (const [path, random] of [
      [wsA, randomUUID()],
      [wsB, randomUUID()],
    ] as const) {
      for (const [index, [name, input]] of probes(path, webhookA).entries()) {
        const foreign = await signedCall(t.server, eve, name, input);
        const [, control] = probes(path === wsA ? randomUUID() : wsB, random)[index] ?? [];
        const unknown = await signedCall(t.server, eve, name, control ?? {});
        if (name === 'listWebhooks' && path === wsB) {
          expect(foreign.status).toBe(200);
          expect(JSON.stringify(foreign.json)).not.toContain(webhookA);
          continue;
        }
        expectError(foreign, 404, 'not_found');
        expectError(unknown, 404, 'not_found');
        expect(foreign.json).toEqual(unknown.json);
      }
    }
    expect(await webhookState(wsA)).toEqual(before);
  });

  it('refuses unsigned and replayed webhook calls with 401 and changes nothing', async () => {
    const before = await webhookState(wsA);
    const body = JSON.stringify({ url: 'https://hooks.example.com/x', events: ['member.joined'] });
    expectError(
      await rawRequest(t.server, { method: 'POST', path: `/v1/workspaces/${wsA}/webhooks`, body }),
      401,
      'missing_signature',
    );
    expect(await webhookState(wsA)).toEqual(before);
  });

  it('keeps signing with the same secret for the owner whatever others tried', async () => {
    const received = receiver.received.length;
    await ada.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'after-attacks' } });
    await t.server.webhooks.runDue();
    const last = receiver.received.at(-1);
    expect(receiver.received.length).toBeGreaterThan(received);
    expect(last?.headers[WEBHOOK_HEADERS.eventType]).toBe('channel.created');
    const verified = verifyWebhookSignature({
      header: last?.headers[WEBHOOK_SIGNATURE_HEADER],
      body: last?.body ?? '',
      secret: secretA,
      now: Math.floor(Date.now() / 1000),
      hmac: hmacSha256Hex,
    });
    expect(verified.ok).toBe(true);
  });
});
