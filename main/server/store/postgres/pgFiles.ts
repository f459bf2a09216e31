import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, ok } from '../../../../shared/result';
import { createBlobDecryptor, createBlobEncryptor } from '../blobCipher';
import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { StoreError } from '../errors';
import type { KeyRing } from '../fieldCipher';
import { DEFAULT_PARTIAL_MS, DEFAULT_UNATTACHED_MS, FILE_COLUMNS, fileRecord, type FileRow } from '../filesQueries';
import { newId } from '../ids';
import { PlaintextDigest } from '../plaintextDigest';
import type { BlobUpload, FileMaintenance, NewUpload, ScopedFiles, StoredFile } from '../types';
import type { PgStoreContext } from './pgContext';
import type { Sql } from './pgSql';

/** Rows of about 1 MiB of ciphertext: few enough per file, small enough that one row never strains memory. */
export const CHUNK_ROW_BYTES = 1024 * 1024;
/** Rows fetched per read while streaming a blob out. */
const ROWS_PER_READ = 4;
// A blob's name while it is written: like the SQLite store's part files, nothing names it until commit renames it.
const PART = '.part';
const REKEY = '.rekey';

type Transaction = <T>(work: (sql: Sql) => Promise<T>) => Promise<T>;

/**
 * Cuts a stream into rows of about CHUNK_ROW_BYTES and hands each to `insert` with its index, in order (at least one
 * row, empty for an empty stream): how file blobs and release installers become rows.
 */
export async function writeInRows(
  stream: AsyncIterable<Buffer>,
  insert: (seq: number, data: Buffer) => Promise<unknown>,
): Promise<void> {
  let pending: Buffer[] = [];
  let bytes = 0;
  let seq = 0;
  const flush = async () => {
    const data = Buffer.concat(pending);
    pending = [];
    bytes = 0;
    const index = seq;
    seq += 1;
    await insert(index, data);
  };
  for await (const piece of stream) {
    pending.push(piece);
    bytes += piece.length;
    if (bytes >= CHUNK_ROW_BYTES) await flush();
  }
  if (bytes > 0 || seq === 0) await flush();
}

