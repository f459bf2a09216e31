import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SNIFF_BYTES, fileContentTypeSchema, sanitizeFileName, sniffContentType } from '../../../shared/chat';
import { FILE_CHUNK_BYTES } from '../../../shared/ipc';
import { fail, ok, type Result } from '../../../shared/result';
import type { SignedCalls } from '../../session/signedCalls';
import type { IpcHandler, IpcHandlers } from '../registerHandlers';

/** Transfers one page may have open at once; each holds a temporary file or a server connection. */
export const MAX_OPEN_TRANSFERS = 8;
/** A transfer the page stopped feeding (or reading) is dropped after this long. */
export const TRANSFER_IDLE_MS = 10 * 60_000;

/** Where main asks the user to save a file (Electron's save dialog); null when they cancel. */
export type SavePathChooser = (suggestedName: string) => Promise<string | null>;

interface Upload {
  readonly workspaceId: string;
  readonly channelId: string;
  readonly name: string;
  readonly size: number;
  readonly path: string;
  readonly handle: FileHandle;
  readonly hash: Hash;
  readonly head: Buffer[];
  received: number;
  busy: boolean;
  touchedAt: number;
}

interface Download {
  readonly iterator: AsyncIterator<Buffer>;
  readonly destroy: () => void;
  leftover: Buffer;
  busy: boolean;
  touchedAt: number;
}

type FileHandlers = Pick<
  IpcHandlers,
  | 'files.uploadBegin'
  | 'files.uploadChunk'
  | 'files.uploadFinish'
  | 'files.uploadCancel'
  | 'files.downloadBegin'
  | 'files.downloadChunk'
  | 'files.downloadCancel'
  | 'files.save'
>;

const busy = () => fail('busy', 'The previous chunk of this transfer is still being handled.');
const unknownTransfer = () => fail('unknown_transfer', 'No such transfer (it finished, was cancelled or expired).');

/**
 * Files between the page and the server, through main (the page holds no token). Uploads arrive in bounded,
 * validated chunks into a private temporary file while main hashes them and detects the type from the first bytes,
 * then stream to the server under a signed manifest; downloads are pulled by the page chunk by chunk, so main never
 * reads further ahead than one chunk. Nothing is ever held whole in memory.
 */
