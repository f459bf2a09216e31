import { createHash } from 'node:crypto';
import type { Release } from '../store';

/**
 * Whether a staged rollout at `percent` includes an installation: a stable bucket 0-99 from a hash of the release
 * and the installation id, so the same installation gets the same answer on every check and node, raising the
 * percentage only adds installations, and each release draws a different sample.
 */
export function rolloutBucket(releaseId: string, installationId: string): number {
  const hash = createHash('sha256').update(`whoot-rollout-v1\n${releaseId}\n${installationId}`).digest();
  return hash.readUInt32BE(0) % 100;
}

export const inRollout = (release: Pick<Release, 'id' | 'rolloutPercent'>, installationId: string): boolean =>
  rolloutBucket(release.id, installationId) < release.rolloutPercent;

/** Releases a feed request may be answered with (newest first, paused ones already left out). */
export const OFFER_WINDOW = 20;

/** The newest release that includes the installation, or null: what `POST /v1/updates/feed` answers. */
export function chooseRelease(offered: readonly Release[], installationId: string): Release | null {
  return offered.find((release) => inRollout(release, installationId)) ?? null;
}