/** Writes an encrypted stream as chunk rows of `blobId` under `keyId`, one short transaction per row. */
async function writeChunks(
  tx: Transaction,
  place: { readonly workspaceId: string; readonly blobId: string; readonly keyId: string },
  encrypted: AsyncIterable<Buffer>,
  now: () => number,
): Promise<void> {
  await writeInRows(encrypted, (index, data) =>
    tx((sql) =>
      sql.run(
        `INSERT INTO file_chunks (workspace_id, file_id, key_id, seq, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [place.workspaceId, place.blobId, place.keyId, index, data, now()],
      ),
    ),
  );
}

/** The stored ciphertext of a blob, a few rows at a time, in order. */
async function* readChunks(
  tx: Transaction,
  place: { readonly workspaceId: string; readonly blobId: string; readonly keyId: string },
): AsyncGenerator<Buffer> {
  for (let next = 0; ;) {
    const rows = await tx((sql) =>
      sql.rows<{ seq: number; data: Buffer }>(
        `SELECT seq, data FROM file_chunks WHERE workspace_id = $1 AND file_id = $2 AND key_id = $3 AND seq >= $4
         ORDER BY seq LIMIT ${ROWS_PER_READ}`,
        [place.workspaceId, place.blobId, place.keyId, next],
      ),
    );
    for (const row of rows) {
      // A gap means the blob changed under the reader (deleted, rotated): the decryptor must see it end early.
      if (row.seq !== next) return;
      next += 1;
      yield row.data;
    }
    if (rows.length < ROWS_PER_READ) return;
  }
}

const renameBlob = (sql: Sql, workspaceId: string, from: string, to: string, keyId: string) =>
  sql.run('UPDATE file_chunks SET file_id = $3 WHERE workspace_id = $1 AND file_id = $2 AND key_id = $4', [
    workspaceId,
    from,
    to,
    keyId,
  ]);

/**
 * Files and their contents in PostgreSQL (README.md, "Blobs in PostgreSQL"): the same blob format as on disk (blobCipher.ts),
 * cut into rows of file_chunks named by file id and key id. An upload streams into `<id>.part` rows and commit
 * renames them to `<id>` in the transaction that inserts the file's row, so a blob without a row is either still
 * being written or left over, and the sweep can tell which by its name and age.
 */
export function pgFiles({ db, now, fields }: PgStoreContext, options: { readonly ring: () => KeyRing }) {
  const toFile = (row: FileRow): StoredFile => fileRecord(row, fields);
  const getRow = (sql: Sql, workspaceId: string, fileId: string) =>
    sql.row<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE workspace_id = $1 AND id = $2`, [workspaceId, fileId]);

  /** Deletes the file's row and its blob in one transaction (inside the caller's, scoped). */
  async function deleteFile(sql: Sql, workspaceId: string, fileId: string): Promise<StoredFile | undefined> {
    const row = await getRow(sql, workspaceId, fileId);
    if (row === undefined) return undefined;
    await sql.run('DELETE FROM files WHERE workspace_id = $1 AND id = $2', [workspaceId, fileId]);
    await sql.run('DELETE FROM file_chunks WHERE workspace_id = $1 AND file_id = $2', [workspaceId, fileId]);
    return toFile(row);
  }

  function startUpload(workspaceId: string, input: NewUpload): BlobUpload {
    const fileId = newId(now());
    const partId = `${fileId}${PART}`;
    const tx: Transaction = (work) => db.scoped(workspaceId, work);
    let keyId: string | undefined;
    let finished = false;
    let settled = false;
    const discard = () =>
      tx((sql) => sql.run('DELETE FROM file_chunks WHERE workspace_id = $1 AND file_id = $2', [workspaceId, partId]));
    return {
      fileId,
      async writeFrom(plaintext) {
        if (finished || settled) throw new StoreError('invalid_argument', 'this upload was already written');
        const ring = options.ring();
        const encryptor = createBlobEncryptor(ring, fileId);
        keyId = ring.currentKeyId;
        const digest = new PlaintextDigest();
        try {
          const source =
            plaintext instanceof Readable ? plaintext : Readable.from(plaintext as AsyncIterable<Uint8Array>);
          const written = writeChunks(tx, { workspaceId, blobId: partId, keyId }, encryptor, now);
          await Promise.all([pipeline(source, digest, encryptor), written]);
          if (digest.result === undefined) throw new StoreError('invalid_argument', 'the upload did not finish');
          finished = true;
          return digest.result;
        } catch (error) {
          settled = true;
          encryptor.destroy();
          await discard().catch(() => undefined);
          throw error;
        }
      },
      async commit(size, quotaBytes) {
        if (!finished || settled || keyId === undefined) {
          throw new StoreError('invalid_argument', 'an upload is committed once, after it was written');
        }
        settled = true;
        const usedKeyId = keyId;
        const stored = await tx(async (sql) => {
          // The workspace row's lock makes concurrent commits on any node check the quota one after another.
          await sql.run('SELECT id FROM workspaces WHERE id = $1 FOR NO KEY UPDATE', [workspaceId]);
          const channel = await sql.row('SELECT id FROM channels WHERE workspace_id = $1 AND id = $2', [
            workspaceId,
            input.channelId,
          ]);
          if (channel === undefined) return fail('unknown_channel', 'The channel does not exist.');
          const used = await sql.row<{ bytes: number }>(
            'SELECT coalesce(sum(size), 0)::bigint AS bytes FROM files WHERE workspace_id = $1',
            [workspaceId],
          );
          if ((used?.bytes ?? 0) + size > quotaBytes) {
            return fail('quota_exceeded', 'The workspace has no room for this file.');
          }
          await sql.run(
            `INSERT INTO files (workspace_id, id, channel_id, uploader_id, message_id, name, content_type, size, key_id,
               created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9)`,
            [
              workspaceId,
              fileId,
              input.channelId,
              input.uploaderId,
              fields.seal(ENCRYPTED_COLUMNS.fileName, fileId, Buffer.from(input.name, 'utf8')),
              input.contentType,
              size,
              usedKeyId,
              now(),
            ],
          );
          await renameBlob(sql, workspaceId, partId, fileId, usedKeyId);
          return ok(toFile(present(await getRow(sql, workspaceId, fileId), 'file')));
        });
        if (!stored.ok) await discard();
        return stored;
      },
      async abort() {
        settled = true;
        await discard();
      },
    };
  }

  /** Re-encrypts one blob under the ring's current key beside the old one, then switches in one transaction. */
  async function reencryptBlob(ring: KeyRing, file: { id: string; workspace_id: string; key_id: string }) {
    const tx: Transaction = (work) => db.maintenance(work);
    const rekeyId = `${file.id}${REKEY}`;
    const old = { workspaceId: file.workspace_id, blobId: file.id, keyId: file.key_id };
    const fresh = { workspaceId: file.workspace_id, blobId: rekeyId, keyId: ring.currentKeyId };
    const clear = () =>
      tx((sql) => sql.run('DELETE FROM file_chunks WHERE file_id = $1 AND key_id = $2', [rekeyId, fresh.keyId]));
    await clear();
    const decryptor = createBlobDecryptor(ring, file.id);
    const encryptor = createBlobEncryptor(ring, file.id);
    try {
      await Promise.all([
        pipeline(Readable.from(readChunks(tx, old)), decryptor, encryptor),
        writeChunks(tx, fresh, encryptor, now),
      ]);
    } catch {
      await clear();
      return false;
    }
    return tx(async (sql) => {
      const current = await sql.row<{ key_id: string }>('SELECT key_id FROM files WHERE id = $1 FOR UPDATE', [file.id]);
      // Deleted or rotated meanwhile: the fresh copy is not needed.
      if (current?.key_id !== file.key_id) {
        await sql.run('DELETE FROM file_chunks WHERE file_id = $1 AND key_id = $2', [rekeyId, fresh.keyId]);
        return false;
      }
      await sql.run('DELETE FROM file_chunks WHERE file_id = $1 AND key_id = $2', [file.id, file.key_id]);
      await renameBlob(sql, file.workspace_id, rekeyId, file.id, fresh.keyId);
      await sql.run('UPDATE files SET key_id = $2 WHERE id = $1', [file.id, fresh.keyId]);
      return true;
    });
  }

  const maintenance: FileMaintenance = {
    async sweep(sweepOptions = {}) {
      let removed = 0;
      const unattachedBefore = now() - (sweepOptions.unattachedMs ?? DEFAULT_UNATTACHED_MS);
      // Named cross-workspace operation: housekeeping finds the ids; each delete then runs in its workspace.
      const stale = await db.maintenance((sql) =>
        sql.rows<{ id: string; workspace_id: string }>(
          'SELECT id, workspace_id FROM files WHERE message_id IS NULL AND created_at < $1',
          [unattachedBefore],
        ),
      );
      for (const row of stale) {
        if ((await db.scoped(row.workspace_id, (sql) => deleteFile(sql, row.workspace_id, row.id))) !== undefined) {
          removed += 1;
        }
      }
      const partialBefore = now() - (sweepOptions.partialMs ?? DEFAULT_PARTIAL_MS);
      // Blobs no row names (their file, channel or workspace was deleted, or a rotation replaced them), and part
      // blobs whose last row is older than partialMs (an upload or rotation a crash cut short).
      const orphans = await db.maintenance((sql) =>
        sql.rows<{ file_id: string; key_id: string }>(
          `WITH gone AS (
             DELETE FROM file_chunks c USING (
               SELECT file_id, key_id FROM file_chunks g
               WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.id = g.file_id AND f.key_id = g.key_id)
               GROUP BY file_id, key_id
               HAVING (file_id NOT LIKE '%${PART}' AND file_id NOT LIKE '%${REKEY}') OR max(created_at) < $1
             ) o WHERE c.file_id = o.file_id AND c.key_id = o.key_id
             RETURNING c.file_id, c.key_id)
           SELECT DISTINCT file_id, key_id FROM gone`,
          [partialBefore],
        ),
      );
      return removed + orphans.length;
    },
  };

  return {
    getRow,
    deleteFile,
    maintenance,
    /** Every blob not yet under the ring's current key, re-encrypted; returns how many. */
    async reencryptAll(ring: KeyRing, batchSize: number): Promise<number> {
      let count = 0;
      for (;;) {
        const rows = await db.maintenance((sql) =>
          sql.rows<{ id: string; workspace_id: string; key_id: string }>(
            'SELECT id, workspace_id, key_id FROM files WHERE key_id <> $1 ORDER BY id LIMIT $2',
            [ring.currentKeyId, batchSize],
          ),
        );
        if (rows.length === 0) return count;
        let progressed = 0;
        for (const row of rows) if (await reencryptBlob(ring, row)) progressed += 1;
        // A row whose blob is gone cannot be re-encrypted; it must not hold the loop forever.
        if (progressed === 0) return count;
        count += progressed;
      }
    },
    scoped(workspaceId: string): ScopedFiles {
      return {
        startUpload: (input) => startUpload(workspaceId, input),
        async get(fileId) {
          const row = await db.scoped(workspaceId, (sql) => getRow(sql, workspaceId, fileId));
          return row && toFile(row);
        },
        async open(fileId) {
          const tx: Transaction = (work) => db.scoped(workspaceId, work);
          const row = await tx((sql) => getRow(sql, workspaceId, fileId));
          if (row === undefined) return undefined;
          const chunks = readChunks(tx, { workspaceId, blobId: fileId, keyId: row.key_id });
          const first = await chunks.next();
          if (first.done) return undefined;
          async function* all() {
            yield first.value as Buffer;
            yield* chunks;
          }
          const content = createBlobDecryptor(options.ring(), fileId);
          const source = Readable.from(all());
          source.on('error', (error) => content.destroy(error));
          content.on('close', () => source.destroy());
          return { file: toFile(row), content: source.pipe(content) };
        },
        remove: (fileId) => db.scoped(workspaceId, (sql) => deleteFile(sql, workspaceId, fileId)),
        async usedBytes() {
          const row = await db.scoped(workspaceId, (sql) =>
            sql.row<{ bytes: number }>(
              'SELECT coalesce(sum(size), 0)::bigint AS bytes FROM files WHERE workspace_id = $1',
              [workspaceId],
            ),
          );
          return row?.bytes ?? 0;
        },
      };
    },
  };
}
