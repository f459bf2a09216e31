import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roomKey } from '../main/server/signalling/rooms';
import { parseDeepLink } from '../shared/deepLink';
import { signUpAndIn, startTestServer, withSfu, type TestClient, type TestServer } from '../test/support/serverHarness';
import { launchBot } from '../test/support/voiceBots';
import type { VoiceBot } from '../bot/voiceBot';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { candidateType, openConnectionStats, RTC_PROBE_SCRIPT, rtcLeftovers, selectedEnds } from './harness/rtcProbe';
import { makeSpeechWav } from './harness/speechWav';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { screenshot, signInWithInvite, signOut } from './scenarios/appScenarios';
import { expectNoVoiceSecretsLeft } from './scenarios/voiceScenarios';

/**
 * Two people in real Chromium and a headless bot in a channel that goes through the server's Janus (an admin set
 * it to the SFU): each page sends its microphone once and receives one stream per member, all through the bundled
 * relay. The pages' microphones play espeak-ng speech, the bot a tone.
 */
const SILENCE = 0.001;

let workDir: string;
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let invite: string;
let owner: TestClient;
let member: TestClient;
let bot: VoiceBot;
const channelName = 'All hands';
/** The channel's voice room, as the server names it (for what Janus holds). */
let hallKey: string;
const people: AppPage[] = [];

interface LinkAudio {
  readonly connectionState: string;
  readonly localCandidateType: string | null;
  readonly remoteCandidateType: string | null;
  readonly remoteAddress: string | null;
  /** One entry per member whose audio this link receives (none on the sending link). */
  readonly streams: { mid: string; audioLevel: number; bytesReceived: number }[];
  readonly sending: boolean;
}

/** Every open connection of the page: its selected pair and each inbound audio stream. */
async function links(page: Page): Promise<LinkAudio[]> {
  return (await openConnectionStats(page)).map(({ connectionState, entries }) => {
    const { local, remote } = selectedEnds(entries);
    return {
      connectionState,
      localCandidateType: candidateType(local),
      remoteCandidateType: candidateType(remote),
      remoteAddress: (remote?.['address'] as string | undefined) ?? null,
      streams: entries
        .filter((entry) => entry['type'] === 'inbound-rtp' && entry['kind'] === 'audio')
        .map((entry) => ({
          mid: String(entry['mid']),
          audioLevel: Number(entry['audioLevel'] ?? 0),
          bytesReceived: Number(entry['bytesReceived'] ?? 0),
        })),
      sending: entries.some((entry) => entry['type'] === 'outbound-rtp' && Number(entry['bytesSent'] ?? 0) > 0),
    };
  });
}

