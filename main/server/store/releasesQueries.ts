import { mkdirSync, renameSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail, ok } from '../../../shared/result';
import { present, toFlag, type StoreContext } from './context';
import { StoreError } from './errors';
import { newId } from './ids';
import {
  digestingStream,
  RELEASE_COLUMNS,
  RELEASE_FILE_COLUMNS,
  releaseFileRecord,
  releaseRecord,
  type ReleaseFileRow,
  type ReleaseRow,
} from './releaseRecords';
import { unlinkQuietly } from './quietUnlink';
import type { Release, ReleasesRepository } from './releaseTypes';
import { SyncedFileWriter } from './syncedFileWriter';
import { syncDirectory } from '../../files/syncDirectory';

/**
 * Releases in SQLite, their installers as files in `releaseDir` (0700), named by file id: written to `<id>.part`,
 * renamed in the same synchronous step that inserts the rows, so a name without a row exists only after a crash
 * between the two (left for the operator; nothing serves a file without its row).
 */
export function releasesQueries({ db, now }: StoreContext, options: { readonly releaseDir: string | undefined }) {
  const releaseById = db.prepare<{ id: string }, ReleaseRow>(`SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = @id`);
  const filesOf = db.prepare<{ id: string }, ReleaseFileRow>(
    `SELECT ${RELEASE_FILE_COLUMNS} FROM release_files WHERE release_id = @id ORDER BY name`,
  );
  const listAll = db.prepare<[], ReleaseRow>(
    `SELECT ${RELEASE_COLUMNS} FROM releases ORDER BY published_at DESC, serial DESC`,
  );
  const listChannel = db.prepare<{ channel: string }, ReleaseRow>(
    `SELECT ${RELEASE_COLUMNS} FROM releases WHERE channel = @channel ORDER BY published_at DESC, serial DESC`,
  );
  const latest = db.prepare<{ channel: string; platform: string }, { serial: number | null }>(
    'SELECT max(serial) AS serial FROM releases WHERE channel = @channel AND platform = @platform',
  );
  const offered = db.prepare<{ channel: string; platform: string; limit: number }, ReleaseRow>(
    `SELECT ${RELEASE_COLUMNS} FROM releases WHERE channel = @channel AND platform = @platform AND paused = 0
     ORDER BY serial DESC LIMIT @limit`,
  );
  const insertRelease = db.prepare<ReleaseRow>(
    `INSERT INTO releases (${RELEASE_COLUMNS}) VALUES (@id, @channel, @platform, @version, @serial, @feed, @signature,
       @rollout_percent, @paused, @published_at)`,
  );
  const insertFile = db.prepare<ReleaseFileRow>(
    `INSERT INTO release_files (${RELEASE_FILE_COLUMNS}) VALUES (@id, @release_id, @name, @digest, @size)`,
  );
  const setRollout = db.prepare<{ id: string; percent: number }>(
    'UPDATE releases SET rollout_percent = @percent WHERE id = @id',
  );
  const setPaused = db.prepare<{ id: string; paused: number }>('UPDATE releases SET paused = @paused WHERE id = @id');
  const fileByDigest = db.prepare<{ digest: string; name: string }, ReleaseFileRow>(
    `SELECT ${RELEASE_FILE_COLUMNS} FROM release_files WHERE digest = @digest AND name = @name ORDER BY id LIMIT 1`,
  );

  const directory = (): string => {
    if (options.releaseDir === undefined) throw new StoreError('invalid_argument', 'this store keeps no release files');
    mkdirSync(options.releaseDir, { recursive: true, mode: 0o700 });
    return options.releaseDir;
  };
  const toRelease = (row: ReleaseRow): Release => releaseRecord(row, filesOf.all({ id: row.id }));

  const repository: ReleasesRepository = {
    async publish(input) {
      const dir = directory();
      const releaseId = newId(now());
      const written: { row: ReleaseFileRow; part: string }[] = [];
      const discard = () => {
        for (const { part } of written) unlinkQuietly(part);
      };
      try {
        for (const file of input.files) {
          const id = newId(now());
          const part = join(dir, `${id}.part`);
          written.push({
            row: { id, release_id: releaseId, name: file.name, digest: file.digest, size: file.size },
            part,
          });
          const check = digestingStream(file);
          const handle = await openFile(part, 'wx', 0o600);
          const source = file.content instanceof Readable ? file.content : Readable.from(file.content);
          await pipeline(source, check.stream, new SyncedFileWriter(handle));
          if (!check.matches()) {
            discard();
            return fail('file_mismatch', `${file.name} is not the file the signed feed describes (SHA-512 or size).`);
          }
        }
      } catch (error) {
        discard();
        throw error;
      }
      const stored = db
        .transaction(() => {
          if ((latest.get({ channel: input.channel, platform: input.platform })?.serial ?? 0) >= input.serial) {
            return fail(
              'serial_not_newer',
              `A release of ${input.channel} for ${input.platform} has this serial or a newer one.`,
            );
          }
          insertRelease.run({
            id: releaseId,
            channel: input.channel,
            platform: input.platform,
            version: input.version,
            serial: input.serial,
            feed: input.feed,
            signature: input.signature,
            rollout_percent: input.rolloutPercent,
            paused: toFlag(false),
            published_at: now(),
          });
          for (const { row, part } of written) {
            insertFile.run(row);
            renameSync(part, join(dir, row.id));
          }
          return ok(toRelease(present(releaseById.get({ id: releaseId }), 'release')));
        })
        .immediate();
      if (!stored.ok) discard();
      // The renamed files' names durable before the release is announced as published.
      else await syncDirectory(dir);
      return stored;
    },
    async get(releaseId) {
      const row = releaseById.get({ id: releaseId });
      return row && toRelease(row);
    },
    async list(channel) {
      return (channel === undefined ? listAll.all() : listChannel.all({ channel })).map(toRelease);
    },
    async latestSerial(channel, platform) {
      return latest.get({ channel, platform })?.serial ?? 0;
    },
    async offered(channel, platform, limit) {
      return offered.all({ channel, platform, limit }).map(toRelease);
    },
    async setRollout(releaseId, percent) {
      return setRollout.run({ id: releaseId, percent }).changes === 1;
    },
    async setPaused(releaseId, paused) {
      return setPaused.run({ id: releaseId, paused: toFlag(paused) }).changes === 1;
    },
    async openFile(digest, name) {
      const row = fileByDigest.get({ digest, name });
      if (row === undefined || options.releaseDir === undefined) return undefined;
      const handle = await openFile(join(options.releaseDir, row.id), 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (handle === undefined) return undefined;
      return { file: releaseFileRecord(row), content: handle.createReadStream({ highWaterMark: 1024 * 1024 }) };
    },
  };
  return repository;
}
