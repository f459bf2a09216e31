import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInviteLink, parseDeepLink } from '../shared/deepLink';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../test/support/serverHarness';
import { launchChromium, trustPinnedKey } from './harness/chromium';
import { BRIDGE_SCRIPT, openAppPage, RENDERER_DIR, type AppPage } from './harness/appPage';
import { audioPacketsSent, inboundAudio, RTC_PROBE_SCRIPT, rtcLeftovers } from './harness/rtcProbe';
import { renderCount, RENDER_PROBE_SCRIPT, watchRenders } from './harness/renderProbe';
import { makeSpeechWav } from './harness/speechWav';
import { serveDirectory, type StaticServer } from './harness/staticServer';
import { startTcpProxy } from './harness/tcpProxy';
import { assertFitsAtEverySize } from './harness/layoutCheck';
import { openVerifyDialog, safetyCodeWith, screenshot, signInWithInvite, signOut } from './scenarios/appScenarios';
import { expectNoVoiceSecretsLeft } from './scenarios/voiceScenarios';
import { startBotSession } from '../bot/session/botSession';
import { createVoiceBot, type VoiceBot } from '../bot/voiceBot';

/**
 * Two people in one voice channel, each in the real renderer build in Debian's Chromium, with real main-process
 * handlers, the real server and its embedded TURN relay. Their microphones play a WAV of speech made with
 * espeak-ng. Everything between the pages goes through the app: sign-in, channel list, WSS signalling, relay.
 */
const SILENCE = 0.001;

let workDir: string;
let browser: Browser;
let app: StaticServer;
let whoot: TestServer;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let invite: string;
let owner: TestClient;
let member: TestClient;
let channelName: string;

type Person = AppPage;
const people: Person[] = [];

/**
 * What a malicious signalling server would do to sit in the middle of a call: rewrite the DTLS fingerprint in the
 * descriptions it forwards. Installed in one page's socket, it changes every description that page receives.
 */
const FINGERPRINT_TAMPERING = `(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    set onmessage(listener) {
      super.onmessage = listener && ((event) => {
        const data = typeof event.data === 'string'
          ? event.data.replace(/(a=fingerprint:sha-256 )([0-9A-F]{2})/g, (_m, prefix, byte) => prefix + (byte === '00' ? '11' : '00'))
          : event.data;
        listener({ data });
      });
    }
    get onmessage() { return super.onmessage; }
  };
})();`;

/** Keeps every AudioContext the page makes, with the latency it asked for (the microphone meter asks 'playback'). */
const AUDIO_CONTEXT_PROBE = `(() => {
  const Native = window.AudioContext;
  const made = [];
  window.__audioContexts = made;
  window.AudioContext = class extends Native {
    constructor(options) {
      super(options);
      made.push({ context: this, latencyHint: options && options.latencyHint });
    }
  };
})();`;

/** Where the page's microphone-meter AudioContexts play: 'none' is no device (Chromium's AudioSinkInfo). */
const meterContextSinks = (page: Page) =>
  page.evaluate(() =>
    (
      (window as unknown as { __audioContexts: { context: AudioContext; latencyHint?: string }[] }).__audioContexts ??
      []
    )
      .filter((made) => made.latencyHint === 'playback')
      .map((made) => {
        const sink = (made.context as AudioContext & { sinkId?: string | { type: string } }).sinkId;
        return typeof sink === 'object' ? sink.type : sink;
      }),
  );

/** Whether each live microphone track the page opened is enabled. */
const microphoneEnabled = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __whootRtcProbe: { tracks: MediaStreamTrack[] } }).__whootRtcProbe.tracks
      .filter((track) => track.kind === 'audio' && track.readyState === 'live')
      .map((track) => track.enabled),
  );

/** The states of the page's microphone-meter AudioContexts. */
const meterContextStates = (page: Page) =>
  page.evaluate(() =>
    (
      (window as unknown as { __audioContexts: { context: AudioContext; latencyHint?: string }[] }).__audioContexts ??
      []
    )
      .filter((made) => made.latencyHint === 'playback')
      .map((made) => made.context.state),
  );

async function openApp(extraInitScript?: string): Promise<Person> {
  const scripts = [RTC_PROBE_SCRIPT, ...(extraInitScript === undefined ? [] : [extraInitScript])];
  const person = await openAppPage(browser, app.origin, { initScripts: scripts });
  people.push(person);
  return person;
}

async function joinChannel(page: Page): Promise<void> {
  await page.getByRole('button', { name: `Join ${channelName}` }).click();
  await page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor();
}

