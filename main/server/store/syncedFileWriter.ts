import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** The file operations the writer needs: a FileHandle has them all. */
export type SyncableFile = Pick<FileHandle, 'writev' | 'datasync' | 'sync' | 'close'>;

/**
 * How many bytes may wait in the page cache before a background `fdatasync` starts. An fsync only at the end left the
 * whole file to be written back after its last byte arrived: about 25 ms for a 24 MiB upload here, a serial wait
 * longer than the hashing or the encryption. Syncing as it goes overlaps that write-back with the upload.
 */
export const SYNC_EVERY_BYTES = 4 * 1024 * 1024;

/**
 * A stream onto an open file that is durable when it finishes: every byte is written, then synced (`fsync`, so the
 * size is durable too) before 'finish'; the handle is closed either way. While it writes, a background `fdatasync`
 * starts whenever SYNC_EVERY_BYTES have been written since the last one began, one at a time, so the final sync
 * finds little left. A background sync that fails fails the stream at its end: nothing is reported durable that
 * might not be.
 */
export class SyncedFileWriter extends Writable {
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  private syncFailure: unknown;
  private fileClosed = false;

  constructor(
    private readonly file: SyncableFile,
    private readonly syncEvery = SYNC_EVERY_BYTES,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    void this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    void (async () => {
      await this.syncing;
      if (this.syncFailure !== undefined) throw this.syncFailure;
      await this.file.sync();
      await this.close();
    })().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    void this.close().then(
      () => done(error),
      () => done(error),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    // writev may write less than asked (a full disk, a signal): write the rest, never drop it.
    while (pending.length > 0) {
      const { bytesWritten } = await this.file.writev(pending);
      if (bytesWritten === 0) throw new Error('the file accepted no bytes');
      this.unsynced += bytesWritten;
      pending = remainderAfter(pending, bytesWritten);
    }
    if (this.unsynced >= this.syncEvery && this.syncing === undefined) {
      this.unsynced = 0;
      this.syncing = this.file
        .datasync()
        .catch((error: unknown) => {
          this.syncFailure ??= error;
        })
        .finally(() => {
          this.syncing = undefined;
        });
    }
  }

  private async close(): Promise<void> {
    if (this.fileClosed) return;
    this.fileClosed = true;
    // A background sync still running uses the descriptor: let it end before the descriptor can be reused.
    await this.syncing;
    await this.file.close();
  }
}

function remainderAfter(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.length) {
      skip -= buffer.length;
      continue;
    }
    rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
    skip = 0;
  }
  return rest;
}