/** Polls until `check` holds for the page's links; fails with the last reading. */
async function waitForLinks(page: Page, check: (all: LinkAudio[]) => boolean, what: string): Promise<LinkAudio[]> {
  const deadline = Date.now() + 60_000;
  let last: LinkAudio[] = [];
  while (Date.now() < deadline) {
    last = await links(page);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not reached in 60 s; last ${JSON.stringify(last)}`);
}

const receiving = (all: LinkAudio[]) => all.filter((link) => link.streams.length > 0);
/** Streams with sound in them, over the page's receiving link. */
const loud = (all: LinkAudio[]) => receiving(all).flatMap((link) => link.streams.filter((s) => s.audioLevel > SILENCE));

async function joinChannel(page: Page): Promise<void> {
  await page.getByRole('button', { name: `Join ${channelName}` }).click();
  await page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor({ timeout: 30_000 });
}

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'whoot-sfu-e2e-'));
  const speech = makeSpeechWav(workDir, 'Hello from whoot. Testing one two three. Can you hear me now?');
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({ allowedOrigins: [app.origin], ...withSfu() });
  owner = await signUpAndIn(whoot.server, 'Ada');
  member = await signUpAndIn(whoot.server, 'Bob');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'all-hands', name: 'Company' } });
  const { channel } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: { name: channelName, voiceMode: 'sfu' },
  });
  hallKey = roomKey(workspace.id, channel.id);
  invite = await whoot.server.createInvite('all-hands', { maxUses: 10 });
  const parsed = parseDeepLink(invite);
  if (!parsed.ok) throw new Error('invite did not parse');
  bot = await launchBot(parsed.value.invite, 'Robo', { play: { kind: 'tone', frequency: 660 }, frequencies: [660] });
  browser = await launchChromium([
    `--use-file-for-fake-audio-capture=${speech}`,
    trustPinnedKey(whoot.server.spkiPin),
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

afterAll(async () => {
  await bot?.stop();
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('a large channel through the SFU, in real Chromium', () => {
  let ada: AppPage;
  let bob: AppPage;

  it('two pages and a bot: one stream up, one per member down, through the relay, and the call says it is encrypted to the server', async () => {
    ada = await openAppPage(browser, app.origin, { initScripts: [RTC_PROBE_SCRIPT] });
    bob = await openAppPage(browser, app.origin, { initScripts: [RTC_PROBE_SCRIPT] });
    people.push(ada, bob);
    await signInWithInvite(ada.page, invite, owner.email, owner.password);
    await signInWithInvite(bob.page, invite, member.email, member.password);
    await joinChannel(ada.page);
    await joinChannel(bob.page);
    expect((await bot.join({ name: channelName })).ok).toBe(true);

    for (const person of [ada, bob]) {
      const all = await waitForLinks(person.page, (l) => loud(l).length === 2, 'both other members heard');
      // One link sends, one receives (two streams): whatever the room's size, never a link per member.
      expect(all).toHaveLength(2);
      expect(all.filter((link) => link.sending)).toHaveLength(1);
      for (const link of all) {
        expect(link.connectionState).toBe('connected');
        // Our end is the relay's: nobody, the media server included, learns the page's address.
        expect(link.localCandidateType).toBe('relay');
        expect(link.remoteAddress).toBe(whoot.server.sfu?.peers[0]?.address);
      }
      await person.page.getByText('Encrypted to server').first().waitFor();
      await person.page.getByText(/Large channel: audio goes through the server/).waitFor();
    }
    // The bot hears both pages' speech.
    await expect
      .poll(
        () =>
          bot
            .hearing()
            .filter((peer) => peer.level > 0.01)
            .map((peer) => peer.displayName)
            .sort(),
        {
          timeout: 60_000,
        },
      )
      .toEqual(['Ada', 'Bob']);

    await ada.page.getByRole('button', { name: 'Call quality' }).click();
    await expect
      .poll(() => ada.page.getByRole('table', { name: 'Call quality with Bob' }).textContent())
      .toContain('relayed to the media server');
    await screenshot(ada.page, 'voice-sfu-call-quality');
    await ada.page.keyboard.press('Escape');
    await screenshot(ada.page, 'voice-sfu-call');
  });

  it('shows no safety code: the dialog says the call is encrypted to the server and why', async () => {
    await ada.page.getByRole('button', { name: 'Verify call' }).click();
    const dialog = ada.page.getByRole('dialog', { name: 'This call is encrypted to the server' });
    await dialog.waitFor();
    await dialog.getByText(/There are no safety codes to compare in this mode/).waitFor();
    expect(await ada.page.getByLabel(/^Safety code with/).count()).toBe(0);
    await ada.page.keyboard.press('Escape');
  });

  it('mute silences Ada at Bob and the bot, and unmute brings her back', async () => {
    await ada.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await waitForLinks(
      bob.page,
      (l) => receiving(l)[0]?.streams.length === 2 && loud(l).length === 1,
      "one of two streams silent (Ada's)",
    );
    expect((await links(bob.page)).every((link) => link.connectionState === 'connected')).toBe(true);
    await expect
      .poll(() => bot.hearing().find((peer) => peer.displayName === 'Ada')?.level ?? 1, { timeout: 60_000 })
      .toBeLessThan(SILENCE);
    await ada.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await waitForLinks(bob.page, (l) => loud(l).length === 2, 'Ada heard again');
  });

  it('a server mute by the owner silences Bob at every listener while his call stays up', async () => {
    await ada.page.getByRole('button', { name: 'Options for Bob' }).click();
    await ada.page
      .getByRole('menu', { name: 'Options for Bob' })
      .getByRole('menuitemcheckbox', { name: 'Server mute' })
      .click();
    await bob.page.getByRole('status').filter({ hasText: 'muted by a moderator' }).waitFor();
    await waitForLinks(ada.page, (l) => loud(l).length === 1, "Bob's stream silent at Ada");
    await expect
      .poll(() => bot.hearing().find((peer) => peer.displayName === 'Bob')?.level ?? 1, { timeout: 60_000 })
      .toBeLessThan(SILENCE);
    // Bob's call is up and he still hears both others.
    await waitForLinks(bob.page, (l) => loud(l).length === 2, 'Bob still hears Ada and the bot');
    expect((await links(bob.page)).every((link) => link.connectionState === 'connected')).toBe(true);
    await ada.page.getByRole('button', { name: 'Options for Bob' }).click();
    await ada.page
      .getByRole('menu', { name: 'Options for Bob' })
      .getByRole('menuitemcheckbox', { name: 'Server mute' })
      .click();
    await waitForLinks(ada.page, (l) => loud(l).length === 2, 'Bob heard again after the server mute is lifted');
  });

  it('leave closes both links and releases the microphone; the others stop receiving Bob', async () => {
    await bob.page.getByRole('button', { name: 'Leave channel' }).click();
    await expect.poll(() => rtcLeftovers(bob.page)).toMatchObject({ openPeerConnections: 0, liveTracks: 0 });
    await expect.poll(() => ada.page.getByRole('list', { name: 'Call members' }).getByRole('listitem').count()).toBe(2);
    await waitForLinks(ada.page, (l) => loud(l).length === 1, 'only the bot heard');
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  });

  it('sign-out in an SFU call: both links close, Janus drops the feed, and the page holds no TURN credential', async () => {
    await joinChannel(bob.page);
    await waitForLinks(bob.page, (l) => loud(l).length === 2, 'Bob hears Ada and the bot again');
    const feeds = async () => (await whoot.server.sfu?.participants(hallKey)) ?? null;
    await expect.poll(async () => (await feeds())?.length).toBe(3);
    await signOut(bob.page);
    await expect.poll(async () => (await feeds())?.length).toBe(2);
    await expectNoVoiceSecretsLeft(bob, member.user.id);
    await waitForLinks(ada.page, (l) => loud(l).length === 1, 'only the bot heard after Bob signed out');
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  });
});