/** Polls the page's inbound audio until `check` holds for the first open peer connection(s). */
async function waitForAudio(
  page: Page,
  check: (audio: Awaited<ReturnType<typeof inboundAudio>>) => boolean,
  what: string,
) {
  const deadline = Date.now() + 20_000;
  let last: Awaited<ReturnType<typeof inboundAudio>> = [];
  while (Date.now() < deadline) {
    last = await inboundAudio(page);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not reached in 20 s; last inbound audio ${JSON.stringify(last)}`);
}

const hearing = (audio: Awaited<ReturnType<typeof inboundAudio>>) =>
  audio.length > 0 && audio.every((entry) => entry.connectionState === 'connected' && entry.audioLevel > SILENCE);

beforeAll(async () => {
  for (const built of [join(RENDERER_DIR, 'index.html'), BRIDGE_SCRIPT]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first (npm test does).`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'whoot-voice-e2e-'));
  const speech = makeSpeechWav(workDir, 'Hello from whoot. Testing one two three. Can you hear me now?');
  app = await serveDirectory(RENDERER_DIR);
  whoot = await startTestServer({ allowedOrigins: [app.origin] });
  proxy = await startTcpProxy(whoot.server.port);

  owner = await signUpAndIn(whoot.server, 'Ada');
  member = await signUpAndIn(whoot.server, 'Bob');
  const { workspace } = await owner.call('createWorkspace', { body: { slug: 'voice-team', name: 'Voice Team' } });
  channelName = 'Lobby';
  await owner.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: channelName } });
  await owner.call('createChannel', { params: { workspaceId: workspace.id }, body: { name: 'Stage' } });
  // The invite names the proxy, so every connection of the app (REST and WSS) can be cut by the test.
  const parsed = parseDeepLink(await whoot.server.createInvite('voice-team', { maxUses: 10 }));
  if (!parsed.ok) throw new Error('invite did not parse');
  invite = formatInviteLink({ ...parsed.value.invite, port: proxy.port });

  browser = await launchChromium([
    `--use-file-for-fake-audio-capture=${speech}`,
    trustPinnedKey(whoot.server.spkiPin),
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

afterAll(async () => {
  for (const person of people) await person.context.close().catch(() => undefined);
  await browser?.close();
  await Promise.all([app?.close(), proxy?.close(), whoot?.close()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('voice channels in real Chromium through the bundled relay', () => {
  let ada: Person;
  let bob: Person;

  it('two members join one channel and each hears the other over a relay/relay pair', async () => {
    ada = await openApp(`${RENDER_PROBE_SCRIPT}\n${AUDIO_CONTEXT_PROBE}`);
    bob = await openApp();
    await signInWithInvite(ada.page, invite, owner.email, owner.password).catch(async (error: unknown) => {
      console.log('DEBUG', await ada.page.locator('body').innerText(), ada.main.logs, ada.errors);
      throw error;
    });
    await signInWithInvite(bob.page, invite, member.email, member.password);
    await joinChannel(ada.page);
    await joinChannel(bob.page);

    for (const person of [ada, bob]) {
      const first = await waitForAudio(person.page, hearing, 'audio above silence');
      expect(first).toHaveLength(1);
      expect(first[0]?.localCandidateType).toBe('relay');
      expect(first[0]?.remoteCandidateType).toBe('relay');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const later = await inboundAudio(person.page);
      expect(later[0]?.bytesReceived ?? 0).toBeGreaterThan(first[0]?.bytesReceived ?? 0);
    }
    // Each side lists the other in the channel and in the call.
    await expect
      .poll(() =>
        ada.page
          .getByRole('list', { name: `In ${channelName}` })
          .getByRole('listitem')
          .count(),
      )
      .toBe(2);
    await ada.page.getByRole('button', { name: 'Call quality' }).click();
    await expect
      .poll(() => ada.page.getByRole('table', { name: 'Call quality with Bob' }).textContent())
      .toContain('relayed');
    await screenshot(ada.page, 'voice-call-quality');
    await ada.page.keyboard.press('Escape');
    await screenshot(ada.page, 'voice-call');
  });

  it('shows the same safety code on both ends', async () => {
    const [adaSees, bobSees] = await Promise.all([safetyCodeWith(ada.page, 'Bob'), safetyCodeWith(bob.page, 'Ada')]);
    expect(adaSees).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(bobSees).toBe(adaSees);
    for (const person of [ada, bob]) await person.page.keyboard.press('Escape');
  });

  it('the call view redraws only when what it shows changes: not for each stats reading or level step', async () => {
    const muteButton = (person: Person) => person.page.getByRole('button', { name: 'Mute', exact: true });
    for (const person of [ada, bob]) {
      await muteButton(person).click();
      await expect.poll(() => muteButton(person).getAttribute('aria-pressed')).toBe('true');
    }
    // Both muted: once Ada's view shows Bob muted and nobody speaking, nothing it shows has reason to change, while
    // the engine goes on reading levels ten times a second and stats every few seconds.
    const callView = ada.page.getByRole('region', { name: `Call in ${channelName}` });
    await callView.getByRole('listitem', { name: 'Bob, muted' }).waitFor();
    await expect.poll(() => callView.locator('.call-tile-speaking').count()).toBe(0);
    await watchRenders(ada.page, 'section.call-view');
    await new Promise((resolve) => setTimeout(resolve, 6000));
    // Before the view selected only what it shows, every stats reading (2 a second) redrew it: 10 or more here.
    expect(await renderCount(ada.page, 'section.call-view')).toBeLessThanOrEqual(1);
    expect(await callView.isVisible()).toBe(true);
    for (const person of [ada, bob]) await muteButton(person).click();
    for (const person of [ada, bob]) await waitForAudio(person.page, hearing, 'voice after unmute');
  });

  it('mute silences the other side, unmute brings the voice back', async () => {
    // Ada's ring in Bob's sidebar, lit while she talks.
    const adaRingAtBob = bob.page.locator('.voice-member').filter({ hasText: 'Ada' }).locator('.avatar-speaking');
    await expect.poll(() => adaRingAtBob.count(), { timeout: 15_000 }).toBe(1);
    // A screen reader hears the ring too: the row's name says it (an attribute, so a flip lays nothing out).
    const sidebarAtBob = bob.page.getByRole('list', { name: `In ${channelName}` });
    await expect.poll(() => sidebarAtBob.getByRole('listitem', { name: /^Ada, speaking/ }).count()).toBe(1);
    await ada.page.getByRole('button', { name: 'Mute', exact: true }).click();
    // Muted in the middle of a word, her last packets are silence (SilentTail), so her ring at Bob's goes out now,
    // not when Chromium forgets her source's last loud level 10 s later.
    await expect.poll(() => adaRingAtBob.count(), { timeout: 4_000 }).toBe(0);
    await expect
      .poll(() => ada.page.getByRole('button', { name: 'Mute', exact: true }).getAttribute('aria-pressed'))
      .toBe('true');
    await expect.poll(() => sidebarAtBob.getByRole('listitem', { name: 'Ada, muted' }).count()).toBe(1);
    await waitForAudio(
      bob.page,
      (audio) => audio.length === 1 && (audio[0]?.audioLevel ?? 1) < SILENCE,
      'silence after mute',
    );
    // The call stays up while muted.
    expect((await inboundAudio(bob.page))[0]?.connectionState).toBe('connected');
    await ada.page.getByRole('button', { name: 'Mute', exact: true }).click();
    await waitForAudio(bob.page, hearing, 'voice after unmute');
  });

  it('while Ada talks her meter rests and her sender measures her voice; muted, the meter reads her again', async () => {
    // Sending, the level of what she says comes from the sender's media-source stats, so the meter's Web Audio graph
    // (an audio thread at work all along: most of what the app added to a call's CPU) is suspended. Her own tile
    // still lights with her voice.
    const callView = ada.page.getByRole('region', { name: `Call in ${channelName}` });
    const adaTile = callView.getByRole('listitem', { name: /^Ada \(you\)/ });
    await expect.poll(() => meterContextStates(ada.page), { timeout: 15_000 }).toEqual(['suspended']);
    // The meter only listens: its context plays to no device, so it opens no output stream in the audio service.
    expect(await meterContextSinks(ada.page)).toEqual(['none']);
    await expect.poll(() => adaTile.getAttribute('class'), { timeout: 15_000 }).toContain('call-tile-speaking');
    // Muted, the sent track is disabled and its stats read silence: the meter runs again (what the settings meter
    // and the voice gate read while nothing is sent).
    const mute = ada.page.getByRole('button', { name: 'Mute', exact: true });
    await mute.click();
    await expect.poll(() => meterContextStates(ada.page), { timeout: 15_000 }).toEqual(['running']);
    await mute.click();
    await waitForAudio(bob.page, hearing, 'voice after unmute');
  });

  it('the voice bar shows the voice gate opening and closing; its status, a live region, does not follow it', async () => {
    // A screen reader reads out every change of a live region, so the status must not follow the gate through each
    // pause in speech. It names the input mode; the words beside it (hidden from screen readers) show the gate.
    const status = ada.page.getByRole('status').filter({ hasText: 'Voice connected' });
    await expect.poll(() => status.textContent()).toContain('(voice activity)');
    await ada.page.evaluate(() => {
      const live = [...document.querySelectorAll('[role="status"]')].find((element) =>
        element.textContent?.includes('Voice connected'),
      );
      if (live === undefined) throw new Error('no voice bar status');
      const watch = { changes: 0 };
      (window as unknown as { __statusWatch: typeof watch }).__statusWatch = watch;
      new MutationObserver(() => {
        watch.changes += 1;
      }).observe(live, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    const gateWord = () =>
      ada.page.evaluate(
        () => document.querySelector('.voice-bar-gate > span:not(.voice-bar-gate-off)')?.textContent ?? null,
      );
    // Speech keeps the gate open at the default sensitivity; at 0 dB nothing passes and it closes. Settings opens
    // in the main pane, beside the voice bar.
    await expect.poll(gateWord).toBe('sending');
    await ada.page
      .getByRole('button', { name: 'Settings' })
      .or(ada.page.getByRole('link', { name: 'Settings' }))
      .first()
      .click();
    const sensitivity = ada.page.getByRole('slider', { name: /Voice activity sensitivity/ });
    const before = await sensitivity.inputValue();
    // Ada's ring in Bob's sidebar, lit while she talks.
    const adaRingAtBob = bob.page.locator('.voice-member').filter({ hasText: 'Ada' }).locator('.avatar-speaking');
    await expect.poll(() => adaRingAtBob.count(), { timeout: 15_000 }).toBe(1);
    try {
      await sensitivity.fill('0');
      await expect.poll(gateWord).toBe('waiting for your voice');
      // A pause sends nothing at all (not a disabled track's silence): Ada's packet count stops, her microphone
      // track stays enabled (her level comes from the sender's stats) and the meter's Web Audio graph sleeps.
      // At Bob's, her ring goes out (her last packets before the pause were quiet).
      const stopped = async () => {
        const first = await audioPacketsSent(ada.page);
        await new Promise((resolve) => setTimeout(resolve, 600));
        return (await audioPacketsSent(ada.page)) === first;
      };
      await expect.poll(stopped, { timeout: 15_000 }).toBe(true);
      expect(await microphoneEnabled(ada.page)).toEqual([true]);
      expect(await meterContextStates(ada.page)).toEqual(['suspended']);
      await expect.poll(() => adaRingAtBob.count(), { timeout: 15_000 }).toBe(0);
      // The longer of the two words, in the sidebar's width at every window size.
      await assertFitsAtEverySize(ada.page, 'voice-bar-waiting', (page) => [
        ['Mute', page.getByRole('button', { name: 'Mute', exact: true })],
      ]);
      await sensitivity.fill(before);
      await expect.poll(gateWord).toBe('sending');
      await expect.poll(stopped, { timeout: 15_000 }).toBe(false);
      expect(
        await ada.page.evaluate(
          () => (window as unknown as { __statusWatch: { changes: number } }).__statusWatch.changes,
        ),
      ).toBe(0);
    } finally {
      // The tests after this one use the call view.
      await sensitivity.fill(before);
      await ada.page.getByRole('button', { name: `${channelName} (connected)` }).click();
      await ada.page.getByRole('region', { name: `Call in ${channelName}` }).waitFor();
    }
  });

  it('a server mute by the owner silences the member at the relay; a move takes them to another channel', async () => {
    const memberMenu = async () => {
      await ada.page.getByRole('button', { name: 'Options for Bob' }).click();
      return ada.page.getByRole('menu', { name: 'Options for Bob' });
    };
    await (await memberMenu()).getByRole('menuitemcheckbox', { name: 'Server mute' }).click();
    await bob.page.getByRole('status').filter({ hasText: 'muted by a moderator' }).waitFor();
    await waitForAudio(ada.page, (audio) => audio.length === 1 && (audio[0]?.audioLevel ?? 1) < SILENCE, 'silence');
    expect((await inboundAudio(ada.page))[0]?.connectionState).toBe('connected');
    await (await memberMenu()).getByRole('menuitemcheckbox', { name: 'Server mute' }).click();
    await waitForAudio(ada.page, hearing, 'voice after the server mute is lifted');

    await (await memberMenu()).getByRole('menuitem', { name: 'Stage' }).click();
    await bob.page.getByRole('status').filter({ hasText: 'Voice connected · Stage' }).waitFor();
    await expect.poll(async () => (await rtcLeftovers(ada.page)).openPeerConnections).toBe(0);
    // Bob goes back by himself.
    await joinChannel(bob.page);
    for (const person of [ada, bob]) await waitForAudio(person.page, hearing, 'audio after coming back');
  });

  it('after a forced signalling disconnect both rejoin by themselves and hear each other again', async () => {
    expect(proxy.dropAll()).toBeGreaterThan(0);
    for (const person of [ada, bob]) {
      await person.page.getByRole('status').filter({ hasText: 'Voice connected' }).waitFor({ timeout: 20_000 });
    }
    for (const person of [ada, bob]) await waitForAudio(person.page, hearing, 'audio after the rejoin');
  });

  it('three-way: a headless bot joins, both pages hear it and it hears both pages', async () => {
    const parsed = parseDeepLink(invite);
    if (!parsed.ok) throw new Error('invite did not parse');
    const session = await startBotSession({
      invite: parsed.value.invite,
      account: { kind: 'signUp', email: 'robo@example.com', password: 'tin whistle lantern 1234', displayName: 'Robo' },
    });
    if (!session.ok) throw new Error(`bot sign-up failed: ${session.error.message}`);
    const bot: VoiceBot = createVoiceBot(session.value, { play: { kind: 'tone', frequency: 660 }, frequencies: [660] });
    try {
      expect((await bot.start()).ok).toBe(true);
      expect((await bot.join({ name: channelName })).ok).toBe(true);
      for (const person of [ada, bob]) {
        await waitForAudio(person.page, (audio) => audio.length === 2 && hearing(audio), 'audio from both others');
      }
      // The bot hears Ada and Bob by name, each above silence, over relay/relay.
      await expect
        .poll(
          () =>
            bot
              .hearing()
              .filter((peer) => peer.level > 0.01 && peer.path === 'relay/relay')
              .map((peer) => peer.displayName)
              .sort(),
          { timeout: 20_000 },
        )
        .toEqual(['Ada', 'Bob']);
      await expect
        .poll(() => ada.page.getByRole('list', { name: 'Call members' }).getByRole('listitem').count())
        .toBe(3);
    } finally {
      await bot.stop();
    }
    await waitForAudio(ada.page, (audio) => audio.length === 1 && hearing(audio), 'back to two after the bot left');
  });

  it('a rewritten DTLS fingerprint in the signalling path makes the call fail and shows the safety warning', async () => {
    const account = await signUpAndIn(whoot.server, 'Carol');
    const carol = await openApp(FINGERPRINT_TAMPERING);
    await signInWithInvite(carol.page, invite, account.email, account.password);
    await carol.page.getByRole('button', { name: `Join ${channelName}` }).click();
    // The call's encryption state says so at once; the Verify call dialog says with whom.
    await carol.page.getByText('Verification failed').first().waitFor({ timeout: 30_000 });
    const dialog = await openVerifyDialog(carol.page);
    await dialog
      .getByText(/Safety check failed with/)
      .first()
      .waitFor();
    // No safety code is shown for a call that never got its keys agreed, and no audio crossed it.
    expect(await carol.page.getByLabel(/^Safety code with/).count()).toBe(0);
    await carol.page.keyboard.press('Escape');
    const carolAudio = await inboundAudio(carol.page);
    expect(carolAudio.every((entry) => entry.connectionState !== 'connected' && entry.bytesReceived === 0)).toBe(true);
    await carol.page.getByRole('button', { name: 'Leave channel' }).click();
    await carol.context.close();
  });

  it('leave tears the call down: peer connections closed and the microphone released', async () => {
    await bob.page.getByRole('button', { name: 'Leave channel' }).click();
    await bob.page.getByRole('region', { name: 'Voice', exact: true }).waitFor({ state: 'detached' });
    await bob.page.getByRole('button', { name: 'Join voice' }).waitFor();
    await expect.poll(() => rtcLeftovers(bob.page)).toMatchObject({ openPeerConnections: 0, liveTracks: 0 });
    // Ada's side notices and closes its link to Bob too.
    await expect.poll(async () => (await rtcLeftovers(ada.page)).openPeerConnections).toBe(0);
  });

  it('after sign-out the page holds no TURN credential and stores nothing credential-like', async () => {
    await joinChannel(bob.page);
    await signOut(bob.page);
    await expectNoVoiceSecretsLeft(bob, member.user.id);
    expect([...ada.errors, ...bob.errors]).toEqual([]);
  });
});
