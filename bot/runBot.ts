import { resolve } from 'node:path';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../main/server/cli/io';
import { terminalQuoted, terminalSafe } from '../shared/terminalText';
import { frequencyGrid } from './audio/goertzel';
import { toDecibels } from './audio/pcm';
import { DEFAULT_BURSTS, type TestSignalSpec } from './audio/testSignal';
import { readWavFile, WavFormatError } from './audio/wavFile';
import { BOT_USAGE, parseBotArgs, type PlaySpec } from './cliOptions';
import { startBotSession } from './session/botSession';
import { createVoiceBot, type HeardPeer, type VoiceBot } from './voiceBot';

/** What the CLI listens for when it does not know the tones: 50 Hz to 7 kHz in 10 Hz steps (100 ms windows). */
const PROBE = frequencyGrid(50, 7000, 10);
const REPORT_INTERVAL_MS = 1000;

function signalFor(play: PlaySpec, cwd: string): TestSignalSpec {
  if (play.kind === 'tone') {
    return { kind: 'tone', frequency: play.frequency, ...(play.bursts ? { bursts: DEFAULT_BURSTS } : {}) };
  }
  try {
    return { kind: 'samples', samples: readWavFile(resolve(cwd, play.path)), loop: true };
  } catch (error) {
    if (error instanceof WavFormatError) throw new CliError(`--play ${play.path}: ${error.message}`, EXIT_USAGE);
    throw new CliError(`--play ${play.path}: the file cannot be read.`, EXIT_USAGE);
  }
}

/** One line per peer: stable key=value fields, so people can read it and scripts can grep it. */
export function hearingLine(elapsedSeconds: number, peer: HeardPeer): string {
  // Names come from the server: printed so that no character in one can act on the terminal.
  const name = peer.displayName === null ? '' : ` name=${terminalQuoted(peer.displayName)}`;
  const frequency = peer.dominant === null ? '-' : `${peer.dominant.frequency}Hz`;
  return (
    `t=${elapsedSeconds}s hear user=${peer.userId}${name} level=${peer.level.toFixed(3)} ` +
    `dbfs=${toDecibels(peer.level).toFixed(1)} freq=${frequency} state=${peer.connectionState} path=${peer.path}`
  );
}

/**
 * The bot's command line as a function: arguments in, exit code out, every effect through `io` (the same io the
 * server CLI uses: stdout, stderr, SIGINT/SIGTERM). SIGINT at any point ends in a clean leave and sign-out.
 */
export async function runBot(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseBotArgs(argv, io.env);
  if (!parsed.ok) {
    io.err(`${parsed.error.message}\nRun with --help for the options.`);
    return EXIT_USAGE;
  }
  if (parsed.value === 'help') {
    io.out(BOT_USAGE);
    return EXIT_OK;
  }
  const args = parsed.value;
  let stopRequested = false;
  const stop = io.waitForStop().then((signal) => {
    stopRequested = true;
    io.err(`${signal}: leaving`);
  });

  let play: TestSignalSpec;
  try {
    play = signalFor(args.play, io.cwd);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(error.message);
    return error.exitCode;
  }

  const session = await startBotSession({
    invite: args.invite,
    account: args.account,
    ...(args.workspace === undefined ? {} : { workspaceSlug: args.workspace }),
  });
  if (!session.ok) {
    io.err(`Signing in failed (${session.error.code}): ${terminalSafe(session.error.message)}`);
    return EXIT_FAILED;
  }
  io.out(
    `signed in as ${terminalQuoted(session.value.user.displayName)} user=${session.value.user.id} ` +
      `workspace=${session.value.workspace.slug}`,
  );
  const bot = createVoiceBot(session.value, { play, ...(args.record === undefined ? {} : { record: true }) });
  const code = await runCall(bot, args.channel, args.durationSeconds, io, stop, () => stopRequested);
  await bot.stop();
  io.out('left the channel and signed out');
  if (args.record !== undefined) {
    const samples = bot.speakers.writeRecording(resolve(io.cwd, args.record));
    io.out(`recorded ${(samples / 48_000).toFixed(2)} s to ${args.record}`);
  }
  return code;
}

async function runCall(
  bot: VoiceBot,
  channelName: string | undefined,
  durationSeconds: number | undefined,
  io: CliIo,
  stop: Promise<void>,
  stopRequested: () => boolean,
): Promise<number> {
  const started = await bot.start();
  if (stopRequested()) return EXIT_OK;
  if (!started.ok) {
    io.err(`Connecting to the server failed (${started.error.code}): ${terminalSafe(started.error.message)}`);
    return EXIT_FAILED;
  }
  const joined = await bot.join(channelName === undefined ? null : { name: channelName });
  if (stopRequested()) return EXIT_OK;
  if (!joined.ok) {
    io.err(`Joining failed (${joined.error.code}): ${terminalSafe(joined.error.message)}`);
    return EXIT_FAILED;
  }
  io.out(
    `joined channel=${terminalQuoted(joined.value.name)} id=${joined.value.id} relayOnly=${joined.value.relayOnly}`,
  );
  const startedAt = performance.now();
  const report = setInterval(() => {
    const elapsed = Math.round((performance.now() - startedAt) / 1000);
    const heard = bot.hearing(PROBE);
    if (heard.length === 0) io.out(`t=${elapsed}s hear nobody`);
    for (const peer of heard) io.out(hearingLine(elapsed, peer));
    const problem = bot.engine.store.getState().error;
    if (problem !== null) io.err(`t=${elapsed}s voice ${problem.code}: ${terminalSafe(problem.message)}`);
  }, REPORT_INTERVAL_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<void>((resolve) => {
    if (durationSeconds !== undefined) timer = setTimeout(resolve, durationSeconds * 1000);
  });
  await Promise.race([stop, timeUp]);
  clearInterval(report);
  clearTimeout(timer);
  return EXIT_OK;
}
