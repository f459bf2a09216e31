import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import blobSeal, { type BlobSealer } from '@whoot/blob-seal';
import { blobEncryptorFor, type BlobSealingKey } from './blobCipher';
import { ByteQueue } from './byteQueue';
import { PlaintextDigest, type WrittenBlob } from './plaintextDigest';
import { BackgroundSync, SyncedFileWriter } from './syncedFileWriter';

/**
 * Who seals: 'native' hashes, encrypts and writes on a libuv pool thread (native/blob-seal), beside the thread that
 * reads the socket; 'node' does the same work with node:crypto and streams on the JS thread. Same bytes on disk.
 */
export type BlobSealing = 'native' | 'node';

/** 'native' where the addon built and passed its self-test (Linux, plain Node), 'node' elsewhere. */
export const DEFAULT_BLOB_SEALING: BlobSealing = blobSeal.supported ? 'native' : 'node';

/**
 * Plaintext per batch handed to the pool: at least this much (each batch costs a call back to JS), at most this much
 * (a smaller last batch after the final byte is what the upload waits for); and in the pool or queued at most this
 * much before the socket is paused until the pool hands bytes back.
 */
const JOB_MIN_BYTES = 256 * 1024;
const JOB_MAX_BYTES = 1024 * 1024;
const QUEUED_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Streams `source` sealed as a blob (blobCipher.ts) into the open file and syncs it before it resolves, with the
 * plaintext's size and SHA-256. The handle is closed either way; on failure the caller removes the file.
 */
export async function sealIntoFile(
  source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  file: FileHandle,
  sealing: BlobSealingKey,
  how: BlobSealing = DEFAULT_BLOB_SEALING,
): Promise<WrittenBlob> {
  const readable = source instanceof Readable ? source : Readable.from(source as AsyncIterable<Uint8Array>);
  if (how === 'node') return sealWithNode(readable, file, sealing);
  return sealNatively(readable, file, sealing);
}

async function sealWithNode(source: Readable, file: FileHandle, sealing: BlobSealingKey): Promise<WrittenBlob> {
  const digest = new PlaintextDigest();
  // The writer closes the handle when it finishes or fails.
  await pipeline(source, digest, blobEncryptorFor(sealing), new SyncedFileWriter(file));
  if (digest.result === undefined) throw new Error('the upload stream ended without finishing');
  return digest.result;
}

async function sealNatively(source: Readable, file: FileHandle, sealing: BlobSealingKey): Promise<WrittenBlob> {
  if (!blobSeal.supported) throw new Error(`blob-seal is not available here: ${blobSeal.loadError ?? 'not Linux'}`);
  const { chunkSize } = sealing;
  const queue = new ByteQueue();
  let size = 0;
  /** Pushed to the sealer and not yet handed back: batches, and their bytes. */
  let batchesOut = 0;
  let inFlight = 0;
  let sealFailure: Error | undefined;
  /**
   * A background fdatasync every SYNC_EVERY_BYTES, as SyncedFileWriter does: the final fsync then finds little left.
   * (sync_file_range was measured here and left the final fsync as slow as no sync at all: ext4 still had to commit.)
   */
  const background = new BackgroundSync(file);
  /** The blob's first failure: the sealer's, or a background sync's. */
  const failure = (): unknown => sealFailure ?? background.failure;
  /** Whoever waits for the sealer to hand bytes back (backpressure, the end). */
  let wake: (() => void) | undefined;

  let sealer: BlobSealer;
  try {
    sealer = blobSeal.open(file.fd, sealing.key, sealing.header, (batches, bytes, error) => {
      batchesOut -= batches;
      inFlight -= bytes;
      if (error) sealFailure ??= error;
      if (failure() === undefined) background.wrote(bytes);
      wake?.();
    });
  } catch (error) {
    await file.close();
    throw error;
  } finally {
    // The sealer holds the key schedule now; this copy is not needed again.
    sealing.key.fill(0);
  }
  const handedBack = () =>
    new Promise<void>((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    });
  /** Full chunks up to JOB_MAX_BYTES; a full chunk stays queued until a byte after it exists (it may be the last). */
  const takeFull = (): Buffer[][] => {
    const chunks: Buffer[][] = [];
    for (let bytes = 0; queue.length > chunkSize && bytes < JOB_MAX_BYTES; bytes += chunkSize) {
      chunks.push(queue.take(chunkSize));
    }
    return chunks;
  };
  const push = (chunks: Buffer[][], finalLast: boolean): void => {
    for (const chunk of chunks) for (const piece of chunk) inFlight += piece.length;
    sealer.push(chunks, finalLast);
    batchesOut += 1;
  };

  try {
    for await (const piece of source as AsyncIterable<Buffer>) {
      if (failure() !== undefined) throw failure();
      queue.push(piece);
      size += piece.length;
      // The pool drains batches on its own; JS only hands them over, a batch at a time.
      while (queue.length > Math.max(chunkSize, JOB_MIN_BYTES)) push(takeFull(), false);
      // Backpressure: the socket waits while the pool is this far behind.
      while (inFlight + queue.length > QUEUED_MAX_BYTES && failure() === undefined) await handedBack();
    }
    for (;;) {
      const chunks = takeFull();
      const last = queue.length <= chunkSize;
      if (last) chunks.push(queue.take(queue.length));
      push(chunks, last);
      if (last) break;
    }
    while (batchesOut > 0 && failure() === undefined) await handedBack();
    if (failure() !== undefined) throw failure();
    // The final fsync need not wait for a background fdatasync still running: it makes every byte durable itself.
    const digest = await new Promise<Buffer>((resolve, reject) => {
      sealer.finish((error, sha256) =>
        error || sha256 === undefined ? reject(error ?? new Error('no digest')) : resolve(sha256),
      );
    });
    // ... but a background sync that failed still fails the blob.
    await background.settled();
    if (failure() !== undefined) throw failure();
    return { size, sha256: digest.toString('hex') };
  } finally {
    // Batches still in the pool read the pieces and write the descriptor: they come back before either goes.
    while (batchesOut > 0) await handedBack();
    await background.settled();
    sealer.close();
    await file.close();
  }
}
