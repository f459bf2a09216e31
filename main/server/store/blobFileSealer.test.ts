import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import blobSeal from '@whoot/blob-seal';
import { afterAll, describe, expect, it } from 'vitest';
import { BLOB_CHUNK_BYTES, createBlobDecryptor, newBlobSealingKey } from './blobCipher';
import { sealIntoFile, type BlobSealing } from './blobFileSealer';
import { collect, pieces } from './blobTestStreams';
import { createKeyRing } from './fieldCipher';
import { dataKeySet, generateDataKey } from './keyMaterial';

const ring = createKeyRing(dataKeySet(generateDataKey(new Date(Date.UTC(2026, 0, 1)))));
const FILE = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const dir = mkdtempSync(join(tmpdir(), 'whoot-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The addon builds wherever the README's install ran (Linux, build tools): a missing build is a failure here. */
const ways: BlobSealing[] = ['native', 'node'];

function nativeSeal() {
  if (!blobSeal.supported) throw new Error(`blob-seal did not load: ${blobSeal.loadError}`);
  return blobSeal;
}

let files = 0;
async function sealTo(how: BlobSealing, source: Readable, salt = randomBytes(16), chunkSize = BLOB_CHUNK_BYTES) {
  const path = join(dir, `blob-${(files += 1)}`);
  const handle = await openFile(path, 'wx', 0o600);
  const written = await sealIntoFile(source, handle, newBlobSealingKey(ring, FILE, chunkSize, salt), how);
  return { path, written };
}

describe('sealing an upload into its file', () => {
  it('has the native sealer here (Linux with the README install)', () => {
    expect(blobSeal.supported ? undefined : blobSeal.loadError).toBeUndefined();
  });

  it.each([0, 1, BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES + 1, 5 * BLOB_CHUNK_BYTES - 3, 3_000_017])(
    'writes the same bytes both ways for %i bytes, which the decryptor opens, with the plaintext digest',
    async (size) => {
      const plaintext = randomBytes(size);
      const salt = randomBytes(16);
      const sealed = await Promise.all(ways.map((how) => sealTo(how, pieces(plaintext, 16_384), salt)));
      const [native, node] = sealed.map(({ path }) => readFileSync(path));
      expect(native?.equals(node as Buffer)).toBe(true);
      expect((await collect(pieces(native as Buffer, 7777), createBlobDecryptor(ring, FILE))).equals(plaintext)).toBe(
        true,
      );
      const sha256 = createHash('sha256').update(plaintext).digest('hex');
      for (const { written } of sealed) expect(written).toEqual({ size, sha256 });
    },
  );

  it('cuts chunks the same wherever the pieces fall: bytes, odd sizes, pieces larger than a job', async () => {
    const plaintext = randomBytes(2 * 1024 * 1024 + 12_345);
    const salt = randomBytes(16);
    const reference = readFileSync((await sealTo('node', pieces(plaintext, 65_536), salt, 4096)).path);
    for (const piece of [1, 999, 65_537, 3 * 1024 * 1024]) {
      const input = piece === 1 ? pieces(plaintext.subarray(0, 70_000), 1) : pieces(plaintext, piece);
      const { path, written } = await sealTo('native', input, salt, 4096);
      if (piece === 1) {
        const small = readFileSync(
          (await sealTo('node', pieces(plaintext.subarray(0, 70_000), 4096), salt, 4096)).path,
        );
        expect(readFileSync(path).equals(small)).toBe(true);
        continue;
      }
      expect(readFileSync(path).equals(reference)).toBe(true);
      expect(written.size).toBe(plaintext.length);
    }
  });

  it('native: many blobs at once, more lanes than the pool has threads and longer than a lane keeps one', async () => {
    // 12 MiB each, fed as fast as the pool takes it: every lane gives its thread back mid-blob and queues again.
    const plaintexts = Array.from({ length: 6 }, () => randomBytes(12 * 1024 * 1024 + 77));
    const salts = plaintexts.map(() => randomBytes(16));
    const sealed = await Promise.all(plaintexts.map((p, i) => sealTo('native', pieces(p, 1024 * 1024), salts[i])));
    for (const [i, { path, written }] of sealed.entries()) {
      const plaintext = plaintexts[i] as Buffer;
      const reference = readFileSync((await sealTo('node', pieces(plaintext, 65_536), salts[i])).path);
      expect(readFileSync(path).equals(reference)).toBe(true);
      expect(written.sha256).toBe(createHash('sha256').update(plaintext).digest('hex'));
    }
  });

  it.each(ways)('%s: a source that fails fails the seal, closes the file, and zeroes the key', async (how) => {
    const failing = new Readable({ read() {} });
    const sealing = newBlobSealingKey(ring, FILE);
    const handle = await openFile(join(dir, `failing-${how}`), 'wx', 0o600);
    const sealed = sealIntoFile(failing, handle, sealing, how);
    failing.push(randomBytes(3 * BLOB_CHUNK_BYTES));
    setTimeout(() => failing.destroy(new Error('the client went away')), 20);
    await expect(sealed).rejects.toThrow('the client went away');
    // The descriptor is closed: a further write fails instead of landing in a reused descriptor.
    await expect(handle.write(Buffer.from('x'))).rejects.toThrow();
    expect(sealing.key.equals(Buffer.alloc(32))).toBe(true);
  });

  it('native: a write the disk refuses fails the seal with its errno', async () => {
    nativeSeal();
    // /dev/full accepts the open and refuses every write with ENOSPC, as a full disk does.
    const handle = await openFile('/dev/full', 'w');
    const sealed = sealIntoFile(pieces(randomBytes(2 * 1024 * 1024), 16_384), handle, newBlobSealingKey(ring, FILE));
    await expect(sealed).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('native: refuses misuse before it reaches the pool (bad arguments, early finish, late pushes)', async () => {
    const addon = nativeSeal();
    const handle = await openFile(join(dir, 'misuse'), 'wx', 0o600);
    const { key, header } = newBlobSealingKey(ring, FILE);
    const progress: [number, number, Error | null][] = [];
    let backed: () => void = () => undefined;
    const onProgress = (batches: number, bytes: number, error: Error | null) => {
      progress.push([batches, bytes, error]);
      backed();
    };
    expect(() => addon.open(handle.fd, key.subarray(0, 16), header, onProgress)).toThrow(TypeError);
    expect(() => addon.open(handle.fd, key, Buffer.alloc(80), onProgress)).toThrow(TypeError);
    const foreign = Buffer.from(header);
    foreign.write('NOTWHOOT', 0, 'ascii');
    expect(() => addon.open(handle.fd, key, foreign, onProgress)).toThrow(TypeError);
    expect(() => addon.open(handle.fd, key, header.subarray(0, header.length - 1), onProgress)).toThrow(TypeError);
    expect(() => addon.open(handle.fd, key, header, 'not a function' as never)).toThrow(TypeError);
    const sealer = addon.open(handle.fd, key, header, onProgress);
    expect(() => sealer.push([], false)).toThrow(RangeError);
    expect(() => sealer.push([['not bytes' as unknown as Uint8Array]], false)).toThrow(TypeError);
    expect(() => sealer.push([[new Uint16Array(4) as unknown as Uint8Array]], false)).toThrow(TypeError);
    // The decryptor cuts blobs by the header's chunk size: a short chunk before the last, or a long last, is refused.
    expect(() => sealer.push([[randomBytes(BLOB_CHUNK_BYTES - 1)]], false)).toThrow(RangeError);
    expect(() => sealer.push([[randomBytes(BLOB_CHUNK_BYTES)], [randomBytes(10)]], false)).toThrow(RangeError);
    expect(() => sealer.push([[randomBytes(BLOB_CHUNK_BYTES + 1)]], true)).toThrow(RangeError);
    expect(() => sealer.finish(() => undefined)).toThrow('after the final chunk');
    const last = randomBytes(100);
    const back = new Promise<void>((resolve) => (backed = resolve));
    sealer.push([[last]], true);
    expect(() => sealer.push([[randomBytes(100)]], false)).toThrow('already pushed');
    expect(() => sealer.finish(() => undefined)).toThrow('after the final chunk is back');
    expect(() => sealer.close()).toThrow('close waits');
    await back;
    expect(progress).toEqual([[1, 100, null]]);
    const digest = await new Promise<Buffer | undefined>((resolve) => sealer.finish((_error, sha) => resolve(sha)));
    expect(digest?.toString('hex')).toBe(createHash('sha256').update(last).digest('hex'));
    expect(() => sealer.finish(() => undefined)).toThrow('already finished');
    sealer.close();
    expect(() => sealer.push([[randomBytes(1)]], false)).toThrow('closed');
    await handle.close();
    const blob = readFileSync(join(dir, 'misuse'));
    expect(blob.subarray(0, header.length).equals(header)).toBe(true);
    expect(blob.length).toBe(header.length + 100 + 16);
  });
});
