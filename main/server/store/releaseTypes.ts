import type { Result } from '../../../shared/result';

/**
 * Releases of the desktop app an organization publishes to its own server (docs/admin.md, "Signed updates"): one per
 * channel and platform, carrying the electron-updater feed exactly as the admin's key signed it, the detached
 * signature, and the installers the feed names. The server stores and serves them and never signs anything.
 */
export type ReleasePlatform = 'linux' | 'mac' | 'win';

export interface ReleaseFile {
  readonly id: string;
  readonly releaseId: string;
  readonly name: string;
  /** SHA-512 of the content, base64url: what the feed lists (as base64) and what the download URL names. */
  readonly digest: string;
  readonly size: number;
}

export interface Release {
  readonly id: string;
  readonly channel: string;
  readonly platform: ReleasePlatform;
  readonly version: string;
  /** The feed's signed serial: above every earlier release of the channel and platform, so a replay is visible. */
  readonly serial: number;
  /** The feed's bytes (YAML), exactly as signed. */
  readonly feed: string;
  /** Ed25519 over the feed (shared/updateFeed.ts), base64url. */
  readonly signature: string;
  /** 0-100: the share of installations offered this release (by a hash of the installation id). */
  readonly rolloutPercent: number;
  readonly paused: boolean;
  readonly publishedAt: number;
  readonly files: readonly ReleaseFile[];
}

export interface NewReleaseFile {
  readonly name: string;
  /** What the signed feed says; the bytes are hashed as they stream in and must match, or nothing is stored. */
  readonly digest: string;
  readonly size: number;
  readonly content: AsyncIterable<Uint8Array> | NodeJS.ReadableStream;
}

export type NewRelease = Omit<Release, 'id' | 'paused' | 'publishedAt' | 'files'> & {
  readonly files: readonly NewReleaseFile[];
};

export type PublishFailure = 'serial_not_newer' | 'file_mismatch';

export interface ReleasesRepository {
  /**
   * Stores the installers (each hashed as it streams and compared with the feed's digest and size), then the
   * release, in one step that refuses a serial not above the channel and platform's newest (`serial_not_newer`).
   * A failure leaves nothing behind.
   */
  publish(input: NewRelease): Promise<Result<Release>>;
  get(releaseId: string): Promise<Release | undefined>;
  /** Newest first; every channel when none is named. */
  list(channel?: string): Promise<Release[]>;
  /** The newest serial of the channel and platform, 0 when none. */
  latestSerial(channel: string, platform: ReleasePlatform): Promise<number>;
  /** Releases that are not paused, newest first, at most `limit`: what the feed route chooses from. */
  offered(channel: string, platform: ReleasePlatform, limit: number): Promise<Release[]>;
  setRollout(releaseId: string, percent: number): Promise<boolean>;
  setPaused(releaseId: string, paused: boolean): Promise<boolean>;
  /** An installer by its digest and name, as a stream, or undefined. */
  openFile(
    digest: string,
    name: string,
  ): Promise<{ readonly file: ReleaseFile; readonly content: NodeJS.ReadableStream } | undefined>;
}
