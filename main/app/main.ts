import { pinServerCertificates } from './pinnedCertificates';
import { join } from 'node:path';
import { app, safeStorage, session, type BrowserWindow } from 'electron';
import { sessionServers } from '../../shared/contentSecurityPolicy';
import { parseDeepLink } from '../../shared/deepLink';
import type { PushToTalkService } from '../input/pushToTalkController';
import { createHandlers } from '../ipc/createHandlers';
import { createLinkOpener, createMentionNotifier, createSavePathChooser } from './chatDesktop';
import { registerHandlers } from '../ipc/registerHandlers';
import { createOutboxFile } from '../outbox/outboxFile';
import { holdQuitForCalls } from './quitAfterCalls';
import { trustOnlyAppFrames } from '../ipc/sender';
import { DEV_SERVER_URL_ENV, resolveAppTarget } from '../security/appOrigin';
import { createServerApi } from '../session/apiClient';
import { CredentialVault } from '../session/credentialVault';
import { selectKeychainStore, type KeychainStore } from '../session/keychainStore';
import { createServerTrust } from '../session/serverTrust';
import { createSessionService } from '../session/sessionService';
import { createPreferencesStore } from '../settings/preferencesStore';
import { loadPolicyFile, policyFilePath } from '../policy/policyFile';
import { withManagedPolicy } from '../policy/managedPreferences';
import { createUpdateService, updatePlatformOf } from '../updates/updateService';
import { createUpdateStateStore } from '../updates/updateState';
import { startAutoUpdates } from './autoUpdate';
import { createReportedCallState } from '../tray/reportedCallState';
import { registerAppSchemeAsPrivileged, serveAppProtocol } from './appProtocol';
import { hostBundledServerIfRequested } from './bundledServer';
import { setupSingleInstanceAndDeepLinks } from './deepLinks';
import { hardenAllWebContents, hardenSession } from './hardening';
import { windowEventSink, wireIpc } from './ipcWiring';
import { preparePushToTalk, startPushToTalk } from './pushToTalk';
import { createAppTray } from './tray';
import { createMainWindow } from './window';
import { errorMessage } from '../../shared/errorMessage';
import { desktopDeviceLabel } from '../../shared/admin';
import { createHostedServer } from '../host/hostedServer';

/**
 * The Electron entry point: composes the plain modules (policies, vault, session service, IPC dispatcher) with the
 * thin Electron glue beside this file. Logic lives in those modules, where Node and Chromium tests reach it.
 */
const log = (message: string) => console.log(`[whoot] ${message}`);

registerAppSchemeAsPrivileged();
preparePushToTalk(app);
const target = resolveAppTarget({ isPackaged: app.isPackaged, devServerUrl: process.env[DEV_SERVER_URL_ENV] });
hardenAllWebContents(target.trustedOrigins);

let mainWindow: BrowserWindow | null = null;
let windowReady = false;
const pendingLinks: string[] = [];
const vault = new CredentialVault();
const events = windowEventSink(() => mainWindow?.webContents ?? null);

/** Links are untrusted input from any web page or local program: parse, then hand only the validated invite on. */
function deliverLink(raw: string): void {
  if (!windowReady) {
    if (pendingLinks.length < 4) pendingLinks.push(raw);
    return;
  }
  const parsed = parseDeepLink(raw);
  if (!parsed.ok) {
    log(`deep link refused: ${parsed.error.code}`);
    return;
  }
  events.emit('invite.received', parsed.value.invite);
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
}

async function openKeychain(): Promise<KeychainStore | null> {
  try {
    return await selectKeychainStore({
      safeStorageFallback: { safeStorage, filePath: join(app.getPath('userData'), 'refresh-tokens.json') },
      log,
    });
  } catch {
    // Without secure storage the refresh token is simply not kept: the user signs in again next launch.
    log('no secure storage for the refresh token on this system; it will not be remembered');
    return null;
  }
}

