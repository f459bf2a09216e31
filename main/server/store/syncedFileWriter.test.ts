import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncedFileWriter, type SyncableFile } from './syncedFileWriter';

/** A real file handle that records what was asked of it, and can be told to fail or to write short. */
function recording(handle: FileHandle, options: { failDatasync?: boolean; shortWrites?: number } = {}) {
  const events: string[] = [];
  let inFlight = 0;
  let overlapped = 0;
  const file: SyncableFile = {
    async writev(buffers: readonly NodeJS.ArrayBufferView[]) {
      events.push('write');
      if (options.shortWrites !== undefined) {
        // At most `shortWrites` bytes of the first buffer: what a nearly full disk or a signal can do.
        const first = buffers[0] as Buffer;
        const { bytesWritten } = await handle.write(first.subarray(0, Math.min(first.length, options.shortWrites)));
        return { bytesWritten, buffers: buffers as NodeJS.ArrayBufferView[] };
      }
      return handle.writev(buffers as NodeJS.ArrayBufferView[]);
    },
    async datasync() {
      events.push('datasync');
      inFlight += 1;
      overlapped = Math.max(overlapped, inFlight);
      try {
        if (options.failDatasync) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        await handle.datasync();
      } finally {
        inFlight -= 1;
      }
    },
    async sync() {
      events.push('sync');
      await handle.sync();
    },
    async close() {
      events.push('close');
      await handle.close();
    },
  } as SyncableFile;
  return { file, events, overlapped: () => overlapped };
}

const pieces = (content: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let at = 0; at < content.length; at += size) yield content.subarray(at, at + size);
    })(),
  );

describe('SyncedFileWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-synced-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every byte in order, syncs in the background as it goes, and fsyncs and closes before it finishes', async () => {
    const path = join(dir, 'blob');
    const content = randomBytes(3 * 1024 * 1024 + 123);
    const { file, events, overlapped } = recording(await open(path, 'wx', 0o600));
    await pipeline(pieces(content, 64 * 1024), new SyncedFileWriter(file, 512 * 1024));

    expect(readFileSync(path).equals(content)).toBe(true);
    // Background syncs happened among the writes, never two at once; the full sync and the close come last.
    const firstSync = events.indexOf('datasync');
    expect(firstSync).toBeGreaterThan(0);
    expect(events.lastIndexOf('write')).toBeGreaterThan(firstSync);
    expect(overlapped()).toBe(1);
    expect(events.slice(-2)).toEqual(['sync', 'close']);
  });

  it('writes the rest when the file takes fewer bytes than it was given', async () => {
    const path = join(dir, 'short');
    const content = randomBytes(200_000);
    const { file } = recording(await open(path, 'wx', 0o600), { shortWrites: 4096 + 7 });
    await pipeline(pieces(content, 50_000), new SyncedFileWriter(file));
    expect(readFileSync(path).equals(content)).toBe(true);
  });

  it('fails, and still closes the file, when a background sync failed: nothing is reported durable that might not be', async () => {
    const path = join(dir, 'failing');
    const { file, events } = recording(await open(path, 'wx', 0o600), { failDatasync: true });
    await expect(
      pipeline(pieces(randomBytes(2 * 1024 * 1024), 64 * 1024), new SyncedFileWriter(file, 256 * 1024)),
    ).rejects.toThrow(/EIO/);
    expect(events).toContain('datasync');
    expect(events).not.toContain('sync');
    expect(events.filter((event) => event === 'close')).toEqual(['close']);
  });

  it('fails and closes the file when the source fails midway', async () => {
    const path = join(dir, 'cut');
    const { file, events } = recording(await open(path, 'wx', 0o600));
    const source = new Readable({
      read() {
        this.push(randomBytes(1000));
        this.destroy(new Error('the connection was cut'));
      },
    });
    await expect(pipeline(source, new SyncedFileWriter(file))).rejects.toThrow(/cut/);
    expect(events).not.toContain('sync');
    expect(events).toContain('close');
  });
});
