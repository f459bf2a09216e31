import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreferencesStore, type PreferencesStore } from '../main/settings/preferencesStore';
import { launchChromium } from './harness/chromium';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { openAudioSettings, screenshot } from './scenarios/appScenarios';

/**
 * Voice settings survive a restart: the real renderer build in Chromium (fake devices), the real preload bridge and
 * main's real handlers over a preferences file on disk. A restart is a new page in the same browser profile (the
 * profile salts device ids, as Electron's userData does) with new main handlers over the same file.
 */
let browser: Browser;
let app: StaticServer;
let dir: string;
const opened: AppPage[] = [];

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  app = await serveDirectory(RENDERER_DIR);
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'whoot-e2e-voiceprefs-'));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(preferences: PreferencesStore, previous?: AppPage): Promise<AppPage> {
  if (previous !== undefined) await previous.page.close();
  const person = await openAppPage(browser, app.origin, {
    preferences,
    ...(previous === undefined ? {} : { context: previous.context }),
  });
  opened.push(person);
  return person;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('voice settings in real Chromium', () => {
  it('come back after a restart: microphone, noise suppression and sensitivity', async () => {
    const preferences = createPreferencesStore({ filePath: join(dir, 'restart.json') });
    let person = await start(preferences);
    let microphones = await openAudioSettings(person.page);
    const radios = microphones.getByRole('radio');
    // The last listed microphone, so it is neither the system default nor Chromium's "default" device.
    const chosen = radios.nth((await radios.count()) - 1);
    const chosenName = (await chosen.evaluate((radio) => (radio as HTMLInputElement).labels?.[0]?.textContent)) ?? '';
    expect(chosenName).not.toBe('System default');
    await chosen.check();
    await person.page.getByRole('checkbox', { name: /Noise suppression/ }).uncheck();
    await person.page.getByRole('slider', { name: /Voice activity sensitivity/ }).fill('-35');
    const saved = await until(
      'the preferences file',
      async () => (await preferences.load()).voice,
      (voice) => voice.sensitivityDb === -35 && voice.inputDeviceId !== null && !voice.processing.noiseSuppression,
    );
    expect(saved.processing).toEqual({ echoCancellation: true, noiseSuppression: false, autoGainControl: true });

    person = await start(preferences, person);
    microphones = await openAudioSettings(person.page);
    await expect.poll(() => microphones.getByRole('radio', { name: chosenName }).isChecked()).toBe(true);
    await person.page.getByText('whoot remembers this choice.').first().waitFor();
    expect(await person.page.getByRole('checkbox', { name: /Noise suppression/ }).isChecked()).toBe(false);
    expect(await person.page.getByRole('checkbox', { name: /Echo cancellation/ }).isChecked()).toBe(true);
    expect(await person.page.getByRole('slider', { name: /Voice activity sensitivity/ }).inputValue()).toBe('-35');
    await screenshot(person.page, 'voice-preferences-restored');
    expect(person.errors).toEqual([]);
    // Only voice settings went into the file, beside the other sections' defaults; nothing about the account.
    const file = JSON.parse(readFileSync(preferences.filePath, 'utf8'));
    expect(Object.keys(file)).toEqual(['version', 'pushToTalk', 'voice', 'joinedServers']);
    expect(file.joinedServers).toEqual([]);
  });

  it('keeps a chosen microphone that is not plugged in, says the default is used, and can go back to it', async () => {
    const preferences = createPreferencesStore({ filePath: join(dir, 'unplugged.json') });
    await preferences.update('voice', (voice) => ({ ...voice, inputDeviceId: 'f'.repeat(64) }));
    const person = await start(preferences);
    const microphones = await openAudioSettings(person.page);
    await person.page.getByText(/Your chosen device is not connected/).waitFor();
    expect((await preferences.load()).voice.inputDeviceId).toBe('f'.repeat(64));

    await microphones.getByRole('radio', { name: 'System default' }).check();
    await person.page.getByText('Using the system default.').first().waitFor();
    await until(
      'the default saved',
      async () => (await preferences.load()).voice.inputDeviceId,
      (id) => id === null,
    );
    expect(person.errors).toEqual([]);
  });

  it('refuses a bad change sent straight through the bridge, and the file stays as it was', async () => {
    const preferences = createPreferencesStore({ filePath: join(dir, 'attack.json') });
    const person = await start(preferences);
    await preferences.update('voice', (voice) => ({ ...voice, sensitivityDb: -44 }));
    const before = readFileSync(preferences.filePath, 'utf8');
    const answers = await person.page.evaluate(async () => [
      await window.whoot.voicePreferences.set({ sensitivityDb: 400 }),
      await window.whoot.voicePreferences.set({ volumes: { 'not-a-user': 2 } }),
      await window.whoot.voicePreferences.set({ inputDeviceId: 'x'.repeat(5000) }),
      await window.whoot.voicePreferences.set({ theme: 'dark' } as never),
    ]);
    for (const answer of answers) expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(readFileSync(preferences.filePath, 'utf8')).toBe(before);
  });
});
