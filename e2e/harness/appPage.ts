import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createOutboxFile, type OutboxFile } from '../../main/outbox/outboxFile';
import type { HostedServer } from '../../main/host/hostedServer';
import type { KeychainStore } from '../../main/session/keychainStore';
import { createPreferencesStore, type PreferencesStore } from '../../main/settings/preferencesStore';
import { attachMainProcess } from './mainProcess';

const root = join(import.meta.dirname, '..', '..');
export const RENDERER_DIR = join(root, 'out', 'renderer');
export const BRIDGE_SCRIPT = join(root, 'out', 'harness', 'bridge.js');

/** Suites run against the built renderer and bridge: say how to get them instead of failing obscurely. */
export function requireBuild(): void {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
}

/** One person's app: a browser context with the real renderer, the real preload bridge and real main handlers. */
export interface AppPage {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly main: Awaited<ReturnType<typeof attachMainProcess>>;
  /** Page errors, console errors and dialogs (dismissed), for a test to assert there were none. */
  readonly errors: string[];
}

export async function openAppPage(
  browser: Browser,
  appOrigin: string,
  options: {
    readonly initScripts?: readonly string[];
    /** The preferences file of an earlier run, to open the app again as after a restart; a fresh one otherwise. */
    readonly preferences?: PreferencesStore;
    /** The outbox file of an earlier run (unsent messages), to reopen the app as after a restart. */
    readonly outbox?: OutboxFile;
    /** The browser profile of an earlier run (Chromium salts device ids per profile); a fresh one otherwise. */
    readonly context?: BrowserContext;
    /** Where main keeps the refresh token (the real OS keychain under test/with-keyring.sh); absent, nowhere. */
    readonly keychain?: KeychainStore | null;
    /** The server this app hosts; absent, it hosts none. */
    readonly host?: HostedServer | null;
    /** Main's managed policy and update service (e2e/orgPolicy.e2e.test.ts). */
    readonly main?: Pick<Parameters<typeof attachMainProcess>[1], 'policy' | 'updates'>;
  } = {},
): Promise<AppPage> {
  const context = options.context ?? (await browser.newContext());
  let { preferences, outbox } = options;
  if (preferences === undefined || outbox === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'whoot-e2e-prefs-'));
    context.once('close', () => rmSync(dir, { recursive: true, force: true }));
    preferences ??= createPreferencesStore({ filePath: join(dir, 'preferences.json') });
    outbox ??= createOutboxFile({ filePath: join(dir, 'outbox.json') });
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const main = await attachMainProcess(page, {
    appOrigin,
    preferences,
    outbox,
    keychain: options.keychain ?? null,
    host: options.host ?? null,
    ...options.main,
  });
  await page.addInitScript({ path: BRIDGE_SCRIPT });
  for (const content of options.initScripts ?? []) await page.addInitScript({ content });
  await page.goto(`${appOrigin}/index.html`);
  return { context, page, main, errors };
}
