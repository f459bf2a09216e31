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
  private readonly background: BackgroundSync;
  private fileClosed = false;

  constructor(
    private readonly file: SyncableFile,
    syncEvery = SYNC_EVERY_BYTES,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.background = new BackgroundSync(file, syncEvery);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    void this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    void (async () => {
      await this.background.settled();
      if (this.background.failure !== undefined) throw this.background.failure;
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
    let written = 0;
    // writev may write less than asked (a full disk, a signal): write the rest, never drop it.
    while (pending.length > 0) {
      const { bytesWritten } = await this.file.writev(pending);
      if (bytesWritten === 0) throw new Error('the file accepted no bytes');
      written += bytesWritten;
      pending = remainderAfter(pending, bytesWritten);
    }
    this.background.wrote(written);
  }

  private async close(): Promise<void> {
    if (this.fileClosed) return;
    this.fileClosed = true;
    // A background sync still running uses the descriptor: let it end before the descriptor can be reused.
    await this.background.settled();
    await this.file.close();
  }
}

/**
 * A background `fdatasync` whenever `every` bytes were written since the last one began, one at a time; the first
 * failure is kept for the writer to report at its end. Shared by SyncedFileWriter and the native blob sealer.
 */
export class BackgroundSync {
  private unsynced = 0;
  private running: Promise<void> | undefined;
  failure: unknown;

  constructor(
    private readonly file: Pick<SyncableFile, 'datasync'>,
    private readonly every = SYNC_EVERY_BYTES,
  ) {}

  wrote(bytes: number): void {
    this.unsynced += bytes;
    if (this.unsynced < this.every || this.running !== undefined) return;
    this.unsynced = 0;
    this.running = this.file
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Once no background sync is running (the descriptor is free to close). */
  async settled(): Promise<void> {
    await this.running;
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
