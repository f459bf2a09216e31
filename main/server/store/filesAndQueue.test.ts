import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from './ids';
import { dataKeySet, generateDataKey } from './keyMaterial';
import { openStore } from './sqliteStore';
import { createStoreTestKit, MINUTE, STORE_BACKENDS, type StoreTestKit } from './storeTestKit';
import type { Store, User, WorkspaceScope } from './types';

const readAll = (content: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    content.on('data', (chunk: Buffer) => chunks.push(chunk));
    content.on('end', () => resolve(Buffer.concat(chunks)));
    content.on('error', reject);
  });

/** File contents and the webhook queue's whole life, on each backend (blobs on disk or in PostgreSQL). */
describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  let owner: User;
  let scope: WorkspaceScope;
  let channelId: string;

  beforeEach(async () => {
    kit = createStoreTestKit(backend);
    store = await kit.open();
    const created = await store.users.create({ email: 'o@example.com', displayName: 'O', passwordHash: 'h' });
    if (!created.ok) throw new Error(created.error.code);
    owner = created.value;
    const ws = await store.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: owner.id });
    if (!ws.ok) throw new Error(ws.error.code);
    scope = store.forWorkspace(ws.value.id);
    channelId = (await scope.channels.create({ name: 'files', kind: 'text' })).id;
  });
  afterEach(async () => {
    await kit.cleanup();
  });

  async function upload(content: Buffer, name = 'a.bin') {
    const pending = scope.files.startUpload({
      channelId,
      uploaderId: owner.id,
      name,
      contentType: 'application/octet-stream',
    });
    await pending.writeFrom(Readable.from([content]));
    const committed = await pending.commit(content.length, 64 * 1024 * 1024);
    if (!committed.ok) throw new Error(committed.error.code);
    return committed.value;
  }

  describe('files', () => {
    it('stores contents encrypted, reads them back whole, and deletes them with the row', async () => {
      const content = Buffer.alloc(2 * 1024 * 1024 + 5, 0x5a);
      const file = await upload(content, 'report.pdf');
      expect(file).toMatchObject({ name: 'report.pdf', size: content.length, keyId: kit.keyA.id, messageId: null });
      expect(await scope.files.usedBytes()).toBe(content.length);
      expect((await readAll((await scope.files.open(file.id))!.content)).equals(content)).toBe(true);
      expect(await scope.files.remove(file.id)).toMatchObject({ id: file.id });
      expect(await scope.files.open(file.id)).toBeUndefined();
      expect(await scope.files.usedBytes()).toBe(0);
    });

    it('re-encrypts contents under a new key on rotation, and reads them after', async () => {
      const content = Buffer.from('the quarterly numbers');
      const file = await upload(content);
      const rotated = await kit.open(dataKeySet(kit.keyB, [kit.keyA]));
      const report = await rotated.dataKeys.rotate();
      expect(report.columns).toContainEqual({ table: 'files', column: 'blob', reencrypted: 1 });
      expect((await rotated.dataKeys.usage()).filter((usage) => usage.column === 'blob')).toEqual([
        { table: 'files', column: 'blob', keyId: kit.keyB.id, values: 1 },
      ]);
      const reread = await rotated.forWorkspace(scope.workspaceId).files.open(file.id);
      expect((await readAll(reread!.content)).equals(content)).toBe(true);
      // Only key B is needed now: a store without A opens and reads the file.
      const onlyB = await kit.open(dataKeySet(kit.keyB));
      expect(
        (await readAll((await onlyB.forWorkspace(scope.workspaceId).files.open(file.id))!.content)).equals(content),
      ).toBe(true);
    });

    it('never serves a blob changed at rest as if it were whole', async () => {
      const file = await upload(Buffer.alloc(100_000, 1));
      if (backend === 'sqlite') {
        const { readFileSync, writeFileSync } = await import('node:fs');
        const { join } = await import('node:path');
        const path = join(kit.dir, 'files', file.id);
        const bytes = readFileSync(path);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 100) ^ 1, bytes.length - 100);
        writeFileSync(path, bytes);
      } else {
        const raw = await kit.sql();
        await raw.run(
          'UPDATE file_chunks SET data = overlay(data placing ? from 200) WHERE file_id = ? AND seq = 0',
          Buffer.from([0xff, 0x00, 0xff]),
          file.id,
        );
      }
      await expect(readAll((await scope.files.open(file.id))!.content)).rejects.toThrow(/authentication|ends early/);
    });

    it('sweeps uploads no message took, and leaves nothing of an aborted or refused upload', async () => {
      const kept = await upload(Buffer.from('kept'));
      const aborted = scope.files.startUpload({
        channelId,
        uploaderId: owner.id,
        name: 'x',
        contentType: 'text/plain',
      });
      await aborted.writeFrom(Readable.from([Buffer.from('never committed')]));
      await aborted.abort();
      const refused = scope.files.startUpload({
        channelId,
        uploaderId: owner.id,
        name: 'y',
        contentType: 'text/plain',
      });
      await refused.writeFrom(Readable.from([Buffer.alloc(1000)]));
      expect(await refused.commit(1000, 500)).toMatchObject({ ok: false, error: { code: 'quota_exceeded' } });
      kit.clock.now += 25 * 3600_000;
      expect(await store.files.sweep()).toBe(1);
      expect(await scope.files.get(kept.id)).toBeUndefined();
      if (backend === 'postgres') {
        expect(await (await kit.sql()).all('SELECT file_id FROM file_chunks')).toEqual([]);
      }
    });
  });

  // Blobs on disk only: PostgreSQL keeps a file's chunks in its own rows, committed with the file's row, so there
  // is no rename to lose and no such test for it.
  if (backend === 'sqlite') {
    describe('a crash between commit and rename', () => {
      it('the sweep finishes a committed upload whose rename was lost, and still removes a part no row names', async () => {
        const { existsSync, readdirSync, renameSync, utimesSync, writeFileSync } = await import('node:fs');
        const { join } = await import('node:path');
        const content = Buffer.from('committed just before the power went');
        const file = await upload(content);
        const dir = join(kit.dir, 'files');
        // What the disk may hold after the crash: the row and the synced part, without the rename.
        renameSync(join(dir, file.id), join(dir, `${file.id}.part`));
        // An upload cut off mid-write: a part no row names.
        const cutOff = join(dir, `${newId()}.part`);
        writeFileSync(cutOff, 'half an upload');
        const past = new Date(Date.now() - 3600_000);
        utimesSync(cutOff, past, past);
        utimesSync(join(dir, `${file.id}.part`), past, past);

        expect(await store.files.sweep({ partialMs: 60_000 })).toBe(1);
        expect(readdirSync(dir).sort()).toEqual([file.id]);
        expect(existsSync(cutOff)).toBe(false);
        expect((await readAll((await scope.files.open(file.id))!.content)).equals(content)).toBe(true);
      });
    });
  }

  describe('the webhook queue', () => {
    it('retries a failed attempt, finishes on success, can redeliver, and prunes what is done', async () => {
      const endpoint = await scope.webhooks.create({
        url: 'https://receiver.example.com/hook',
        description: 'r',
        events: ['message.created'],
        enabled: true,
        createdBy: owner.id,
        secret: 'first-secret',
      });
      const cursor = (await store.webhookQueue.cursors())[0]!;
      const event = { id: newId(), type: 'message.created', data: { n: 1 }, occurredAt: kit.clock.now };
      expect(
        await store.webhookQueue.fanOut({ cursor, next: { eventSeq: 1, auditSeq: cursor.auditSeq }, events: [event] }),
      ).toBe(1);
      const [first] = await store.webhookQueue.claimDue({ limit: 5, leaseMs: MINUTE });
      expect(first).toMatchObject({ attempt: 1, secrets: ['first-secret'], event: { id: event.id, data: { n: 1 } } });
      const retryAt = kit.clock.now + MINUTE;
      const failed = { outcome: 'http_error', statusCode: 500, error: 'x'.repeat(500) } as const;
      const key = { endpointId: endpoint.id, eventId: event.id };
      expect(
        await store.webhookQueue.finish({ ...key, attempt: 1, result: failed, retryAt, standardAttempts: 2 }),
      ).toBe('pending');
      expect(await store.webhookQueue.claimDue({ limit: 5, leaseMs: MINUTE })).toEqual([]);
      expect(await store.webhookQueue.nextWakeAt()).toBe(retryAt);
      kit.clock.now = retryAt;
      const [second] = await store.webhookQueue.claimDue({ limit: 5, leaseMs: MINUTE });
      expect(second?.attempt).toBe(2);
      // Its lease runs out: recovered as interrupted, and with two standard attempts used it has failed for good.
      kit.clock.now += 2 * MINUTE;
      expect(await store.webhookQueue.recoverExpiredLeases({ retryAt: () => kit.clock.now, standardAttempts: 2 })).toBe(
        1,
      );
      const delivery = await scope.webhooks.delivery(endpoint.id, event.id);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 2 });
      expect(delivery!.history.map((attempt) => attempt.outcome)).toEqual(['http_error', 'interrupted']);
      expect(delivery!.history[0]!.error).toHaveLength(200);
      // A redelivery grants one more attempt, which succeeds.
      expect(await scope.webhooks.redeliver(endpoint.id, event.id, 2)).toMatchObject({
        status: 'pending',
        extraAttempts: 1,
      });
      const [third] = await store.webhookQueue.claimDue({ limit: 5, leaseMs: MINUTE });
      const ok = { outcome: 'succeeded', statusCode: 200, error: null } as const;
      expect(
        await store.webhookQueue.finish({ ...key, attempt: third!.attempt, result: ok, retryAt, standardAttempts: 2 }),
      ).toBe('succeeded');
      expect(await store.webhookQueue.counts()).toEqual({ pending: 0, in_flight: 0, succeeded: 1, failed: 0 });
      // Secret rotation: both sign during the grace period.
      const rotated = await scope.webhooks.rotateSecret(endpoint.id, {
        secret: 'second-secret',
        retireAt: kit.clock.now + MINUTE,
      });
      expect(rotated!.secrets).toHaveLength(2);
      kit.clock.now += 10 * MINUTE;
      expect(await store.webhookQueue.prune(kit.clock.now)).toBe(1);
      expect(await scope.webhooks.deliveries(endpoint.id, 10)).toEqual([]);
      expect((await scope.webhooks.get(endpoint.id))!.secrets).toHaveLength(1);
    });
  });
});

