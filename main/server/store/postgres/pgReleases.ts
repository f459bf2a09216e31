import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, ok } from '../../../../shared/result';
import { present } from '../context';
import { newId } from '../ids';
import {
  digestingStream,
  RELEASE_COLUMNS,
  RELEASE_FILE_COLUMNS,
  releaseFileRecord,
  releaseRecord,
  type ReleaseFileRow,
  type ReleaseRow,
} from '../releaseRecords';
import type { Release, ReleasesRepository } from '../releaseTypes';
import { writeInRows } from './pgFiles';
import type { PgStoreContext } from './pgContext';
import { LOCK_SPACE, LOCKS } from './pgMigrations';
import type { Sql } from './pgSql';

const ROWS_PER_READ = 4;

/**
 * Releases in PostgreSQL: server-wide tables through the application role, installers as release_chunks rows of
 * about 1 MiB (like file_chunks, unsealed: see the migration). A publish streams each installer into rows under its
 * new file id, hashing it on the way, then inserts the release and its files in one transaction that holds an
 * advisory lock per channel and platform, so two nodes cannot both publish the next serial.
 */
export function pgReleases({ db, now }: PgStoreContext): ReleasesRepository {
  const filesOf = (sql: Sql, releaseId: string) =>
    sql.rows<ReleaseFileRow>(`SELECT ${RELEASE_FILE_COLUMNS} FROM release_files WHERE release_id = $1 ORDER BY name`, [
      releaseId,
    ]);
  const withFiles = async (sql: Sql, rows: readonly ReleaseRow[]): Promise<Release[]> => {
    const releases: Release[] = [];
    for (const row of rows) releases.push(releaseRecord(row, await filesOf(sql, row.id)));
    return releases;
  };
  const deleteChunks = (fileIds: readonly string[]) =>
    db.app((sql) => sql.run('DELETE FROM release_chunks WHERE file_id = ANY($1::text[])', [fileIds]));

  const writeChunks = (fileId: string, content: AsyncIterable<Buffer>) =>
    writeInRows(content, (seq, data) =>
      db.app((sql) =>
        sql.run('INSERT INTO release_chunks (file_id, seq, data) VALUES ($1, $2, $3)', [fileId, seq, data]),
      ),
    );

  async function* readChunks(fileId: string): AsyncGenerator<Buffer> {
    for (let next = 0; ;) {
      const rows = await db.app((sql) =>
        sql.rows<{ seq: number; data: Buffer }>(
          `SELECT seq, data FROM release_chunks WHERE file_id = $1 AND seq >= $2 ORDER BY seq LIMIT ${ROWS_PER_READ}`,
          [fileId, next],
        ),
      );
      for (const row of rows) {
        if (row.seq !== next) return;
        next += 1;
        yield row.data;
      }
      if (rows.length < ROWS_PER_READ) return;
    }
  }

  return {
    async publish(input) {
      const releaseId = newId(now());
      const rows: ReleaseFileRow[] = [];
      try {
        for (const file of input.files) {
          const id = newId(now());
          rows.push({ id, release_id: releaseId, name: file.name, digest: file.digest, size: file.size });
          const check = digestingStream(file);
          const source = file.content instanceof Readable ? file.content : Readable.from(file.content);
          await Promise.all([pipeline(source, check.stream), writeChunks(id, check.stream)]);
          if (!check.matches()) {
            await deleteChunks(rows.map((row) => row.id));
            return fail('file_mismatch', `${file.name} is not the file the signed feed describes (SHA-512 or size).`);
          }
        }
      } catch (error) {
        await deleteChunks(rows.map((row) => row.id)).catch(() => undefined);
        throw error;
      }
      const stored = await db.app(async (sql) => {
        await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          LOCK_SPACE,
          `${LOCKS.releaseSerial}:${input.channel}:${input.platform}`,
        ]);
        const latest = await sql.row<{ serial: number | null }>(
          'SELECT max(serial) AS serial FROM releases WHERE channel = $1 AND platform = $2',
          [input.channel, input.platform],
        );
        if ((latest?.serial ?? 0) >= input.serial) {
          return fail(
            'serial_not_newer',
            `A release of ${input.channel} for ${input.platform} has this serial or a newer one.`,
          );
        }
        await sql.run(`INSERT INTO releases (${RELEASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, false, $9)`, [
          releaseId,
          input.channel,
          input.platform,
          input.version,
          input.serial,
          input.feed,
          input.signature,
          input.rolloutPercent,
          now(),
        ]);
        for (const row of rows) {
          await sql.run(`INSERT INTO release_files (${RELEASE_FILE_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
            row.id,
            row.release_id,
            row.name,
            row.digest,
            row.size,
          ]);
        }
        const inserted = present(
          await sql.row<ReleaseRow>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = $1`, [releaseId]),
          'release',
        );
        return ok((await withFiles(sql, [inserted]))[0] as Release);
      });
      if (!stored.ok) await deleteChunks(rows.map((row) => row.id));
      return stored;
    },
    get: (releaseId) =>
      db.app(async (sql) => {
        const row = await sql.row<ReleaseRow>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = $1`, [releaseId]);
        return row && (await withFiles(sql, [row]))[0];
      }),
    list: (channel) =>
      db.app(async (sql) =>
        withFiles(
          sql,
          await sql.rows<ReleaseRow>(
            `SELECT ${RELEASE_COLUMNS} FROM releases WHERE $1::text IS NULL OR channel = $1
             ORDER BY published_at DESC, serial DESC`,
            [channel ?? null],
          ),
        ),
      ),
    latestSerial: (channel, platform) =>
      db.app(
        async (sql) =>
          (
            await sql.row<{ serial: number | null }>(
              'SELECT max(serial) AS serial FROM releases WHERE channel = $1 AND platform = $2',
              [channel, platform],
            )
          )?.serial ?? 0,
      ),
    offered: (channel, platform, limit) =>
      db.app(async (sql) =>
        withFiles(
          sql,
          await sql.rows<ReleaseRow>(
            `SELECT ${RELEASE_COLUMNS} FROM releases WHERE channel = $1 AND platform = $2 AND NOT paused
             ORDER BY serial DESC LIMIT $3`,
            [channel, platform, Math.max(0, Math.trunc(limit))],
          ),
        ),
      ),
    setRollout: (releaseId, percent) =>
      db.app(
        async (sql) =>
          (await sql.run('UPDATE releases SET rollout_percent = $2 WHERE id = $1', [releaseId, percent])) === 1,
      ),
    setPaused: (releaseId, paused) =>
      db.app(
        async (sql) => (await sql.run('UPDATE releases SET paused = $2 WHERE id = $1', [releaseId, paused])) === 1,
      ),
    async openFile(digest, name) {
      const row = await db.app((sql) =>
        sql.row<ReleaseFileRow>(
          `SELECT ${RELEASE_FILE_COLUMNS} FROM release_files WHERE digest = $1 AND name = $2 ORDER BY id LIMIT 1`,
          [digest, name],
        ),
      );
      if (row === undefined) return undefined;
      return { file: releaseFileRecord(row), content: Readable.from(readChunks(row.id)) };
    },
  };
}
