import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { fromFlag, type Flag } from './context';
import type { Release, ReleaseFile, ReleasePlatform } from './releaseTypes';

/** What both backends share for releases: row shapes, their mapping, and hashing installers as they stream in. */
export interface ReleaseRow {
  id: string;
  channel: string;
  platform: string;
  version: string;
  serial: number;
  feed: string;
  signature: string;
  rollout_percent: number;
  paused: Flag;
  published_at: number;
}

export interface ReleaseFileRow {
  id: string;
  release_id: string;
  name: string;
  digest: string;
  size: number;
}

export const RELEASE_COLUMNS =
  'id, channel, platform, version, serial, feed, signature, rollout_percent, paused, published_at';
export const RELEASE_FILE_COLUMNS = 'id, release_id, name, digest, size';

export const releaseFileRecord = (row: ReleaseFileRow): ReleaseFile => ({
  id: row.id,
  releaseId: row.release_id,
  name: row.name,
  digest: row.digest,
  size: row.size,
});

export const releaseRecord = (row: ReleaseRow, files: readonly ReleaseFileRow[]): Release => ({
  id: row.id,
  channel: row.channel,
  platform: row.platform as ReleasePlatform,
  version: row.version,
  serial: row.serial,
  feed: row.feed,
  signature: row.signature,
  rolloutPercent: row.rollout_percent,
  paused: fromFlag(row.paused),
  publishedAt: row.published_at,
  files: files.map(releaseFileRecord),
});

/**
 * Passes the bytes through while hashing them: after the stream ends, `matches()` says whether they are the bytes
 * the signed feed describes (SHA-512 and size), so an installer that changed after signing is never stored.
 */
export function digestingStream(expected: { readonly digest: string; readonly size: number }) {
  const hash = createHash('sha512');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  let digest: string | null = null;
  return {
    stream,
    matches(): boolean {
      digest ??= hash.digest('base64url');
      return digest === expected.digest && size === expected.size;
    },
  };
}
