import { createReadStream, existsSync, openSync, readdirSync, renameSync, statSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok } from '../../../shared/result';
import { createBlobDecryptor, newBlobSealingKey, type BlobSealingKey } from './blobCipher';
import { sealIntoFile, type BlobSealing } from './blobFileSealer';
import { present, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import { StoreError } from './errors';
import type { KeyRing } from './fieldCipher';
import { syncDirectory } from '../../files/syncDirectory';
import { newId } from './ids';
import { removeQuietly, unlinkQuietly } from './quietUnlink';
import { prepareScoped } from './scopedSql';
import type { WrittenBlob } from './plaintextDigest';
import type { BlobUpload, FileMaintenance, NewUpload, ScopedFiles, StoredFile } from './types';

export interface FileRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  uploader_id: string;
  message_id: string | null;
  name: string;
  content_type: string;
  size: number;
  key_id: string;
  created_at: number;
}

export const FILE_COLUMNS =
  'id, workspace_id, channel_id, uploader_id, message_id, name, content_type, size, key_id, created_at';
/** Final blob names are file ids (UUIDv7): anything else in the directory is a part file or not ours. */
const BLOB_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PART_SUFFIXES = ['.part', '.rekey'];

export const DEFAULT_UNATTACHED_MS = 24 * 3600_000;
export const DEFAULT_PARTIAL_MS = 3600_000;

export interface BlobOptions {
  /** Where blobs live (0700); undefined for a store without one (':memory:' tests), which refuses uploads. */
  readonly blobDir: string | undefined;
  readonly ring: () => KeyRing;
  /** Who hashes, encrypts and writes a blob; the addon where it loaded (blobFileSealer.ts). */
  readonly sealing?: BlobSealing;
}

/**
 * File rows and their blobs. A blob is named by its file id, written encrypted (blobCipher.ts) to `<id>.part`
 * first and renamed only in the same synchronous step that inserts its row, so a name without a row exists only
 * between a row's deletion and the unlink that immediately follows it.
 */
