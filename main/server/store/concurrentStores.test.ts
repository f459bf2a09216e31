import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { createStoreTestKit, MINUTE, STORE_BACKENDS, type StoreTestKit } from './storeTestKit';
import type { Store, User, WorkspaceScope } from './types';

/**
 * Two stores over one database, as two server nodes (two connection pools) would hold it, racing each other on
 * every compare-and-set the store promises. On SQLite both run on one event loop and so take turns; on PostgreSQL
 * their transactions really interleave, and only the locking in each method keeps the promise.
 */
describe.each(STORE_BACKENDS)('two %s stores on one database', (backend) => {
  let kit: StoreTestKit;
  let nodeA: Store;
  let nodeB: Store;
  let owner: User;
  let scopeA: WorkspaceScope;
  let scopeB: WorkspaceScope;

  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    nodeA = await kit.open();
    nodeB = await kit.open();
    const created = await nodeA.users.create({ email: 'owner@example.com', displayName: 'Owner', passwordHash: 'h' });
    if (!created.ok) throw new Error(created.error.code);
    owner = created.value;
    const ws = await nodeA.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: owner.id });
    if (!ws.ok) throw new Error(ws.error.code);
    scopeA = nodeA.forWorkspace(ws.value.id);
    scopeB = nodeB.forWorkspace(ws.value.id);
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  const both = <T>(count: number, run: (node: Store, scope: WorkspaceScope, i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? run(nodeA, scopeA, i) : run(nodeB, scopeB, i))));

  it('append to one audit chain without a fork: audit verify passes after the race', async () => {
    await both(60, (node, _scope, i) => node.audit.append({ type: 'load', details: { i } }));
    expect(await nodeA.audit.verify()).toMatchObject({ ok: true, entries: 60 });
    expect(await nodeB.audit.verify()).toEqual(await nodeA.audit.verify());
    const entries = await nodeB.audit.since(0, 100);
    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(entries.map((entry) => (entry.details as { i: number }).i)).size).toBe(60);
  });

  it('number one workspace’s events 1..n, no gap, no repeat', async () => {
    const events = await both(60, (_node, scope, i) => scope.events.append('tick', { i }));
    expect(events.map((event) => event.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect((await scopeB.events.since(0, 100)).map((event) => event.seq)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });

  it('number one channel’s messages 1..n', async () => {
    const channel = await scopeA.channels.create({ name: 'chat', kind: 'text' });
    const posts = await both(30, (_node, scope, i) =>
      scope.messages.post({
        channelId: channel.id,
        author: { kind: 'member', userId: owner.id },
        body: `m${i}`,
        mentions: [],
        attachments: [],
      }),
    );
    const positions = posts.map((post) => (post.ok ? post.value.position : -1)).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('keep one post per nonce when a retry reaches the other node at the same moment', async () => {
    const channel = await scopeA.channels.create({ name: 'chat', kind: 'text' });
    const nonce = newId(kit.clock.now);
    const posts = await both(6, (_node, scope, i) =>
      scope.messages.post({
        channelId: channel.id,
        author: { kind: 'member', userId: owner.id },
        body: `attempt ${i}`,
        mentions: [],
        attachments: [],
        nonce,
      }),
    );
    expect(posts.filter((post) => post.ok)).toHaveLength(1);
    expect(posts.filter((post) => !post.ok).map((post) => !post.ok && post.error.code)).toEqual(
      Array(5).fill('duplicate_nonce'),
    );
    const page = await scopeB.messages.page(channel.id, null, 10);
    expect(page?.messages).toHaveLength(1);
    expect((await scopeB.messages.byNonce(owner.id, nonce))?.id).toBe(page?.messages[0]?.id);
  });

  it('hand each due webhook delivery to one of them only', async () => {
    const endpoint = await scopeA.webhooks.create({
      url: 'https://receiver.example.com/hook',
      description: 'r',
      events: ['tick'],
      enabled: true,
      createdBy: owner.id,
      secret: 'webhook-secret',
    });
    const cursor = (await nodeA.webhookQueue.cursors())[0]!;
    const events = Array.from({ length: 24 }, (_, i) => ({
      id: newId(),
      type: 'tick',
      data: { i },
      occurredAt: kit.clock.now,
    }));
    // Both nodes fan out the same range: one moves the cursor and queues, the other queues nothing.
    const fanned = await Promise.all(
      [nodeA, nodeB].map((node) =>
        node.webhookQueue.fanOut({ cursor, next: { eventSeq: 24, auditSeq: cursor.auditSeq }, events }),
      ),
    );
    expect(fanned.sort()).toEqual([0, 24]);
    const claimed: string[] = [];
    const drain = async (node: Store) => {
      for (;;) {
        const batch = await node.webhookQueue.claimDue({ limit: 3, leaseMs: 60_000 });
        if (batch.length === 0) return;
        for (const delivery of batch) {
          expect(delivery).toMatchObject({ endpointId: endpoint.id, attempt: 1 });
          claimed.push(delivery.eventId);
        }
      }
    };
    await Promise.all([drain(nodeA), drain(nodeB), drain(nodeA), drain(nodeB)]);
    expect(claimed.sort()).toEqual(events.map((event) => event.id).sort());
    expect(await nodeB.webhookQueue.counts()).toEqual({ pending: 0, in_flight: 24, succeeded: 0, failed: 0 });
    // Finishing one attempt twice (a retry of the call, another node) counts once.
    const finish = (node: Store) =>
      node.webhookQueue.finish({
        endpointId: endpoint.id,
        eventId: events[0]!.id,
        attempt: 1,
        result: { outcome: 'succeeded', statusCode: 200, error: null },
        retryAt: kit.clock.now,
        standardAttempts: 5,
      });
    expect((await Promise.all([finish(nodeA), finish(nodeB)])).sort()).toEqual(['stale', 'succeeded']);
  });

  it('give the last use of an invite to one of two simultaneous redemptions', async () => {
    const invite = await scopeA.invites.create({
      code: 'last-use-code-0123456789',
      createdBy: owner.id,
      role: 'member',
      maxUses: 1,
      expiresAt: kit.clock.now + 60 * MINUTE,
    });
    const users = await Promise.all(
      ['x', 'y', 'z', 'w'].map(async (name) => {
        const created = await nodeA.users.create({
          email: `${name}@example.com`,
          displayName: name,
          passwordHash: 'h',
        });
        if (!created.ok) throw new Error(created.error.code);
        return created.value;
      }),
    );
    const outcomes = await Promise.all(
      users.map((user, i) => (i % 2 === 0 ? nodeA : nodeB).invites.redeem('last-use-code-0123456789', user.id)),
    );
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ok).map((outcome) => !outcome.ok && outcome.reason)).toEqual([
      'used_up',
      'used_up',
      'used_up',
    ]);
    expect((await scopeB.invites.get(invite.id))?.uses).toBe(1);
    expect(await scopeB.members.count()).toBe(2);
  });

  it('rotate one refresh token once; the copy presented at the same time counts as reuse', async () => {
    await nodeA.sessions.create({
      id: newId(),
      userId: owner.id,
      secret: Buffer.alloc(32, 1),
      refreshTokenHash: 'token-hash-1',
      idleExpiresAt: kit.clock.now + 60 * MINUTE,
      absoluteExpiresAt: kit.clock.now + 600 * MINUTE,
    });
    const successor = (id: string) => ({
      id,
      secret: Buffer.alloc(32, 2),
      refreshTokenHash: `next-${id}`,
      idleExpiresAt: kit.clock.now + 60 * MINUTE,
    });
    const outcomes = await Promise.all([
      nodeA.sessions.rotateRefresh('token-hash-1', successor(newId())),
      nodeB.sessions.rotateRefresh('token-hash-1', successor(newId())),
    ]);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(outcomes.find((outcome) => !outcome.ok)).toMatchObject({ ok: false, reason: 'reused' });
    // Reuse ended the family, the successor the winner got included.
    expect(await nodeB.sessions.listActive(owner.id)).toEqual([]);
  });

  it('accept one TOTP step, one recovery code and one nonce once', async () => {
    await nodeA.users.replaceRecoveryCodes(owner.id, ['code-1']);
    const steps = await both(6, (node) => node.users.advanceTotpStep(owner.id, 1000));
    expect(steps.filter(Boolean)).toHaveLength(1);
    const codes = await both(6, (node) => node.users.consumeRecoveryCode(owner.id, 'code-1'));
    expect(codes.filter(Boolean)).toHaveLength(1);
    const nonces = await both(6, (node) => node.nonces.remember('session-1', 'nonce-1', 2000, 1000));
    expect(nonces.filter(Boolean)).toHaveLength(1);
  });

  it('make only one first account the server owner', async () => {
    await kit.cleanup();
    kit = createStoreTestKit(backend);
    nodeA = await kit.open();
    nodeB = await kit.open();
    const created = await both(8, (node, _scope, i) =>
      node.users.create({ email: `first${i}@example.com`, displayName: `F${i}`, passwordHash: 'h' }),
    );
    expect(created.filter((result) => result.ok && result.value.serverOwner)).toHaveLength(1);
  });

  it('keep a workspace inside its file quota when two uploads commit at once', async () => {
    const channel = await scopeA.channels.create({ name: 'files', kind: 'text' });
    const uploads = [scopeA, scopeB].map((scope) =>
      scope.files.startUpload({
        channelId: channel.id,
        uploaderId: owner.id,
        name: 'f.bin',
        contentType: 'application/octet-stream',
      }),
    );
    for (const upload of uploads) await upload.writeFrom(Readable.from([Buffer.alloc(600, 7)]));
    const results = await Promise.all(uploads.map((upload) => upload.commit(600, 1000)));
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.find((result) => !result.ok)).toMatchObject({ ok: false, error: { code: 'quota_exceeded' } });
    expect(await scopeB.files.usedBytes()).toBe(600);
  });
});
