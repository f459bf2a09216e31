import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createPreferencesStore, type PreferencesStore } from '../../main/settings/preferencesStore';
import { attachMainProcess } from './mainProcess';

const root = join(import.meta.dirname, '..', '..');
export const RENDERER_DIR = join(root, 'out', 'renderer');
export const BRIDGE_SCRIPT = join(root, 'out', 'harness', 'bridge.js');

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
    /** The browser profile of an earlier run (Chromium salts device ids per profile); a fresh one otherwise. */
    readonly context?: BrowserContext;
    /** Main's managed policy and update service (e2e/orgPolicy.e2e.test.ts). */
    readonly main?: Pick<Parameters<typeof attachMainProcess>[1], 'policy' | 'updates'>;
  } = {},
): Promise<AppPage> {
  const context = options.context ?? (await browser.newContext());
  let preferences = options.preferences;
  if (preferences === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'whoot-e2e-prefs-'));
    context.once('close', () => rmSync(dir, { recursive: true, force: true }));
    preferences = createPreferencesStore({ filePath: join(dir, 'preferences.json') });
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
  const main = await attachMainProcess(page, { appOrigin, preferences, ...options.main });
  await page.addInitScript({ path: BRIDGE_SCRIPT });
  for (const content of options.initScripts ?? []) await page.addInitScript({ content });
  await page.goto(`${appOrigin}/index.html`);
  return { context, page, main, errors };
}
