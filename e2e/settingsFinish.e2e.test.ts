import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreferencesStore, type PreferencesStore } from '../main/settings/preferencesStore';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { openAppPage, RENDERER_DIR, requireBuild, type AppPage } from './harness/appPage';
import { auditAccessibility } from './harness/axe';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { assertFitsAtEverySize, VIEWPORTS } from './harness/layoutCheck';
import { makeSpeechWav } from './harness/speechWav';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { joinVoiceChannel, openAudioSettings, screenshot, signInOnFreshPage } from './scenarios/appScenarios';

/**
 * Settings as a person checks their microphone before a call, in real Chromium with real speech as the fake
 * microphone (espeak-ng): the level meter moves with it, the voice-activity handle moves with the keyboard and is
 * saved, Let's check plays the microphone back and stops, the push-to-talk settings stay visible and say why no
 * shortcut works here, and the screen fits every size with no serious accessibility violation.
 */
let workDir: string;
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let owner: TestClient;
let ada: AppPage;
let preferences: PreferencesStore;

/**
 * Records what the page plays (the Audio elements Let's check creates are not in the DOM): each element that is
 * played, so the test can ask whether one is playing a live microphone track right now. It calls straight through.
 */
const RECORD_PLAYBACK = `
  window.__played = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    window.__played.push(this);
    return play.call(this);
  };
`;

const playingMicrophones = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __played: HTMLMediaElement[] }).__played.filter((element) => {
        const stream = element.srcObject;
        return (
          !element.paused &&
          stream instanceof MediaStream &&
          stream.getAudioTracks().some((track) => track.readyState === 'live')
        );
      }).length,
  );

const meter = (page: Page) => page.getByRole('meter', { name: 'Microphone level' });
const threshold = (page: Page) => page.getByRole('slider', { name: 'Voice activity sensitivity' });

beforeAll(async () => {
  requireBuild();
  workDir = mkdtempSync(join(tmpdir(), 'whoot-settings-e2e-'));
  const speech = makeSpeechWav(workDir, 'Testing my microphone, one, two, three. Can you hear me now?');
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({ allowedOrigins: [app.origin] });
  owner = await signUpAndIn(whoot.server, 'Ada');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'mic-team', name: 'Mic Team' } });
  await owner.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: 'Lobby', kind: 'voice' } });
  browser = await launchChromium([
    `--use-file-for-fake-audio-capture=${speech}`,
    trustPinnedKey(whoot.server.spkiPin),
    '--autoplay-policy=no-user-gesture-required',
  ]);
  preferences = createPreferencesStore({ filePath: join(workDir, 'preferences.json') });
  ada = await openAppPage(browser, app.origin, { initScripts: [RECORD_PLAYBACK], preferences });
  await signInOnFreshPage(ada.page, await whoot.server.createInvite('mic-team'), owner.email, owner.password);
});