export function filesQueries(context: StoreContext, options: BlobOptions) {
  const { db, now, fields } = context;
  const insert = prepareScoped<{
    workspaceId: string;
    id: string;
    channelId: string;
    uploaderId: string;
    name: string;
    contentType: string;
    size: number;
    keyId: string;
    now: number;
  }>(
    db,
    `INSERT INTO files (id, workspace_id, channel_id, uploader_id, message_id, name, content_type, size, key_id, created_at)
     VALUES (@id, @workspaceId, @channelId, @uploaderId, NULL, @name, @contentType, @size, @keyId, @now)`,
  );
  const channelExists = prepareScoped<{ workspaceId: string; channelId: string }, { id: string }>(
    db,
    'SELECT id FROM channels WHERE workspace_id = @workspaceId AND id = @channelId',
  );
  const get = prepareScoped<{ workspaceId: string; id: string }, FileRow>(
    db,
    `SELECT ${FILE_COLUMNS} FROM files WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const byMessage = prepareScoped<{ workspaceId: string; messageId: string }, FileRow>(
    db,
    `SELECT ${FILE_COLUMNS} FROM files WHERE workspace_id = @workspaceId AND message_id = @messageId ORDER BY created_at, id`,
  );
  const remove = prepareScoped<{ workspaceId: string; id: string }>(
    db,
    'DELETE FROM files WHERE workspace_id = @workspaceId AND id = @id',
  );
  const used = prepareScoped<{ workspaceId: string }, { bytes: number }>(
    db,
    'SELECT coalesce(sum(size), 0) AS bytes FROM files WHERE workspace_id = @workspaceId',
  );
  const attach = prepareScoped<{
    workspaceId: string;
    id: string;
    channelId: string;
    uploaderId: string;
    messageId: string;
  }>(
    db,
    `UPDATE files SET message_id = @messageId WHERE workspace_id = @workspaceId AND id = @id
       AND channel_id = @channelId AND uploader_id = @uploaderId AND message_id IS NULL`,
  );
  // Housekeeping across workspaces: it names no workspace and hands out nothing but ids to delete.
  const unattached = db.prepare<{ before: number }, { id: string; workspace_id: string }>(
    'SELECT id, workspace_id FROM files WHERE message_id IS NULL AND created_at < @before',
  );
  const exists = db.prepare<{ id: string }, { id: string }>('SELECT id FROM files WHERE id = @id');
  const keyIdOf = db.prepare<{ id: string }, { key_id: string }>('SELECT key_id FROM files WHERE id = @id');
  const notUnderKey = db.prepare<{ keyId: string; limit: number }, { id: string; key_id: string }>(
    'SELECT id, key_id FROM files WHERE key_id <> @keyId LIMIT @limit',
  );
  const setKeyId = db.prepare<{ id: string; keyId: string; previous: string }>(
    'UPDATE files SET key_id = @keyId WHERE id = @id AND key_id = @previous',
  );

  const toFile = (row: FileRow): StoredFile => fileRecord(row, fields);

  function directory(): string {
    if (options.blobDir === undefined) throw new StoreError('invalid_argument', 'this store has no blob directory');
    return options.blobDir;
  }
  const blobPath = (fileId: string) => join(directory(), fileId);
  /**
   * Streams `source` sealed into `path` (blobFileSealer.ts), synced to disk before it resolves with the plaintext's
   * size and SHA-256. The file is opened first, so the unlink after a failure can never run before the open that
   * would recreate it.
   */
  async function writeDurably(
    path: string,
    flags: 'wx' | 'w',
    source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
    sealing: BlobSealingKey,
  ): Promise<WrittenBlob> {
    let handle: FileHandle;
    try {
      handle = await openFile(path, flags, 0o600);
    } catch (error) {
      sealing.key.fill(0);
      throw error;
    }
    try {
      // Synced before it resolves, so a committed blob survives a power cut like its row does.
      return await sealIntoFile(source, handle, sealing, options.sealing);
    } catch (error) {
      await removeQuietly(path);
      throw error;
    }
  }

  /** Row first, then the blob: a crash between the two leaves a nameless blob for the sweep, never a dangling row. */
  const removeRow = db.transaction((workspaceId: string, fileId: string): StoredFile | undefined => {
    const row = get.get({ workspaceId, id: fileId });
    if (row === undefined) return undefined;
    remove.run({ workspaceId, id: fileId });
    return toFile(row);
  });

  function startUpload(workspaceId: string, input: NewUpload): BlobUpload {
    const fileId = newId(now());
    const dir = directory();
    const part = join(dir, `${fileId}.part`);
    let keyId: string | undefined;
    let finished = false;
    let settled = false;
    return {
      fileId,
      async writeFrom(plaintext) {
        if (finished || settled) throw new StoreError('invalid_argument', 'this upload was already written');
        const ring = options.ring();
        keyId = ring.currentKeyId;
        try {
          const written = await writeDurably(part, 'wx', plaintext, newBlobSealingKey(ring, fileId));
          finished = true;
          return written;
        } catch (error) {
          settled = true;
          throw error;
        }
      },
      async commit(size, quotaBytes) {
        if (!finished || settled || keyId === undefined) {
          throw new StoreError('invalid_argument', 'an upload is committed once, after it was written');
        }
        settled = true;
        const usedKeyId = keyId;
        const stored = db
          .transaction(() => {
            if (channelExists.get({ workspaceId, channelId: input.channelId }) === undefined) {
              return fail('unknown_channel', 'The channel does not exist.');
            }
            if ((used.get({ workspaceId })?.bytes ?? 0) + size > quotaBytes) {
              return fail('quota_exceeded', 'The workspace has no room for this file.');
            }
            insert.run({
              workspaceId,
              id: fileId,
              channelId: input.channelId,
              uploaderId: input.uploaderId,
              name: fields.seal(ENCRYPTED_COLUMNS.fileName, fileId, Buffer.from(input.name, 'utf8')),
              contentType: input.contentType,
              size,
              keyId: usedKeyId,
              now: now(),
            });
            return ok(toFile(present(get.get({ workspaceId, id: fileId }), 'file')));
          })
          .immediate();
        if (!stored.ok) {
          unlinkQuietly(part);
          return stored;
        }
        try {
          renameSync(part, blobPath(fileId));
        } catch (error) {
          remove.run({ workspaceId, id: fileId });
          unlinkQuietly(part);
          throw error;
        }
        // The new name durable before the upload is answered (the sweep also finishes a rename a crash lost).
        await syncDirectory(dir);
        return stored;
      },
      async abort() {
        settled = true;
        await removeQuietly(part);
      },
    };
  }

  /** Re-encrypts one blob under the current key: a new part file, then rename and row update in one step. */
  async function reencryptBlob(ring: KeyRing, fileId: string, previousKeyId: string): Promise<boolean> {
    const temp = join(directory(), `${fileId}.rekey`);
    let fd: number;
    try {
      fd = openSync(blobPath(fileId), 'r');
    } catch {
      return false;
    }
    await writeDurably(temp, 'w', decryptedFrom(fd, ring, fileId), newBlobSealingKey(ring, fileId));
    // Synchronous from here: no delete can slip between the check, the rename and the row update.
    if (keyIdOf.get({ id: fileId })?.key_id !== previousKeyId) {
      unlinkQuietly(temp);
      return false;
    }
    renameSync(temp, blobPath(fileId));
    const updated = setKeyId.run({ id: fileId, keyId: ring.currentKeyId, previous: previousKeyId }).changes === 1;
    await syncDirectory(directory());
    return updated;
  }

  return {
    attach,
    byMessage: (workspaceId: string, messageId: string) => byMessage.all({ workspaceId, messageId }).map(toFile),
    /** For a message's delete: its file rows go in the caller's transaction, the blobs right after it commits. */
    async removeBlobs(files: readonly StoredFile[]) {
      await Promise.all(files.map((file) => removeQuietly(blobPath(file.id))));
    },
    deleteRows: (workspaceId: string, files: readonly StoredFile[]) => {
      for (const file of files) remove.run({ workspaceId, id: file.id });
    },
    /** Every blob not yet under the ring's current key, re-encrypted; returns how many. */
    async reencryptAll(ring: KeyRing, batchSize: number): Promise<number> {
      if (options.blobDir === undefined) return 0;
      let count = 0;
      for (;;) {
        const rows = notUnderKey.all({ keyId: ring.currentKeyId, limit: batchSize });
        if (rows.length === 0) return count;
        let progressed = 0;
        for (const row of rows) {
          if (await reencryptBlob(ring, row.id, row.key_id)) progressed += 1;
        }
        // A row whose blob is gone cannot be re-encrypted; it must not hold the loop forever.
        if (progressed === 0) return count;
        count += progressed;
      }
    },
    maintenance: {
      async sweep(sweepOptions = {}) {
        if (options.blobDir === undefined) return 0;
        const dir = options.blobDir;
        let removed = 0;
        const unattachedBefore = now() - (sweepOptions.unattachedMs ?? DEFAULT_UNATTACHED_MS);
        for (const row of unattached.all({ before: unattachedBefore })) {
          const file = removeRow.immediate(row.workspace_id, row.id);
          if (file !== undefined) {
            await removeQuietly(blobPath(file.id));
            removed += 1;
          }
        }
        const partialBefore = Date.now() - (sweepOptions.partialMs ?? DEFAULT_PARTIAL_MS);
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (BLOB_NAME.test(name)) {
            if (exists.get({ id: name }) === undefined) {
              await removeQuietly(path);
              removed += 1;
            }
          } else if (PART_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
            const committedId = name.endsWith('.part') ? name.slice(0, -'.part'.length) : null;
            if (
              committedId !== null &&
              exists.get({ id: committedId }) !== undefined &&
              !existsSync(blobPath(committedId))
            ) {
              // A committed upload whose rename a crash lost: its row exists only after the part was written
              // whole and synced (commit), so the part is the blob. Finish the rename rather than orphan the row.
              renameSync(path, blobPath(committedId));
              await syncDirectory(dir);
            } else if (
              // A part gone since the listing (committed while a recovery above awaited its sync) is left alone.
              (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < partialBefore
            ) {
              await removeQuietly(path);
              removed += 1;
            }
          }
        }
        return removed;
      },
    } satisfies FileMaintenance,
    scoped(workspaceId: string): ScopedFiles {
      return {
        startUpload: (input) => startUpload(workspaceId, input),
        async get(fileId) {
          const row = get.get({ workspaceId, id: fileId });
          return row && toFile(row);
        },
        async open(fileId) {
          const row = get.get({ workspaceId, id: fileId });
          if (row === undefined) return undefined;
          let fd: number;
          try {
            fd = openSync(blobPath(fileId), 'r');
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw error;
          }
          // Opened before the stream exists: a delete or rotation that follows cannot pull the bytes away.
          return { file: toFile(row), content: decryptedFrom(fd, options.ring(), fileId) };
        },
        async remove(fileId) {
          const file = removeRow.immediate(workspaceId, fileId);
          if (file !== undefined) await removeQuietly(blobPath(file.id));
          return file;
        },
        async usedBytes() {
          return used.get({ workspaceId })?.bytes ?? 0;
        },
      };
    },
  };
}

export function fileRecord(row: FileRow, fields: FieldCodec): StoredFile {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    channelId: row.channel_id,
    uploaderId: row.uploader_id,
    messageId: row.message_id,
    name: fields.open(ENCRYPTED_COLUMNS.fileName, row.id, row.name).toString('utf8'),
    contentType: row.content_type,
    size: row.size,
    keyId: row.key_id,
    createdAt: row.created_at,
  };
}

/** The plaintext of an opened blob; a read error fails the stream like a chunk that does not authenticate. */
function decryptedFrom(fd: number, ring: KeyRing, fileId: string) {
  // 1 MiB reads: a 16th of the default's trips through the read and decrypt streams per file.
  const source = createReadStream('', { fd, highWaterMark: 1024 * 1024 });
  const content = createBlobDecryptor(ring, fileId);
  source.on('error', (error) => content.destroy(error));
  content.on('close', () => source.destroy());
  return source.pipe(content);
}
