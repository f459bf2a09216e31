import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { rendererCspHeader, sessionServers } from '../../shared/contentSecurityPolicy';
import { serveDocumentPolicy } from './documentPolicy';
import { createHandlers } from '../../main/ipc/createHandlers';
import { createEventSink, type EventSink } from '../../main/ipc/eventSink';
import type { LoadedPolicy } from '../../main/policy/policyFile';
import type { ServerApi } from '../../main/session/apiClient';
import type { SignedCalls } from '../../main/session/signedCalls';
import type { UpdateService } from '../../main/updates/updateService';
import { registerHandlers } from '../../main/ipc/registerHandlers';
import { trustOnlyAppFrames } from '../../main/ipc/sender';
import { createServerApi } from '../../main/session/apiClient';
import { CredentialVault } from '../../main/session/credentialVault';
import type { KeychainStore } from '../../main/session/keychainStore';
import { createSessionService } from '../../main/session/sessionService';
import type { PreferencesStore } from '../../main/settings/preferencesStore';
import type { OutboxFile } from '../../main/outbox/outboxFile';
import { TEST_IO_TIMEOUT_MS } from '../../test/support/testDeadlines';
import { desktopDeviceLabel } from '../../shared/admin';
import type { HostedServer } from '../../main/host/hostedServer';

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
    /** The outbox file main keeps (beside the preferences); absent, unsent messages last for the page only. */
    outbox?: OutboxFile | null;
    /** The server this app hosts (test/support/hostedServerHarness.ts); absent, the app hosts none. */
    host?: HostedServer | null;
    /** Plays the OS for links main hands to the system browser (single sign-on opens a page there); recorded only otherwise. */
    openExternal?: (url: string) => Promise<void>;
    /** A managed policy as main/app loads it (main/policy); absent, nothing is managed. */
    policy?: LoadedPolicy;
    /** The signed update channel's service, made from this main's signed calls and API client. */
    updates?: (parts: { calls: SignedCalls; api: ServerApi; events: EventSink }) => UpdateService;
  },
) {
  const vault = new CredentialVault();
  const logs: string[] = [];
  const events = createEventSink((wireChannel, payload) => {
    page
      .evaluate(([channel, body]) => window.__whootHarnessDeliver?.(channel, body), [wireChannel, payload] as const)
      .catch(() => undefined);
  });
  const api = createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS });
  const sessions = createSessionService({
    vault,
    keychain: options.keychain ?? null,
    api,
    events,
    log: (line) => logs.push(line),
    deviceLabel: desktopDeviceLabel(process.platform),
  });
  /** What main/app would hand to the desktop (notifications, the system browser, save dialogs), recorded instead. */
  const desktop = {
    notifications: [] as { title: string; body: string }[],
    opened: [] as string[],
    /** Where the "save dialog" put each file, answering with a fresh folder per file. */
    saved: [] as string[],
  };
  const dispatcher = registerHandlers({
    handlers: createHandlers({
      identity: { name: 'whoot', version: '0.0.0-e2e', platform: process.platform },
      sessions,
      preferences: options.preferences ?? null,
      outbox: options.outbox ?? null,
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
      updates: options.updates?.({ calls: sessions.calls, api, events }) ?? null,
      notifier: (notification) => {
        desktop.notifications.push(notification);
        return true;
      },
      links: {
        open: async (link) => {
          desktop.opened.push(link.url);
          await options.openExternal?.(link.url);
        },
      },
      host: options.host ?? null,
      chooseSavePath: async (suggestedName) => {
        const path = join(mkdtempSync(join(tmpdir(), 'whoot-e2e-save-')), suggestedName);
        desktop.saved.push(path);
        return path;
      },
    }),
    isTrustedSender: trustOnlyAppFrames([options.appOrigin]),
    log: (line) => logs.push(line),
  });
  // What main/app/main.ts does: the page hears when the hosted server is ready or has its owner.
  options.host?.onChange((status) => events.emit('host.changed', status));
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
  return { vault, sessions, events, logs, answers, desktop, dispatcher };
}
