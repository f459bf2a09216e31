import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency } from '../../bot/audio/goertzel';
import { rmsOf, SAMPLE_RATE } from '../../bot/audio/pcm';
import { decodeWav } from '../../bot/audio/wavFile';
import type { VoiceBot } from '../../bot/voiceBot';
import { startTestServer, type TestServer } from '../support/serverHarness';
import { account, cliUserId, hearLines, runBotCli } from '../support/botCli';
import { eventually, launchBot, voiceChannelWithInvite } from '../support/voiceBots';

/*
 * `npm run bot` as a person runs it: a separate process (npm, tsx, node) given only an invite link and an account,
 * against a real server in this process where a resident bot plays 660 Hz in the channel. The CLI must hear the
 * resident (its printed lines and its WAV), the resident must hear the CLI's 440 Hz bursts, and both the time limit
 * and Ctrl-C (SIGINT to the process group, as a terminal sends it) must end in a clean leave and sign-out.
 */

let t: TestServer;
let resident: VoiceBot;
let link: string;
let dir: string;

beforeAll(async () => {
  t = await startTestServer();
  const setup = await voiceChannelWithInvite(t.server, { channelName: 'Lobby' });
  link = setup.link;
  resident = await launchBot(setup.invite, 'resident', {
    play: { kind: 'tone', frequency: 660 },
    frequencies: [440, 660, 880],
  });
  expect((await resident.join({ id: setup.channel.id })).ok).toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'whoot-bot-cli-'));
}, 180_000);

afterAll(async () => {
  await resident?.stop();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run bot', () => {
  it('joins with an invite, hears and records the resident, is heard, and leaves after --duration', async () => {
    const wav = join(dir, 'heard.wav');
    const run = runBotCli([
      '--join',
      link,
      ...account('clibot'),
      '--channel',
      'Lobby',
      '--play',
      'tone:440,bursts',
      '--record',
      wav,
      '--duration',
      '5',
    ]);
    // While it runs, the resident hears the CLI's bursts: onsets, at 440 Hz.
    const fromCli = await eventually(
      'the resident to hear three bursts from the CLI bot',
      () => resident.hearing().find((peer) => peer.displayName === 'clibot' && peer.onsets.length >= 3),
      30_000,
    );
    await eventually('a 440 Hz burst from the CLI bot at the resident', () =>
      resident.hearing().find((peer) => peer.displayName === 'clibot' && peer.dominant?.frequency === 440),
    );
    const exit = await run.exited;
    const stdout = run.stdout();
    console.info(`[bot cli] stdout:\n${stdout}${run.stderr()}`);

    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/^signed in as "clibot" user=\S+ workspace=\S+$/m);
    expect(stdout).toMatch(/^joined channel="Lobby" id=\S+ relayOnly=true$/m);
    const lines = hearLines(stdout, resident.session.user.id);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines.slice(1)) {
      expect(line).toMatchObject({ name: 'resident', freq: '660Hz', state: 'connected', path: 'relay/relay' });
      expect(line.level).toBeGreaterThan(0.1);
    }
    // The CLI never reports hearing itself.
    expect(stdout).not.toContain('name="clibot"');
    expect(stdout).toMatch(/^left the channel and signed out$/m);
    expect(stdout).toMatch(/^recorded [0-9.]+ s to /m);
    expect(fromCli.userId).toBe(cliUserId(stdout));

    // The recording: 48 kHz mono, about as long as the call, and in its last second the resident's 660 Hz tone.
    const recorded = decodeWav(readFileSync(wav));
    expect(recorded.sampleRate).toBe(SAMPLE_RATE);
    expect(recorded.samples.length / SAMPLE_RATE).toBeGreaterThan(3.5);
    const lastSecond = recorded.samples.subarray(recorded.samples.length - SAMPLE_RATE);
    expect(rmsOf(lastSecond)).toBeGreaterThan(0.1);
    expect(dominantFrequency(lastSecond, [440, 660, 880])?.frequency).toBe(660);

    // It left: the resident's call with it is gone, and the server holds no session for it any more.
    await eventually('the resident to see the CLI bot leave', () =>
      resident.hearing().some((peer) => peer.displayName === 'clibot') ? undefined : true,
    );
    expect(await t.server.store.sessions.listActive(cliUserId(stdout))).toEqual([]);
  }, 90_000);

  it('Ctrl-C (SIGINT to the process group) leaves the channel and signs out cleanly', async () => {
    const run = runBotCli(['--join', link, ...account('interrupted'), '--play', 'tone:880']);
    await eventually(
      'the CLI to print a hear line',
      () => (/ hear user=/.test(run.stdout()) ? true : undefined),
      45_000,
    );
    await eventually('the resident to hear it', () =>
      resident.hearing().find((peer) => peer.displayName === 'interrupted' && peer.dominant?.frequency === 880),
    );
    run.interrupt();
    const exit = await run.exited;
    console.info(`[bot cli] interrupted run:\n${run.stdout()}${run.stderr()}`);

    // npm (like npx) re-raises SIGINT on itself once its script has exited, so a shell knows the user interrupted;
    // the bot's own clean exit shows in its last line, printed after leave and sign-out completed.
    expect(exit).toEqual({ code: null, signal: 'SIGINT' });
    expect(run.stderr()).toMatch(/^SIGINT: leaving$/m);
    expect(run.stdout()).toMatch(/^left the channel and signed out$/m);
    expect(run.stderr()).not.toMatch(/SIGINT again|whoot bot:/);
    await eventually('the resident to see the interrupted bot leave', () =>
      resident.hearing().some((peer) => peer.displayName === 'interrupted') ? undefined : true,
    );
    const userId = cliUserId(run.stdout());
    expect(userId).not.toBe('');
    expect(await t.server.store.sessions.listActive(userId)).toEqual([]);
  }, 90_000);
});
