import type { Page } from 'playwright-core';
import { rendererCspHeader, sessionServers } from '../../shared/contentSecurityPolicy';
import { serveDocumentPolicy } from './documentPolicy';
import { createHandlers } from '../../main/ipc/createHandlers';
import { createEventSink } from '../../main/ipc/eventSink';
import { registerHandlers } from '../../main/ipc/registerHandlers';
import { trustOnlyAppFrames } from '../../main/ipc/sender';
import { createServerApi } from '../../main/session/apiClient';
import { CredentialVault } from '../../main/session/credentialVault';
import type { KeychainStore } from '../../main/session/keychainStore';
import { createSessionService } from '../../main/session/sessionService';
import type { PreferencesStore } from '../../main/settings/preferencesStore';
import { TEST_IO_TIMEOUT_MS } from '../../test/support/testDeadlines';

/**
 * The real main-process side (vault, session service, IPC handlers and dispatcher) running in the test process and
 * wired to a Chromium page, the way main/app wires it to ipcMain and webContents in Electron.
 */
export async function attachMainProcess(
  page: Page,
  options: {
    appOrigin: string;
    keychain?: KeychainStore | null;
    /** The preferences file main keeps (one per test user data directory); absent, the channels say unavailable. */
    preferences?: PreferencesStore | null;
  },
) {
  const vault = new CredentialVault();
  const logs: string[] = [];
  const events = createEventSink((wireChannel, payload) => {
    page
      .evaluate(([channel, body]) => window.__whootHarnessDeliver?.(channel, body), [wireChannel, payload] as const)
      .catch(() => undefined);
  });
  const sessions = createSessionService({
    vault,
    keychain: options.keychain ?? null,
    api: createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS }),
    events,
    log: (line) => logs.push(line),
  });
  /** What main/app would hand to the desktop (notifications, the system browser), recorded instead. */
  const desktop = {
    notifications: [] as { title: string; body: string }[],
    opened: [] as string[],
  };
  const dispatcher = registerHandlers({
    handlers: createHandlers({
      identity: { name: 'whoot', version: '0.0.0-e2e', platform: process.platform },
      sessions,
      preferences: options.preferences ?? null,
      notifier: (notification) => {
        desktop.notifications.push(notification);
        return true;
      },
      links: { open: async (link) => void desktop.opened.push(link.url) },
    }),
    isTrustedSender: trustOnlyAppFrames([options.appOrigin]),
    log: (line) => logs.push(line),
  });
  // What main/app/appProtocol.ts does for app://: the app's document carries the CSP header for the session as it
  // is when the document loads, so every suite runs under the narrowed connect-src the app really has.
  await serveDocumentPolicy(page, () => rendererCspHeader(sessionServers(sessions.state())));
  /** Every answer main gave the page, so a test can look for what the page was handed (e.g. TURN credentials). */
  const answers: { channel: string; answer: unknown }[] = [];
  await page.exposeBinding('__whootHarnessInvoke', async (source, wireChannel: unknown, payload: unknown) => {
    const answer = await dispatcher.dispatch(
      String(wireChannel),
      { url: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() },
      payload,
    );
    answers.push({ channel: String(wireChannel), answer });
    return answer;
  });
  return { vault, sessions, events, logs, answers, desktop };
}