export function createFileTransfers(
  calls: SignedCalls,
  options: { readonly chooseSavePath?: SavePathChooser | null; readonly now?: () => number } = {},
): FileHandlers & { dispose(): void } {
  const now = options.now ?? Date.now;
  const uploads = new Map<string, Upload>();
  const downloads = new Map<string, Download>();
  let directory: string | null = null;

  const scratch = () => (directory ??= mkdtempSync(join(tmpdir(), 'whoot-uploads-')));

  async function dropUpload(id: string): Promise<void> {
    const upload = uploads.get(id);
    if (upload === undefined) return;
    uploads.delete(id);
    await upload.handle.close().catch(() => undefined);
    await unlink(upload.path).catch(() => undefined);
  }

  function dropDownload(id: string): void {
    const download = downloads.get(id);
    if (download === undefined) return;
    downloads.delete(id);
    download.destroy();
  }

  async function expire(): Promise<void> {
    const cutoff = now() - TRANSFER_IDLE_MS;
    for (const [id, upload] of uploads) if (upload.touchedAt < cutoff && !upload.busy) await dropUpload(id);
    for (const [id, download] of downloads) if (download.touchedAt < cutoff && !download.busy) dropDownload(id);
  }

  const uploadBegin: IpcHandler<'files.uploadBegin'> = async ({ workspaceId, channelId, name, size }) => {
    await expire();
    if (uploads.size + downloads.size >= MAX_OPEN_TRANSFERS) {
      return fail('too_many_transfers', 'Too many files are on their way at once; wait for one to finish.');
    }
    const uploadId = randomUUID();
    const path = join(scratch(), uploadId);
    const handle = await open(path, 'wx', 0o600);
    uploads.set(uploadId, {
      workspaceId,
      channelId,
      name,
      size,
      path,
      handle,
      hash: createHash('sha256'),
      head: [],
      received: 0,
      busy: false,
      touchedAt: now(),
    });
    return ok({ uploadId, chunkBytes: FILE_CHUNK_BYTES });
  };

  const uploadChunk: IpcHandler<'files.uploadChunk'> = async ({ uploadId, data }) => {
    const upload = uploads.get(uploadId);
    if (upload === undefined) return unknownTransfer();
    if (upload.busy) return busy();
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length === 0 || bytes.length > FILE_CHUNK_BYTES || upload.received + bytes.length > upload.size) {
      await dropUpload(uploadId);
      return fail('invalid_chunk', 'The chunk does not fit the upload: it was cancelled.');
    }
    upload.busy = true;
    try {
      await upload.handle.write(bytes);
      upload.hash.update(bytes);
      if (upload.received < SNIFF_BYTES) upload.head.push(bytes.subarray(0, SNIFF_BYTES - upload.received));
      upload.received += bytes.length;
      upload.touchedAt = now();
      return ok({ received: upload.received });
    } finally {
      upload.busy = false;
    }
  };

  const uploadFinish: IpcHandler<'files.uploadFinish'> = async ({ uploadId }) => {
    const upload = uploads.get(uploadId);
    if (upload === undefined) return unknownTransfer();
    if (upload.busy) return busy();
    if (upload.received !== upload.size) {
      await dropUpload(uploadId);
      return fail('incomplete_upload', 'Fewer bytes arrived than the file has: the upload was cancelled.');
    }
    upload.busy = true;
    try {
      await upload.handle.close();
      const manifest = {
        name: upload.name,
        size: upload.size,
        sha256: upload.hash.digest('hex'),
        contentType: sniffContentType(new Uint8Array(Buffer.concat(upload.head))),
      };
      const sent = await calls.upload({
        params: { workspaceId: upload.workspaceId, channelId: upload.channelId },
        manifest,
        content: createReadStream(upload.path, { highWaterMark: 1024 * 1024 }),
      });
      return sent;
    } finally {
      uploads.delete(uploadId);
      await unlink(upload.path).catch(() => undefined);
    }
  };

  const downloadBegin: IpcHandler<'files.downloadBegin'> = async ({ workspaceId, fileId }) => {
    await expire();
    if (uploads.size + downloads.size >= MAX_OPEN_TRANSFERS) {
      return fail('too_many_transfers', 'Too many files are on their way at once; wait for one to finish.');
    }
    const opened = await calls.download({ params: { workspaceId, fileId } });
    if (!opened.ok) return opened;
    const { stream, size, contentType } = opened.value;
    const downloadId = randomUUID();
    downloads.set(downloadId, {
      iterator: (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator](),
      destroy: () => stream.destroy(),
      leftover: Buffer.alloc(0),
      busy: false,
      touchedAt: now(),
    });
    const type = fileContentTypeSchema.safeParse(contentType);
    return ok({ downloadId, size, contentType: type.success ? type.data : 'application/octet-stream' });
  };

  const downloadChunk: IpcHandler<'files.downloadChunk'> = async ({ downloadId }) => {
    const download = downloads.get(downloadId);
    if (download === undefined) return unknownTransfer();
    if (download.busy) return busy();
    download.busy = true;
    try {
      const parts = [download.leftover];
      let length = download.leftover.length;
      let done = false;
      while (length < FILE_CHUNK_BYTES) {
        const next = await download.iterator.next();
        if (next.done === true) {
          done = true;
          break;
        }
        parts.push(next.value);
        length += next.value.length;
      }
      const all = Buffer.concat(parts, length);
      const chunk = all.subarray(0, FILE_CHUNK_BYTES);
      download.leftover = Buffer.from(all.subarray(FILE_CHUNK_BYTES));
      download.touchedAt = now();
      const finished = done && download.leftover.length === 0;
      if (finished) downloads.delete(downloadId);
      return ok({ data: chunk.toString('base64'), done: finished });
    } catch {
      dropDownload(downloadId);
      return fail('download_failed', 'The download broke off.');
    } finally {
      download.busy = false;
    }
  };

  const save: IpcHandler<'files.save'> = async ({ workspaceId, fileId, name }): Promise<Result<{ saved: boolean }>> => {
    if (!options.chooseSavePath) return fail('unavailable', 'Files cannot be saved here.');
    const path = await options.chooseSavePath(sanitizeFileName(name));
    if (path === null) return ok({ saved: false });
    const opened = await calls.download({ params: { workspaceId, fileId } });
    if (!opened.ok) return opened;
    try {
      await pipeline(opened.value.stream, createWriteStream(path, { mode: 0o600 }));
      return ok({ saved: true });
    } catch {
      await unlink(path).catch(() => undefined);
      return fail('download_failed', 'The download broke off; nothing was saved.');
    }
  };

  return {
    'files.uploadBegin': uploadBegin,
    'files.uploadChunk': uploadChunk,
    'files.uploadFinish': uploadFinish,
    'files.uploadCancel': async ({ uploadId }) => {
      await dropUpload(uploadId);
      return ok({});
    },
    'files.downloadBegin': downloadBegin,
    'files.downloadChunk': downloadChunk,
    'files.downloadCancel': ({ downloadId }) => {
      dropDownload(downloadId);
      return ok({});
    },
    'files.save': save,
    dispose() {
      for (const id of [...downloads.keys()]) dropDownload(id);
      for (const upload of uploads.values()) void upload.handle.close().catch(() => undefined);
      uploads.clear();
      if (directory !== null) rmSync(directory, { recursive: true, force: true });
    },
  };
}
