import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { updateChannelsOf, type ManagedPolicy } from '../../shared/managedPolicy';
import { fail, ok, type Result } from '../../shared/result';
import type { ServerAddress } from '../../shared/identifiers';
import type { UpdateCheck, UpdateFeed, UpdatePlatform, UpdateRefusal, UpdateStatus } from '../../shared/updates';
import type { EventSink } from '../ipc/eventSink';
import type { ServerApi } from '../session/apiClient';
import type { SignedCalls } from '../session/signedCalls';
import { verifyOfferedFeed } from './feedVerifier';
import { installerAddress, installerMatches, primaryInstaller } from './installerVerifier';
import { serialKey, type UpdateStateStore } from './updateState';

/**
 * The app's half of the signed update channel, without Electron (docs/admin.md, "Signed updates"): asks the
 * signed-in server for the feed over the pinned TLS connection (a server with another key is never reached),
 * checks it (feedVerifier.ts), remembers the serial it accepted, downloads the installer over the same pinned
 * connection and checks its SHA-512 and size before anyone may install it. Every outcome, refusals with their
 * reason included, becomes the About page's "last update check" (`updates.changed`).
 */
export interface UpdateService {
  status(): Promise<UpdateStatus>;
  check(): Promise<UpdateStatus>;
  /** The newer release the last check accepted, or null. */
  accepted(): UpdateFeed | null;
  /** Downloads the accepted release's installer into `dir` and verifies it; refused with the reason otherwise. */
  download(dir: string): Promise<Result<{ readonly path: string; readonly feed: UpdateFeed }>>;
  /** Checks a file someone else downloaded (electron-updater) against the accepted feed, and records the outcome. */
  verifyDownloaded(path: string): Promise<boolean>;
}

/** The feed platform for a Node platform name, or null where whoot publishes no installers. */
export function updatePlatformOf(platform: string): UpdatePlatform | null {
  return platform === 'linux' ? 'linux' : platform === 'darwin' ? 'mac' : platform === 'win32' ? 'win' : null;
}