afterAll(async () => {
  await ada?.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('settings, finished', () => {
  it('the level meter moves with the microphone, and the threshold handle moves by keyboard and is kept', async () => {
    await openAudioSettings(ada.page);
    await meter(ada.page).waitFor();
    // Speech and its pauses: the meter must show a loud moment (above -50 dBFS) and a moment 20 dB quieter within
    // a few seconds. Both are waited for: quiet speech alone can span 20 dB before the first loud word arrives.
    const readings = new Set<number>();
    await expect
      .poll(
        async () => {
          readings.add(Number(await meter(ada.page).getAttribute('aria-valuenow')));
          const loudest = Math.max(...readings);
          return { loud: loudest > -50, range: loudest - Math.min(...readings) >= 20 };
        },
        { timeout: 30_000, interval: 100 },
      )
      .toEqual({ loud: true, range: true });

    const before = Number(await threshold(ada.page).inputValue());
    await threshold(ada.page).focus();
    for (let step = 0; step < 5; step += 1) await ada.page.keyboard.press('ArrowRight');
    await expect.poll(() => threshold(ada.page).inputValue()).toBe(String(before + 5));
    expect(await threshold(ada.page).getAttribute('aria-valuetext')).toBe(`${before + 5} dB`);
    // Kept as the user left it: in main's preferences file, for the next call and the next start.
    await expect.poll(async () => (await preferences.load()).voice.sensitivityDb).toBe(before + 5);
  });

  it('Let’s check plays the microphone back until Stop, and is not offered during a call', async () => {
    expect(await playingMicrophones(ada.page)).toBe(0);
    await ada.page.getByRole('button', { name: 'Let’s check' }).click();
    await ada.page.getByRole('button', { name: 'Stop checking' }).waitFor();
    await ada.page.getByText(/Speak: you hear yourself on/).waitFor();
    await expect.poll(() => playingMicrophones(ada.page)).toBe(1);

    await ada.page.getByRole('button', { name: 'Stop checking' }).click();
    await ada.page.getByRole('button', { name: 'Let’s check' }).waitFor();
    await expect.poll(() => playingMicrophones(ada.page)).toBe(0);

    // In a call the meter follows the call's microphone, and the check waits until it ends.
    await joinVoiceChannel(ada.page, 'Lobby');
    await openAudioSettings(ada.page);
    await ada.page.getByText(/You are in a call: the meter shows what the call hears/).waitFor();
    // It moves with her speech: the engine hands its reading to the store while Settings watches it.
    const inCall = new Set<number>();
    await expect
      .poll(
        async () => {
          inCall.add(Number(await meter(ada.page).getAttribute('aria-valuenow')));
          return { loud: Math.max(...inCall) > -50, moving: inCall.size >= 3 };
        },
        { timeout: 30_000, interval: 100 },
      )
      .toEqual({ loud: true, moving: true });
    expect(await ada.page.getByRole('button', { name: 'Let’s check' }).isDisabled()).toBe(true);
    await ada.page.getByRole('button', { name: 'Leave channel' }).click();
    await expect.poll(() => ada.page.getByRole('button', { name: 'Let’s check' }).isEnabled()).toBe(true);
  });

  it('push-to-talk stays visible where no shortcut can work here, and says why and what to do', async () => {
    const section = ada.page.getByRole('region', { name: 'Push-to-talk' });
    const note = section.getByRole('status').filter({ hasText: 'No shortcut reaches whoot here' });
    await note.waitFor();
    expect(await note.textContent()).toContain('choose Voice activity');
    expect(await section.getByRole('radio', { name: 'Push-to-talk' }).isDisabled()).toBe(true);
    expect(await section.getByRole('radio', { name: 'Voice activity' }).isChecked()).toBe(true);
    expect(await section.getByRole('button', { name: 'Record shortcut' }).isDisabled()).toBe(true);
  });

  it('settings with the meter fit every size, with no serious accessibility violation', async () => {
    await ada.page.getByRole('heading', { name: 'Microphone test' }).scrollIntoViewIfNeeded();
    // The meter is no control (the handle's range lies over it on purpose); the handle and the button are.
    await assertFitsAtEverySize(ada.page, 'settings-meter', (page) => [
      ['Voice activity sensitivity', threshold(page), { scrollTo: true }],
      ['Let’s check', page.getByRole('button', { name: 'Let’s check' }), { scrollTo: true }],
    ]);
    // The screenshots of record show the meter: at each size, scrolled to it as a person would.
    for (const viewport of VIEWPORTS) {
      await ada.page.setViewportSize(viewport);
      await ada.page
        .getByRole('region', { name: 'Microphone test' })
        .evaluate((section) => section.scrollIntoView({ block: 'start' }));
      await screenshot(ada.page, `settings-meter-${viewport.width}x${viewport.height}`);
    }
    const report = await auditAccessibility(ada.page, 'settings-meter');
    expect(report.blocking.map((violation) => `${violation.id}: ${violation.help}`)).toEqual([]);
    expect(ada.errors).toEqual([]);
  });
});
