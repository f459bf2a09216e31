import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { NewRelease } from './releaseTypes';
import { type StoreTestKit, STORE_BACKENDS, freshStoreEachTest } from './storeTestKit';
import type { Store } from './types';

const digestOf = (bytes: Buffer) => createHash('sha512').update(bytes).digest('base64url');

function release(serial: number, content: Buffer, overrides: Partial<NewRelease> = {}): NewRelease {
  return {
    channel: 'stable',
    platform: 'linux',
    version: `1.0.${serial}`,
    serial,
    feed: `version: 1.0.${serial}\n`,
    signature: 'sig',
    rolloutPercent: 100,
    files: [
      { name: 'whoot.AppImage', digest: digestOf(content), size: content.length, content: Readable.from([content]) },
    ],
    ...overrides,
  };
}

describe.each(STORE_BACKENDS)('%s store: releases', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  it('publishes a release with its installer and serves the installer back by digest and name', async () => {
    // Larger than one PostgreSQL chunk row, so the bytes come back across rows in order.
    const content = randomBytes(2 * 1024 * 1024 + 123);
    const published = await store.releases.publish(release(5, content));
    expect(published.ok).toBe(true);
    if (!published.ok) return;
    expect(published.value).toMatchObject({ channel: 'stable', platform: 'linux', serial: 5, paused: false });
    expect(published.value.files).toEqual([
      expect.objectContaining({ name: 'whoot.AppImage', digest: digestOf(content), size: content.length }),
    ]);
    const opened = await store.releases.openFile(digestOf(content), 'whoot.AppImage');
    const chunks: Buffer[] = [];
    for await (const chunk of opened?.content ?? []) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    expect(await store.releases.openFile(digestOf(content), 'other.AppImage')).toBeUndefined();
    expect(await store.releases.latestSerial('stable', 'linux')).toBe(5);
    expect(await store.releases.latestSerial('stable', 'mac')).toBe(0);
  });

  it('refuses an installer whose bytes are not what the feed describes, and keeps nothing', async () => {
    const content = randomBytes(1000);
    const lying = release(1, content, {
      files: [
        { name: 'whoot.AppImage', digest: digestOf(randomBytes(1000)), size: 1000, content: Readable.from([content]) },
      ],
    });
    const refused = await store.releases.publish(lying);
    expect(!refused.ok && refused.error.code).toBe('file_mismatch');
    expect(await store.releases.list()).toEqual([]);
    expect(await store.releases.openFile(digestOf(content), 'whoot.AppImage')).toBeUndefined();
    const chunkRows = backend === 'postgres' ? await (await kit.sql()).all('SELECT * FROM release_chunks') : [];
    expect(chunkRows).toEqual([]);
  });

  it('refuses a serial that is not above the channel and platform newest, and keeps nothing', async () => {
    expect((await store.releases.publish(release(10, randomBytes(10)))).ok).toBe(true);
    const again = await store.releases.publish(release(10, randomBytes(10)));
    expect(!again.ok && again.error.code).toBe('serial_not_newer');
    const older = await store.releases.publish(release(9, randomBytes(10)));
    expect(!older.ok && older.error.code).toBe('serial_not_newer');
    // Another platform or channel has its own sequence.
    expect((await store.releases.publish(release(9, randomBytes(10), { platform: 'mac' }))).ok).toBe(true);
    expect((await store.releases.publish(release(9, randomBytes(10), { channel: 'beta' }))).ok).toBe(true);
    expect((await store.releases.list('stable')).map((r) => [r.platform, r.serial])).toEqual(
      expect.arrayContaining([
        ['linux', 10],
        ['mac', 9],
      ]),
    );
    expect(await store.releases.list('stable')).toHaveLength(2);
  });

  it('offers releases that are not paused, newest first, and keeps rollout and pause per release', async () => {
    const first = await store.releases.publish(release(1, randomBytes(10)));
    const second = await store.releases.publish(release(2, randomBytes(10), { rolloutPercent: 10 }));
    if (!first.ok || !second.ok) throw new Error('publish failed');
    expect((await store.releases.offered('stable', 'linux', 5)).map((r) => r.serial)).toEqual([2, 1]);
    expect(await store.releases.setPaused(second.value.id, true)).toBe(true);
    expect((await store.releases.offered('stable', 'linux', 5)).map((r) => r.serial)).toEqual([1]);
    expect(await store.releases.setPaused(second.value.id, false)).toBe(true);
    expect(await store.releases.setRollout(second.value.id, 50)).toBe(true);
    expect((await store.releases.get(second.value.id))?.rolloutPercent).toBe(50);
    expect(await store.releases.setRollout('0190a0a0-0000-7000-8000-000000000000', 50)).toBe(false);
    const feed = await store.releases.get(first.value.id);
    expect(feed?.feed).toBe('version: 1.0.1\n');
    expect(await text(Readable.from([feed?.signature ?? '']))).toBe('sig');
  });
});