export function createUpdateService(deps: {
  readonly calls: SignedCalls;
  readonly api: Pick<ServerApi, 'downloadInstaller'>;
  readonly policy: ManagedPolicy;
  readonly currentVersion: string;
  /** null where whoot publishes no installers (then nothing is ever offered). */
  readonly platform: UpdatePlatform | null;
  readonly state: UpdateStateStore;
  readonly events?: EventSink;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
}): UpdateService {
  const now = deps.now ?? Date.now;
  const { channel, allowed } = updateChannelsOf(deps.policy);
  let checking = false;
  let accepted: { feed: UpdateFeed; server: ServerAddress } | null = null;

  const status = async (): Promise<UpdateStatus> => ({
    version: deps.currentVersion,
    channel,
    channelManaged: deps.policy.updateChannel !== undefined,
    lastCheck: (await deps.state.load()).lastCheck,
    checking,
  });

  const record = async (check: Omit<UpdateCheck, 'at'>, serial?: { key: string; value: number }): Promise<void> => {
    const state = await deps.state.load();
    await deps.state.save({
      ...state,
      serials: serial === undefined ? state.serials : { ...state.serials, [serial.key]: serial.value },
      lastCheck: { ...check, at: now(), message: check.message.slice(0, 400) },
    });
    if (check.outcome === 'refused') deps.log?.(`updates: refused (${check.reason}): ${check.message}`);
    deps.events?.emit('updates.changed', await status());
  };
  const refuse = (reason: UpdateRefusal, message: string, offeredVersion: string | null = null) =>
    record({ outcome: 'refused', reason, message, offeredVersion });

  async function runCheck(): Promise<void> {
    accepted = null;
    const publicKey = deps.policy.releasePublicKey;
    if (publicKey === undefined || deps.platform === null) {
      return record({
        outcome: 'not_configured',
        reason: null,
        message:
          deps.platform === null
            ? 'Updates from your server are not available on this platform.'
            : 'Updates from your server are off: your organization has not set a release key (releasePublicKey).',
        offeredVersion: null,
      });
    }
    const { installationId, serials } = await deps.state.load();
    const answer = await deps.calls.call('updateFeed', {
      body: { channel, platform: deps.platform, installationId },
    });
    if (!answer.ok) {
      if (answer.error.code === 'server_key_mismatch') {
        return refuse(
          'server_key_mismatch',
          `The update server's key is not the one this app pinned: ${answer.error.message}`,
        );
      }
      return record({ outcome: 'failed', reason: null, message: answer.error.message, offeredVersion: null });
    }
    const { response, identity } = answer.value;
    if (response.release === null) {
      return record({
        outcome: 'up_to_date',
        reason: null,
        message: 'No release is offered on this channel.',
        offeredVersion: null,
      });
    }
    const server = identity.server;
    const key = serialKey({
      server: `${server.host}:${server.port}:${server.spkiPin}`,
      channel,
      platform: deps.platform,
    });
    const verdict = verifyOfferedFeed(response.release, {
      publicKey,
      allowedChannels: allowed,
      platform: deps.platform,
      currentVersion: deps.currentVersion,
      lastSerial: serials[key] ?? 0,
    });
    if (verdict.kind === 'refused') return refuse(verdict.reason, verdict.message);
    const serial = { key, value: verdict.feed.serial };
    if (verdict.kind === 'current') {
      return record(
        {
          outcome: 'up_to_date',
          reason: null,
          message: `${deps.currentVersion} is the newest release.`,
          offeredVersion: verdict.feed.version,
        },
        serial,
      );
    }
    accepted = { feed: verdict.feed, server };
    return record(
      {
        outcome: 'available',
        reason: null,
        message: `Version ${verdict.feed.version} is available.`,
        offeredVersion: verdict.feed.version,
      },
      serial,
    );
  }

  let running: Promise<void> | null = null;
  return {
    status,
    accepted: () => accepted?.feed ?? null,
    async check() {
      // One check at a time; a second caller waits for the one under way.
      if (running === null) {
        checking = true;
        running = runCheck()
          .catch(async (error: unknown) => {
            deps.log?.(`updates: the check failed (${error instanceof Error ? error.message : 'error'})`);
            await record({
              outcome: 'failed',
              reason: null,
              message: 'The update check failed.',
              offeredVersion: null,
            });
          })
          .finally(() => {
            checking = false;
            running = null;
          });
      }
      await running;
      return status();
    },
    async download(dir) {
      if (accepted === null) return fail('no_update', 'There is no verified update to download.');
      const { feed, server } = accepted;
      const file = primaryInstaller(feed);
      const address = installerAddress(file);
      if (address === null) {
        await refuse(
          'malformed_feed',
          'The update feed names its installer in a form whoot does not use.',
          feed.version,
        );
        return fail('malformed_feed', 'The update feed names its installer in a form whoot does not use.');
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, address.name);
      const part = `${path}.part`;
      const hash = createHash('sha512');
      let size = 0;
      try {
        const download = await deps.api.downloadInstaller(server, address);
        const handle = await open(part, 'w', 0o600);
        download.stream.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
          // A server that keeps sending past the signed size is cut off rather than written to disk without end.
          if (size > file.size) download.stream.destroy(new Error('larger than the signed size'));
        });
        await pipeline(download.stream, handle.createWriteStream());
      } catch (error) {
        await rm(part, { force: true });
        const message = `The update could not be downloaded: ${error instanceof Error ? error.message : 'error'}`;
        await record({ outcome: 'failed', reason: null, message, offeredVersion: feed.version });
        return fail('download_failed', message);
      }
      if (size !== file.size || hash.digest('base64') !== file.sha512) {
        await rm(part, { force: true });
        const message = `The downloaded installer for ${feed.version} is not the one the signed feed lists (SHA-512 or size); it was deleted.`;
        await refuse('hash_mismatch', message, feed.version);
        return fail('hash_mismatch', message);
      }
      await rename(part, path);
      await record({
        outcome: 'downloaded',
        reason: null,
        message: `Version ${feed.version} is downloaded and verified.`,
        offeredVersion: feed.version,
      });
      return ok({ path, feed });
    },
    async verifyDownloaded(path) {
      if (accepted === null) return false;
      const { feed } = accepted;
      if (await installerMatches(path, primaryInstaller(feed))) {
        await record({
          outcome: 'downloaded',
          reason: null,
          message: `Version ${feed.version} is downloaded and verified.`,
          offeredVersion: feed.version,
        });
        return true;
      }
      await refuse(
        'hash_mismatch',
        `The downloaded installer for ${feed.version} is not the one the signed feed lists; it will not be installed.`,
        feed.version,
      );
      return false;
    },
  };
}
