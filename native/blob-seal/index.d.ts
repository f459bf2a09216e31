/**
 * One blob being written: see src/blob_seal.c. Batches are hashed, sealed and appended in the order pushed, on pool
 * threads; `progress` (given to open) hands their bytes back on the JS thread once both are done with them.
 */
export interface BlobSealer {
  /**
   * Queues chunks (each its pieces in order; every chunk full but the blob's last) to be hashed, sealed and appended
   * after the ones before. `finalLast` marks the blob's last chunk. The pieces are read on pool threads until
   * progress hands their bytes back: neither they nor the arrays may change before that.
   */
  push(chunks: readonly (readonly Uint8Array[])[], finalLast: boolean): void;
  /** Once every batch is back, after the final chunk: fsync, then the SHA-256 of all the plaintext. */
  finish(callback: (error: Error | null, sha256?: Buffer) => void): void;
  /** Drops the key schedule, the hash state and the buffers; not while a batch or finish is out. The descriptor stays the caller's. */
  close(): void;
}

/** Batches and bytes handed back since the last call; the blob's first failure, once (later batches come back unsealed). */
export type SealProgress = (batches: number, bytes: number, error: Error | null) => void;

export type BlobSeal =
  | {
      readonly supported: true;
      /** The most plaintext one push may carry. */
      readonly maxBatchBytes: number;
      open(fd: number, key: Uint8Array, header: Uint8Array, progress: SealProgress): BlobSealer;
    }
  | { readonly supported: false; readonly loadError?: string };

declare const blobSeal: BlobSeal;
export = blobSeal;
