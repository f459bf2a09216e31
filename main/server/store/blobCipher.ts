import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { dataKeyIdSchema } from './keyMaterial';
import { ByteQueue } from './byteQueue';
import type { KeyRing } from './fieldCipher';

/**
 * The on-disk form of a file's contents: a header, then AES-256-GCM chunks, so a file of any size is encrypted and
 * decrypted as it streams, never whole in memory.
 *
 *   header  = "WHOOTBL1" | keyIdLength u8 | keyId (ASCII) | salt (16 bytes) | chunkSize u32 BE
 *   chunk i = AES-256-GCM(key, nonce = 0x00000000 | i u64 BE, aad = header | i u64 BE | final u8) ‖ tag (16 bytes)
 *
 * The key is derived per blob (HKDF of data key `keyId`, the blob's random salt and its file id), so the counter
 * nonce never repeats under one key and a blob moved to another file id does not open. Every chunk is full except
 * the last, and only the last is sealed with final = 1: a blob cut at a chunk boundary fails like a flipped bit.
 */
export const BLOB_MAGIC = Buffer.from('WHOOTBL1', 'ascii');
export const BLOB_CHUNK_BYTES = 64 * 1024;
const SALT_BYTES = 16;
const TAG_BYTES = 16;
const MIN_CHUNK_BYTES = 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
const MAX_HEADER_BYTES = BLOB_MAGIC.length + 1 + 32 + SALT_BYTES + 4;
/**
 * A few chunks of buffer on each side: with Node's 16 KiB default every 64 KiB chunk would wait for the disk (or
 * the socket) before the next one is encrypted, and the CPU and the I/O would take turns instead of overlapping.
 */
export const STREAM_BUFFERS = { readableHighWaterMark: 1024 * 1024, writableHighWaterMark: 1024 * 1024 } as const;

export class BlobCipherError extends Error {
  override readonly name = 'BlobCipherError';

  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'not_authentic' | 'truncated',
    message: string,
  ) {
    super(message);
  }
}

const keyLabel = (fileId: string) => `blob\0${fileId}`;

function nonceFor(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  return nonce;
}

function aadFor(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail.writeUInt8(final ? 1 : 0, 8);
  return Buffer.concat([header, tail]);
}

/** What a blob's header says: the data key it was sealed under, without opening anything. */
export function readBlobKeyId(header: Buffer): string | undefined {
  const parsed = parseHeader(header);
  return parsed === 'incomplete' ? undefined : parsed.keyId;
}

interface ParsedHeader {
  readonly bytes: Buffer;
  readonly keyId: string;
  readonly salt: Buffer;
  readonly chunkSize: number;
}

function parseHeader(buffer: Buffer): ParsedHeader | 'incomplete' {
  if (buffer.length < BLOB_MAGIC.length + 1) return 'incomplete';
  if (!buffer.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) {
    throw new BlobCipherError('malformed', 'not a whoot blob');
  }
  const keyIdLength = buffer.readUInt8(BLOB_MAGIC.length);
  const saltAt = BLOB_MAGIC.length + 1 + keyIdLength;
  const end = saltAt + SALT_BYTES + 4;
  if (buffer.length < end) return 'incomplete';
  const keyId = buffer.subarray(BLOB_MAGIC.length + 1, saltAt).toString('ascii');
  const chunkSize = buffer.readUInt32BE(saltAt + SALT_BYTES);
  if (!dataKeyIdSchema.safeParse(keyId).success || chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
    throw new BlobCipherError('malformed', 'the blob header is malformed');
  }
  return {
    bytes: Buffer.from(buffer.subarray(0, end)),
    keyId,
    salt: Buffer.from(buffer.subarray(saltAt, saltAt + SALT_BYTES)),
    chunkSize,
  };
}

/** What a new blob is sealed with: its header (which carries the salt) and the key derived for it. */
export interface BlobSealingKey {
  readonly header: Buffer;
  /** 32 bytes; the sealer that takes it zeroes it when done. */
  readonly key: Buffer;
  readonly chunkSize: number;
}

/** A new blob's header and key, from the ring's current data key and a fresh random salt. */
export function newBlobSealingKey(
  ring: KeyRing,
  fileId: string,
  chunkSize = BLOB_CHUNK_BYTES,
  salt: Buffer = randomBytes(SALT_BYTES),
): BlobSealingKey {
  if (salt.length !== SALT_BYTES || chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_BYTES) {
    throw new RangeError('a blob needs a 16-byte salt and a chunk size from 1 KiB to 1 MiB');
  }
  const { keyId, key } = ring.deriveKey(salt, keyLabel(fileId));
  const keyIdBytes = Buffer.from(keyId, 'ascii');
  const sizeBytes = Buffer.alloc(4);
  sizeBytes.writeUInt32BE(chunkSize);
  const header = Buffer.concat([BLOB_MAGIC, Buffer.from([keyIdBytes.length]), keyIdBytes, salt, sizeBytes]);
  return { header, key, chunkSize };
}

