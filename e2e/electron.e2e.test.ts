import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronBinaryPath } from '../build/electronBinary.mjs';
import { invokeChannelNames } from '../shared/ipc';
import { bootstrapWorkspace, signIn, startTestServer, type TestServer } from '../test/support/serverHarness';
import { parseDeepLink } from '../shared/deepLink';
import type { VoiceBot } from '../bot/voiceBot';
import { eventually, launchBot } from '../test/support/voiceBots';
import {
  joinVoiceChannel,
  safetyCodeWith,
  rendererHasNoNodeOrElectron,
  settingsListsAudioDevices,
  showsSignInScreen,
  signInWithInvite,
  signOut,
  whootSurface,
} from './scenarios/appScenarios';

/**
 * The same scenarios as the Chromium suite, in the real Electron app (built main, sandboxed preload, app://
 * protocol). It needs an Electron binary, which cannot be downloaded on machines limited to the npm registry.
 */
const electronPath = electronBinaryPath();
if (electronPath === null) {
  console.info('electron e2e skipped: no Electron binary installed (node_modules/electron/dist is empty; see README)');
}

const ACCOUNT = { email: 'ada@example.com', password: 'correct horse battery' };

describe.skipIf(electronPath === null)('whoot in Electron', () => {
  let electronApp: ElectronApplication;
  let page: Page;
  let whootServer: TestServer;
  let inviteLink: string;

  beforeAll(async () => {
    whootServer = await startTestServer();
    inviteLink = await bootstrapWorkspace(whootServer.server, ACCOUNT, {
      slug: 'analytical-engines',
      name: 'Analytical Engines',
    });
    electronApp = await _electron.launch({
      executablePath: electronPath!,
      args: [
        join(import.meta.dirname, '..'),
        '--no-sandbox',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '', WHOOT_DEV_SERVER_URL: '' },
    });
    page = await electronApp.firstWindow();
  });

  afterAll(async () => {
    await electronApp?.close();
    await whootServer?.close();
  });

  it('loads the app page from app://, not file: or http:', async () => {
    expect(page.url()).toBe('app://whoot/index.html');
  });

  it('shows the sign-in screen', async () => {
    await showsSignInScreen(page, 'electron');
  });

  it('gives page scripts no Node, no Electron, and exactly the contract as window.whoot', async () => {
    await rendererHasNoNodeOrElectron(page);
    expect(await whootSurface(page)).toEqual([...invokeChannelNames, 'on'].sort());
  });

  it('signs in over pinned TLS and signs out', async () => {
    await signInWithInvite(page, inviteLink, ACCOUNT.email, ACCOUNT.password);
    await signOut(page);
  });

  it('refuses navigation away from the app page', async () => {
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(300);
    expect(page.url()).toBe('app://whoot/index.html');
  });

  it('lists the fake microphone in settings', async () => {
    await settingsListsAudioDevices(page, 'electron');
  });

  it('joins a voice channel over the pinned WSS and is heard by a headless bot through the relay', async () => {
    const owner = await signIn(whootServer.server, ACCOUNT.email, ACCOUNT.password);
    const workspaceId = owner.vault.identity()?.workspaces[0]?.id ?? '';
    await owner.call('createChannel', { params: { workspaceId }, body: { name: 'Lobby' } });
    const parsed = parseDeepLink(inviteLink);
    if (!parsed.ok) throw new Error('invite did not parse');
    const bot: VoiceBot = await launchBot(parsed.value.invite, 'robo', { play: { kind: 'tone', frequency: 660 } });
    try {
      expect((await bot.join({ name: 'Lobby' })).ok).toBe(true);
      await page
        .getByRole('link', { name: 'Workspace' })
        .click()
        .catch(() => undefined);
      await page.getByRole('link', { name: 'Sign in' }).click();
      await signInWithInvite(page, inviteLink, ACCOUNT.email, ACCOUNT.password);
      await joinVoiceChannel(page, 'Lobby');
      expect(await safetyCodeWith(page, 'robo')).toMatch(/^\d{5}( \d{5}){5}$/);
      await eventually(
        'the bot hears the app',
        () => (bot.hearing().some((peer) => peer.level > 0.01 && peer.path === 'relay/relay') ? true : undefined),
        20_000,
      );
    } finally {
      await bot.stop();
    }
  });
});
