import { session, type App } from 'electron';
import { autoUpdater, Provider, type ResolvedUpdateFileInfo, type UpdateInfo } from 'electron-updater';
import type { ProviderRuntimeOptions } from 'electron-updater/out/providers/Provider';
import { endpoints } from '../../shared/rest/endpoints';
import type { CredentialVault } from '../session/credentialVault';
import type { UpdateService } from '../updates/updateService';
import { pinServerCertificates } from './pinnedCertificates';

/**
 * electron-updater, kept thin (docs/admin.md, "Signed updates"): it installs, main/updates decides. Its custom
 * provider takes the feed main/updates fetched over the pinned TLS connection and verified (signature, channel,
 * platform, serial, version); electron-updater downloads the installer from the server (its partition pinned to
 * the server's key like the window's) and checks the SHA-512 itself; main/updates checks the file again against
 * the signed feed before install-on-quit is allowed. Only a packaged app updates; this machine has no Electron
 * binary, so this file is typechecked and the logic it calls is tested in Node (main/updates/*.test.ts).
 */
const UPDATER_PARTITION = 'electron-updater';
const CHECK_EVERY_MS = 6 * 3600_000;

export function startAutoUpdates(options: {
  readonly app: App;
  readonly updates: UpdateService;
  readonly vault: CredentialVault;
  readonly log: (message: string) => void;
}): UpdateService {
  const { app, updates, vault, log } = options;
  if (!app.isPackaged) {
    log('updates: not a packaged app, so electron-updater is not started (checks still run for the About page)');
    return updates;
  }
  pinServerCertificates(session.fromPartition(UPDATER_PARTITION), vault);

  class VerifiedFeedProvider extends Provider<UpdateInfo> {
    constructor(_options: unknown, _updater: unknown, runtimeOptions: ProviderRuntimeOptions) {
      super(runtimeOptions);
    }
    async getLatestVersion(): Promise<UpdateInfo> {
      await updates.check();
      const feed = updates.accepted();
      // Nothing verified to offer: the running version, which electron-updater treats as "no update".
      if (feed === null) return { version: app.getVersion(), files: [], path: '', sha512: '', releaseDate: '' };
      return {
        version: feed.version,
        files: feed.files,
        path: feed.path,
        sha512: feed.sha512,
        releaseDate: feed.releaseDate,
      };
    }
    resolveFiles(info: UpdateInfo): ResolvedUpdateFileInfo[] {
      const server = vault.identity()?.server;
      if (server === undefined) return [];
      const base = new URL(
        `https://${server.host}:${server.port}${endpoints.updateFile.path.replace(/:digest\/:name$/, '')}`,
      );
      return info.files.map((file) => ({ url: new URL(file.url, base), info: file }));
    }
  }

  autoUpdater.autoDownload = true;
  // Installed only after main/updates checked the downloaded file against the signed feed.
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.setFeedURL({ provider: 'custom', updateProvider: VerifiedFeedProvider });
  autoUpdater.on('update-downloaded', (event) => {
    void updates.verifyDownloaded(event.downloadedFile).then((verified) => {
      autoUpdater.autoInstallOnAppQuit = verified;
      log(verified ? `updates: ${event.version} verified; it installs when whoot quits` : 'updates: download refused');
    });
  });
  autoUpdater.on('error', (error) => log(`updates: ${error.message}`));
  const check = () => {
    if (vault.identity() !== null) autoUpdater.checkForUpdates().catch(() => undefined);
  };
  setInterval(check, CHECK_EVERY_MS).unref();
  return {
    ...updates,
    // "Check now" goes through electron-updater, so an accepted update is also downloaded and verified.
    async check() {
      await autoUpdater.checkForUpdates().catch(() => undefined);
      return updates.status();
    },
  };
}