/** Plaintext in, blob out; the header goes first. The key is derived once, from the ring's current data key. */
export function createBlobEncryptor(ring: KeyRing, fileId: string, chunkSize = BLOB_CHUNK_BYTES): Transform {
  return blobEncryptorFor(newBlobSealingKey(ring, fileId, chunkSize));
}

/** Plaintext in, blob out, under a given header and key (zeroed at the end). */
export function blobEncryptorFor({ header, key, chunkSize }: BlobSealingKey): Transform {
  const queue = new ByteQueue();
  let index = 0;

  // The pieces are encrypted where they lie (a view per socket read), never gathered into one buffer first.
  const seal = (stream: Transform, run: readonly Buffer[], final: boolean): void => {
    const cipher = createCipheriv('aes-256-gcm', key, nonceFor(index), { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(header, index, final));
    index += 1;
    for (const piece of run) stream.push(cipher.update(piece));
    cipher.final();
    stream.push(cipher.getAuthTag());
  };

  const transform = new Transform({
    ...STREAM_BUFFERS,
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      queue.push(chunk);
      // A full chunk is sealed only once more bytes exist: it is the last one otherwise, sealed in flush.
      while (queue.length > chunkSize) seal(this, queue.take(chunkSize), false);
      done();
    },
    flush(done: TransformCallback) {
      seal(this, queue.take(queue.length), true);
      key.fill(0);
      done();
    },
    // A stream that fails midway never flushes: the key goes here too.
    destroy(error, done) {
      key.fill(0);
      done(error);
    },
  });
  transform.push(header);
  return transform;
}

/**
 * Blob in, plaintext out. Fails (an 'error' on the stream) on a foreign or damaged header, a key the ring lacks,
 * any chunk that does not authenticate, and a blob that ends early: a reader never gets bytes it cannot trust,
 * beyond the chunks before the damage (each of which authenticated on its own).
 */
export function createBlobDecryptor(ring: KeyRing, fileId: string): Transform {
  let headerBytes: Buffer = Buffer.alloc(0);
  const queue = new ByteQueue();
  let header: ParsedHeader | undefined;
  let key: Buffer | undefined;
  let index = 0;

  /** Opens the record at the front of the queue (`size` bytes, tag last); nothing of it is released unless it authenticates. */
  const open = (size: number, final: boolean): Buffer[] => {
    if (header === undefined || key === undefined) throw new BlobCipherError('malformed', 'no blob header');
    const body = queue.take(size - TAG_BYTES);
    const tag = queue.takeContiguous(TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, nonceFor(index), { authTagLength: TAG_BYTES });
    decipher.setAAD(aadFor(header.bytes, index, final));
    decipher.setAuthTag(tag);
    index += 1;
    const plaintext = body.map((piece) => decipher.update(piece));
    try {
      decipher.final();
    } catch {
      throw new BlobCipherError('not_authentic', 'a blob chunk failed authentication (damaged, cut or moved)');
    }
    return plaintext;
  };

  return new Transform({
    ...STREAM_BUFFERS,
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (header === undefined) {
          headerBytes = headerBytes.length === 0 ? chunk : Buffer.concat([headerBytes, chunk]);
          if (
            headerBytes.length > MAX_HEADER_BYTES &&
            parseHeader(headerBytes.subarray(0, MAX_HEADER_BYTES)) === 'incomplete'
          ) {
            throw new BlobCipherError('malformed', 'the blob header is malformed');
          }
          const parsed = parseHeader(headerBytes);
          if (parsed === 'incomplete') return done();
          header = parsed;
          try {
            key = ring.deriveKey(parsed.salt, keyLabel(fileId), parsed.keyId).key;
          } catch {
            throw new BlobCipherError('unknown_key', `the blob needs data key ${parsed.keyId}`);
          }
          chunk = headerBytes.subarray(parsed.bytes.length);
        }
        queue.push(chunk);
        const record = header.chunkSize + TAG_BYTES;
        // The last record is known only at the end, so one full record always stays behind until more arrives.
        while (queue.length > record) for (const piece of open(record, false)) this.push(piece);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (header === undefined || queue.length < TAG_BYTES) {
          throw new BlobCipherError('truncated', 'the blob ends early');
        }
        for (const piece of open(queue.length, true)) this.push(piece);
        key?.fill(0);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