async function start(): Promise<void> {
  await app.whenReady();
  // The organization's managed policy, read once before anything it governs starts (docs/admin.md).
  const policy = await loadPolicyFile({
    path: policyFilePath(process.platform, process.env),
    platform: process.platform,
    log,
  });
  // Hosting locally (WHOOT_HOST_SERVER=1 for now): the bundled server in a utility process, stopped before quit.
  const bundled = hostBundledServerIfRequested({
    app,
    env: process.env,
    allowedOrigins: target.trustedOrigins,
    log,
    policy: policy.values,
  });
  const host = bundled === null ? null : createHostedServer({ channel: bundled.channel, ready: bundled.ready, log });
  host?.onChange((status) => events.emit('host.changed', status));

  const api = createServerApi();
  const sessions = createSessionService({
    vault,
    keychain: await openKeychain(),
    api,
    events,
    log,
    deviceLabel: desktopDeviceLabel(process.platform),
  });
  // Each document's CSP lets it connect only to the servers signed in to when it loads (no window exists yet).
  const signedInServers = () => sessionServers(sessions.state());
  hardenSession(session.defaultSession, target.trustedOrigins, {
    devServerOrigin: target.devServerOrigin,
    signedInServers,
  });
  serveAppProtocol(session.defaultSession, join(__dirname, '..', 'renderer'), signedInServers);
  pinServerCertificates(session.defaultSession, vault);
  // One file, one writer: push-to-talk and the voice settings change their own sections through the same store.
  // Wrapped once: push-to-talk and the handlers see the managed values, and no change can alter them.
  const preferences = withManagedPolicy(
    createPreferencesStore({ filePath: join(app.getPath('userData'), 'preferences.json'), log }),
    policy.values,
  );
  // Push-to-talk is a convenience: if it cannot start, the app runs on and its settings say it is unavailable.
  const pushToTalk: PushToTalkService | null = await startPushToTalk({
    app,
    mainDir: __dirname,
    events,
    preferences,
    log,
  }).catch((error: unknown) => {
    log(`push-to-talk did not start: ${errorMessage(error, 'unknown error')}`);
    return null;
  });
  const callState = createReportedCallState();
  // The signed update channel: main/updates verifies, electron-updater installs (docs/admin.md, "Signed updates").
  const updates = startAutoUpdates({
    app,
    vault,
    log,
    updates: createUpdateService({
      calls: sessions.calls,
      api,
      policy: policy.values,
      currentVersion: app.getVersion(),
      platform: updatePlatformOf(process.platform),
      state: createUpdateStateStore({ filePath: join(app.getPath('userData'), 'updates.json'), log }),
      events,
      log,
    }),
  });
  const dispatcher = registerHandlers({
    handlers: createHandlers({
      identity: { name: app.getName(), version: app.getVersion(), platform: process.platform },
      sessions,
      serverTrust: createServerTrust({
        preferences,
        log,
        ...(policy.values.allowedServerPins !== undefined ? { allowedPins: policy.values.allowedServerPins } : {}),
      }),
      policy,
      updates,
      pushToTalk,
      preferences,
      callState,
      notifier: createMentionNotifier(() => mainWindow),
      links: createLinkOpener(),
      chooseSavePath: createSavePathChooser(() => mainWindow),
      outbox: createOutboxFile({ filePath: join(app.getPath('userData'), 'outbox.json'), log }),
      host,
    }),
    isTrustedSender: trustOnlyAppFrames(target.trustedOrigins),
    log,
  });
  wireIpc(dispatcher, (contents) => mainWindow !== null && contents === mainWindow.webContents);
  holdQuitForCalls(dispatcher);

  const openWindow = () => {
    windowReady = false;
    mainWindow = createMainWindow({
      preloadPath: join(__dirname, '..', 'preload', 'index.cjs'),
      entryUrl: target.entryUrl,
    });
    mainWindow.webContents.on('did-finish-load', () => {
      windowReady = true;
      for (const link of pendingLinks.splice(0)) deliverLink(link);
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
      windowReady = false;
    });
  };
  openWindow();
  app.on('activate', () => {
    if (mainWindow === null) openWindow();
  });

  const tray = createAppTray({
    callState,
    pushToTalk,
    actions: {
      toggleMute: () => events.emit('voice.toggleMuteRequested', {}),
      toggleDeafen: () => events.emit('voice.toggleDeafenRequested', {}),
      showWindow: () => {
        if (mainWindow === null) return openWindow();
        if (mainWindow.isMinimized()) mainWindow.restore();
        mainWindow.show();
        mainWindow.focus();
      },
      quit: () => app.quit(),
    },
  });
  app.on('will-quit', () => tray.destroy());
}

if (!setupSingleInstanceAndDeepLinks({ onLink: deliverLink })) {
  app.quit();
} else {
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Memory-only credentials end with the process; zero them rather than leave them to the allocator.
  app.on('will-quit', () => vault.wipe());
  start().catch((error: unknown) => {
    log(`start-up failed: ${errorMessage(error, 'unknown error')}`);
    app.exit(1);
  });
}
