import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BLOB_CHUNK_BYTES,
  BlobCipherError,
  createBlobDecryptor,
  createBlobEncryptor,
  readBlobKeyId,
} from './blobCipher';
import { collect, pieces } from './blobTestStreams';
import { createKeyRing } from './fieldCipher';
import { dataKeySet, generateDataKey } from './keyMaterial';

const keyA = generateDataKey(new Date(Date.UTC(2026, 0, 1)));
const keyB = generateDataKey(new Date(Date.UTC(2026, 0, 2)));
const ring = createKeyRing(dataKeySet(keyA));
const FILE = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const OTHER_FILE = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c';

const seal = (plaintext: Buffer, fileId = FILE, keys = ring) =>
  collect(pieces(plaintext), createBlobEncryptor(keys, fileId));

const open = (blob: Buffer, fileId = FILE, keys = ring) =>
  collect(pieces(blob, 7777), createBlobDecryptor(keys, fileId));

describe('blob cipher', () => {
  it.each([0, 1, 1000, BLOB_CHUNK_BYTES - 1, BLOB_CHUNK_BYTES, BLOB_CHUNK_BYTES + 1, 3 * BLOB_CHUNK_BYTES, 1_000_003])(
    'round-trips %i bytes streamed in pieces, and the blob is not the plaintext',
    async (size) => {
      const plaintext = randomBytes(size);
      const blob = await seal(plaintext);
      expect((await open(blob)).equals(plaintext)).toBe(true);
      const chunks = Math.max(1, Math.ceil(size / BLOB_CHUNK_BYTES));
      expect(blob.length).toBe(8 + 1 + keyA.id.length + 16 + 4 + size + 16 * chunks);
      if (size >= 32) expect(blob.includes(plaintext.subarray(0, 32))).toBe(false);
    },
  );

  it('reads the same blob however the stream cuts it: a byte at a time, or several chunks in one piece', async () => {
    const plaintext = randomBytes(3 * BLOB_CHUNK_BYTES + 77);
    const blob = await collect(pieces(plaintext, 300_000), createBlobEncryptor(ring, FILE));
    expect((await collect(pieces(blob, 1), createBlobDecryptor(ring, FILE))).equals(plaintext)).toBe(true);
    expect((await collect(pieces(blob, 500_000), createBlobDecryptor(ring, FILE))).equals(plaintext)).toBe(true);
    const bytewise = await collect(pieces(plaintext.subarray(0, 5000), 1), createBlobEncryptor(ring, FILE));
    expect((await open(bytewise)).equals(plaintext.subarray(0, 5000))).toBe(true);
  });

  it('names its data key in the header, and opens with a ring that still holds it', async () => {
    const blob = await seal(Buffer.from('marker text'));
    expect(readBlobKeyId(blob)).toBe(keyA.id);
    const rotated = ring.withCurrent(keyB);
    expect((await open(blob, FILE, rotated)).toString()).toBe('marker text');
    const withoutA = createKeyRing(dataKeySet(keyB));
    await expect(open(blob, FILE, withoutA)).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('refuses a flipped bit anywhere, a blob moved to another file id, and foreign bytes', async () => {
    const plaintext = randomBytes(2 * BLOB_CHUNK_BYTES + 5);
    const blob = await seal(plaintext);
    for (const at of [40, 1000, BLOB_CHUNK_BYTES + 100, blob.length - 1]) {
      const damaged = Buffer.from(blob);
      damaged[at] = (damaged[at] ?? 0) ^ 1;
      await expect(open(damaged)).rejects.toBeInstanceOf(BlobCipherError);
    }
    await expect(open(blob, OTHER_FILE)).rejects.toMatchObject({ reason: 'not_authentic' });
    await expect(open(randomBytes(500))).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('refuses a blob cut short, at a chunk boundary too, and one with chunks swapped', async () => {
    const plaintext = randomBytes(3 * BLOB_CHUNK_BYTES);
    const blob = await seal(plaintext);
    const header = 8 + 1 + keyA.id.length + 16 + 4;
    const record = BLOB_CHUNK_BYTES + 16;
    for (const length of [header - 3, header + 10, header + record, header + 2 * record, blob.length - 1]) {
      await expect(open(blob.subarray(0, length))).rejects.toBeInstanceOf(BlobCipherError);
    }
    const swapped = Buffer.concat([
      blob.subarray(0, header),
      blob.subarray(header + record, header + 2 * record),
      blob.subarray(header, header + record),
      blob.subarray(header + 2 * record),
    ]);
    await expect(open(swapped)).rejects.toMatchObject({ reason: 'not_authentic' });
  });
});
