import { resolve } from 'node:path';
import { app } from 'electron';
import { DEEP_LINK_SCHEME } from '../../shared/deepLink';
import { findDeepLinkArg } from '../security/deepLinkArgv';

/**
 * Makes this the only running instance and the handler of whoot:// links. Returns false when another instance
 * already runs: the caller should quit at once (this instance's argv, including any link, has been forwarded to
 * the first one, which receives it through `second-instance`).
 *
 * `onLink` receives raw, untrusted strings from three places: this launch's argv (Windows/Linux), a second
 * instance's argv, and macOS `open-url`. It can be called before `ready` (at once for argv; macOS delivers
 * `open-url` early on a cold start), so the caller should queue links until its window can take them, and must
 * parse each with parseDeepLink() from shared/deepLink.ts before acting on it.
 */
export function setupSingleInstanceAndDeepLinks(options: { onLink(url: string): void }): boolean {
  if (!app.requestSingleInstanceLock()) return false;

  registerAsDefaultProtocolClient();

  app.on('second-instance', (_event, argv) => {
    const link = findDeepLinkArg(argv);
    if (link !== null) options.onLink(link);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    options.onLink(url);
  });

  const firstLaunchLink = findDeepLinkArg(process.argv);
  if (firstLaunchLink !== null) options.onLink(firstLaunchLink);
  return true;
}

/**
 * Reviewed (build/electronegativity-reviewed.json answers Electronegativity's "review this protocol handler"):
 * links only ever reach the caller as raw strings for parseDeepLink(), which accepts one action and exact parameters.
 *
 * Packaged, the OS launches the app's own executable. Unpackaged (`electron .`), it must launch Electron with the
 * app directory as its first argument, or a clicked link would open Electron's default app instead.
 */
function registerAsDefaultProtocolClient(): void {
  const appPath = process.argv[1];
  // Electron's own defaults for the last two arguments are process.execPath and [] (they matter on Windows only).
  const launchArgs = process.defaultApp && appPath !== undefined ? [resolve(appPath)] : [];
  app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, launchArgs);
}
