import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Scenarios that drive the real renderer as a user would. Both suites run them: Chromium with the harness bridge
 * (e2e/chromium.e2e.test.ts) and Electron through Playwright's _electron (e2e/electron.e2e.test.ts).
 */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', '..', 'test-results', 'e2e');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function showsSignInScreen(page: Page, label: string): Promise<void> {
  const heading = page.getByRole('heading', { name: 'Sign in to whoot' });
  await heading.waitFor({ state: 'visible' });
  for (const field of ['Invite link', 'Email', 'Password']) {
    expect(await page.getByLabel(field, { exact: true }).isVisible(), field).toBe(true);
  }
  expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isEnabled()).toBe(true);
  // An invited newcomer has no account yet: the way to create one is beside the sign-in (the code from an
  // authenticator is asked for on a second step, only by accounts that have one).
  expect(await page.getByRole('button', { name: 'Create your account' }).isEnabled()).toBe(true);
  await screenshot(page, `${label}-sign-in`);
}

export async function rendererHasNoNodeOrElectron(page: Page): Promise<void> {
  const reach = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return {
      require: typeof w['require'],
      process: typeof w['process'],
      Buffer: typeof w['Buffer'],
      module: typeof w['module'],
      electron: typeof w['electron'],
      ipcRenderer: typeof w['ipcRenderer'],
      whoot: typeof w['whoot'],
    };
  });
  expect(reach).toEqual({
    require: 'undefined',
    process: 'undefined',
    Buffer: 'undefined',
    module: 'undefined',
    electron: 'undefined',
    ipcRenderer: 'undefined',
    whoot: 'object',
  });
}

export async function whootSurface(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const api = (window as unknown as { whoot: Record<string, unknown> }).whoot;
    const names: string[] = [];
    for (const [namespace, group] of Object.entries(api)) {
      if (typeof group === 'function') names.push(namespace);
      else for (const method of Object.keys(group as object)) names.push(`${namespace}.${method}`);
    }
    return names.sort();
  });
}

/**
 * Fills the sign-in form and submits it. The first sign-in to a server asks "Join a new server?" (host and key
 * fingerprint); this answers Join, as the user who was given the invite would. A server joined before asks nothing.
 */
export async function signInWithInvite(page: Page, invite: string, email: string, password: string): Promise<void> {
  await page.getByLabel('Invite link', { exact: true }).fill(invite);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  const question = page.getByRole('dialog', { name: 'Join a new server?' });
  const workspaces = page.getByRole('navigation', { name: 'Workspaces' });
  await question.or(workspaces).first().waitFor({ state: 'visible' });
  if (await question.isVisible()) await question.getByRole('button', { name: 'Join server' }).click();
  await workspaces.waitFor({ state: 'visible' });
}

/**
 * The first sign-in on a fresh page, then the reload that follows it: the session store reloads the page so the
 * document gets the CSP for the server (sessionStore.ts), and a click on the page before that reload would be lost.
 */
export async function signInOnFreshPage(page: Page, invite: string, email: string, password: string): Promise<void> {
  await signInWithInvite(page, invite, email, password);
  await page.waitForFunction(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.type === 'reload',
  );
  await page.getByRole('navigation', { name: 'Workspaces' }).waitFor({ state: 'visible' });
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to whoot' }).waitFor({ state: 'visible' });
}

/** Opens Settings and lets whoot list the (fake) audio devices by name; answers the list of microphones. */
export async function openAudioSettings(page: Page): Promise<Locator> {
  await page
    .getByRole('button', { name: 'Settings' })
    .or(page.getByRole('link', { name: 'Settings' }))
    .first()
    .click();
  await page.getByRole('heading', { name: 'Settings' }).waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Allow microphone' }).click();
  const microphones = page.getByRole('list', { name: 'Microphones' });
  await microphones.getByRole('radio').first().waitFor({ state: 'visible' });
  return microphones;
}

export async function settingsListsAudioDevices(page: Page, label: string): Promise<void> {
  const microphones = await openAudioSettings(page);
  expect(await microphones.getByRole('listitem').count()).toBeGreaterThan(0);
  await screenshot(page, `${label}-settings`);
}

/** Clicks the voice channel in the sidebar (which joins it) and waits for the voice bar to say it is connected. */
export async function joinVoiceChannel(page: Page, channelName: string): Promise<void> {
  await page.getByRole('button', { name: `Join ${channelName}` }).click();
  await page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor({ timeout: 20_000 });
}

/** Opens the Verify call dialog from the call view; answers the dialog. */
export async function openVerifyDialog(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Verify call' }).click();
  const dialog = page.getByRole('dialog', { name: 'Verify this call' });
  await dialog.waitFor();
  return dialog;
}

/** The safety code the page shows for a call member (in the Verify call dialog), once the connection is up. */
export async function safetyCodeWith(page: Page, memberName: string): Promise<string | null> {
  const dialog = page.getByRole('dialog', { name: 'Verify this call' });
  if (!(await dialog.isVisible())) await openVerifyDialog(page);
  return dialog.getByLabel(`Safety code with ${memberName}`).textContent({ timeout: 20_000 });
}

/** Opens a text channel from the sidebar. */
export async function openTextChannel(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Channels' }).getByRole('link', { name }).click();
}

/** Opens one of the app's places that live in the sidebar (Admin, Settings, Test connection). */
export async function openPlace(page: Page, name: 'Admin' | 'Settings' | 'Test connection'): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click();
}