/** The sealing where the addon does not load (Electron, other systems), through the store as uploads use it. */
describe('SQLite store sealing with node:crypto', () => {
  it('writes, reports the digest, commits and reads back what the native sealer would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whoot-node-sealing-'));
    const store = await openStore({
      file: join(dir, 'whoot.db'),
      keys: dataKeySet(generateDataKey()),
      blobSealing: 'node',
    });
    try {
      const created = await store.users.create({ email: 'o@example.com', displayName: 'O', passwordHash: 'h' });
      if (!created.ok) throw new Error(created.error.code);
      const ws = await store.workspaces.create({ slug: 'acme', name: 'Acme', ownerUserId: created.value.id });
      if (!ws.ok) throw new Error(ws.error.code);
      const scope = store.forWorkspace(ws.value.id);
      const channelId = (await scope.channels.create({ name: 'files', kind: 'text' })).id;
      const content = randomBytes(300_001);
      const pending = scope.files.startUpload({
        channelId,
        uploaderId: created.value.id,
        name: 'a.bin',
        contentType: 'application/octet-stream',
      });
      const written = await pending.writeFrom(Readable.from([content.subarray(0, 70_000), content.subarray(70_000)]));
      expect(written).toEqual({ size: content.length, sha256: createHash('sha256').update(content).digest('hex') });
      const committed = await pending.commit(content.length, 64 * 1024 * 1024);
      if (!committed.ok) throw new Error(committed.error.code);
      const opened = await scope.files.open(committed.value.id);
      expect((await readAll(opened?.content as NodeJS.ReadableStream)).equals(content)).toBe(true);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
