/**
 * Voice benchmark: `npm run bench:voice [-- options]`.
 *
 * Headless bots (bot/: the renderer's voice engine on @roamhq/wrtc) against the real server with its embedded TURN
 * relay. The server runs in a child process (this file with the `server` argument), so its CPU time is its own and
 * the relay's event loop is not the bots'; the bots run here, so one clock (performance.now) times both ends of every
 * measurement. Everything binds to 127.0.0.1, a watchdog bounds the run, and the child is stopped on every exit.
 *
 * It prints:
 *   (a) join to first audio: a listener bot joins a relay-only channel where a speaker bot plays a steady tone; from
 *       `engine.join()` to the first inbound RTP packet (getStats polled every 10 ms; libwebrtc caches a stats report
 *       for up to 50 ms, so this column reads late by up to that), to the first decoded frame with sound in it, and
 *       the tightest of three upper bounds on the first packet's arrival per join (that poll; the stats' own packet
 *       clock for the last packet in the first report that shows one, inbound-rtp lastPacketReceivedTimestamp; and
 *       the first frame with sound, which only a packet can bring), which the 150 ms target is judged by;
 *       p50/p95 over --joins joins (leave and rejoin; the signalling socket stays open, as in the app). A join with
 *       no audio within 5 s is counted with the engine's error and not timed. Each step of the join is timed too
 *       (engine onJoinStep: credentials, microphone, room joined, offer, answer, ICE, DTLS), and the whole is run
 *       twice: a plain click, and a click 300 ms after engine.prefetch (what pointing at the channel does in the app).
 *   (b) mouth to ear: two bots play tone bursts at each other; a burst's first sample entering the sender's audio
 *       source to its onset detected in the receiver's decoded audio, p50/p95, through the relay (relay-only
 *       channel) and on a direct path (a channel with relayOnly false: ICE policy 'all', host candidates win), and
 *       the difference: what the relay adds. Each call's jitter buffer settles on its own delay (tens of ms, more
 *       than a loopback relay costs), so the same figures are also printed less the receiving jitter buffer's mean
 *       delay over the window (inbound-rtp jitterBufferDelay / jitterBufferEmittedCount): transport and codec only.
 *   (c) capacity: two-way bot pairs, each in its own relay-only channel, ramped (--ramp) until inbound-rtp packet loss
 *       reaches 1 % or a process saturates its CPU; per step: packets received and lost, relay packets, CPU of the
 *       server process and of this (bot) process.
 *   (d) large channels (voiceChannels.ts): one channel, bots added step by step (--channel-steps), once as a mesh and
 *       once through the SFU (Janus, the child of a server of its own with SFU mode on); per step: packets lost,
 *       streams missing, each bot's bytes per second up and down, its send streams, and the CPU of the server, Janus
 *       and the bots. Then the largest channel each mode carried at 0 % loss, uplink and downlink per bot at 2, 6 and
 *       12 members, Janus's CPU per forwarded stream, and join to first audio in an SFU channel.
 *
 * Targets: join to first inbound RTP < 150 ms p95 on loopback (issue 19), to first audio < 500 ms p95 in an SFU
 * channel; relay-added mouth-to-ear latency < 5 ms p95; the SFU carries at least twice the members a mesh does, with
 * uplink per member flat in the channel's size.
 *
 * Options:
 *   --joins N              joins measured in (a) (default 20)
 *   --bursts-seconds S     how long each call plays bursts in (b) (default 8)
 *   --rounds N             calls per path in (b), alternating relay and direct (default 5)
 *   --ramp 5,10,20,40      pair counts for (c) (default 5,10,20,40)
 *   --measure-seconds S    measuring window per step of (c) and (d) (default 10)
 *   --channel-steps 2,4,.. channel sizes for (d) (default 2,4,6,8,10,12,14,16,20,24,28,32; a mode stops at its first
 *                          step not carried past 12)
 *   --channel-modes mesh,sfu  which ramps (d) runs (default both; one alone is for profiling a mode)
 *   --listeners light|full the bots of (d) stop analysing a member's audio once heard (light, default) or analyse
 *                          every frame all along (full); see bench/voiceChannels.ts
 *   --settle-seconds S     how long a step of (d) waits for every bot to hear every other (default 60)
 *   --only join|latency|capacity|sfu
 *   --timeout SECONDS      watchdog for the whole run (default 900, 3600 with (d))
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Invite } from '../shared/deepLink';
import { FRAME_MS } from '../bot/audio/pcm';
import { DEFAULT_BURSTS } from '../bot/audio/testSignal';
import type { VoiceBot } from '../bot/voiceBot';
import type { CallMode } from '../shared/voiceRoomState';
import { startTestServer, type TestServer } from '../test/support/serverHarness';
import { voiceChannelWithInvite } from '../test/support/voiceBots';
import { runBench } from './support/childProcess';
import { percentile } from './support/statistics';
import { benchLargeChannels } from './voiceChannels';
import {
  failureOf,
  inboundRtp,
  JOIN_STEPS,
  joinOrThrow,
  measureJoins,
  ms,
  newBot,
  peerStatsOf,
  PREFETCH_LEAD_MS,
  selectedPair,
  sleep,
  type Stats,
} from './support/voiceMeasures';

// ---------------------------------------------------------------------------------------------------------------
// Server process: the real server, one owner, channels on request

type ServerRequest =
  | { id: number; cmd: 'setup' }
  | { id: number; cmd: 'channels'; count: number; relayOnly: boolean }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'stop' };

interface ServerStats {
  /** User + system CPU time of the server process so far, milliseconds. */
  cpuMs: number;
  relayedPackets: number;
  droppedPackets: Record<string, number>;
  allocations: number;
}

async function runServer(): Promise<void> {
  let t: TestServer | null = null;
  let setup: Awaited<ReturnType<typeof voiceChannelWithInvite>> | null = null;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: ServerRequest) => {
    void (async () => {
      const reply = (value: unknown) => process.send?.({ id: request.id, value });
      if (request.cmd === 'setup') {
        t = await startTestServer();
        setup = await voiceChannelWithInvite(t.server, { channelName: 'relay' });
        const direct = await createChannels(1, false);
        reply({ invite: setup.invite, relayChannel: setup.channel.id, directChannel: direct[0] });
      } else if (request.cmd === 'channels') {
        reply(await createChannels(request.count, request.relayOnly));
      } else if (request.cmd === 'stats') {
        const usage = process.cpuUsage();
        const relay = t?.server.relay?.stats();
        const stats: ServerStats = {
          cpuMs: (usage.user + usage.system) / 1000,
          relayedPackets: relay
            ? Object.values(relay.relayed).reduce((sum, direction) => sum + direction.packets, 0)
            : 0,
          droppedPackets: relay ? { ...relay.droppedPackets } : {},
          allocations: relay?.allocations.active ?? 0,
        };
        reply(stats);
      } else {
        await t?.close();
        process.send?.({ id: request.id, value: null }, () => process.exit(0));
      }
    })();
  });

  async function createChannels(count: number, relayOnly: boolean): Promise<string[]> {
    if (setup === null) throw new Error('setup first');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { channel } = await setup.owner.call('createChannel', {
        params: { workspaceId: setup.workspace.id },
        body: { name: `${relayOnly ? 'pair' : 'direct'}-${Date.now().toString(36)}-${i}`, relayOnly },
      });
      ids.push(channel.id);
    }
    return ids;
  }
}

function startServerProcess() {
  // The child inherits this process's execArgv, so it runs under tsx as well.
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, (value: unknown) => void>();
  child.on('message', (message: { id: number; value: unknown }) => {
    waiting.get(message.id)?.(message.value);
    waiting.delete(message.id);
  });
  function request<T>(body: Record<string, unknown>): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, (value) => resolve(value as T));
      if (!child.send({ id, ...body })) reject(new Error('the server process is gone'));
    });
  }
  return {
    setup: () => request<{ invite: Invite; relayChannel: string; directChannel: string }>({ cmd: 'setup' }),
    channels: (count: number, relayOnly: boolean) => request<string[]>({ cmd: 'channels', count, relayOnly }),
    stats: () => request<ServerStats>({ cmd: 'stats' }),
    stop: () => request<null>({ cmd: 'stop' }).catch(() => null),
    kill: () => child.kill('SIGKILL'),
  };
}

/** A sink hands out silent frames from the moment its track exists; sound means media really flows. */
const hearsSomeone = (bot: VoiceBot) => bot.hearing().some((peer) => peer.firstSoundAt !== null);

/**
 * Joins both bots and waits until each hears the other; a link that fails to negotiate (see failures in the
 * output) is retried with a fresh join of both, up to `attempts` times.
 */
async function joinAndConnect(bots: readonly VoiceBot[], channelId: string, failures: string[], attempts = 3) {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    for (const bot of bots) await joinOrThrow(bot, channelId);
    const deadline = performance.now() + 8000;
    while (performance.now() < deadline) {
      if (bots.every(hearsSomeone)) return;
      await sleep(50);
    }
    failures.push(...bots.filter((bot) => !hearsSomeone(bot)).map(failureOf));
    for (const bot of bots) bot.engine.leave();
    await sleep(500);
  }
  throw new Error(`two bots did not connect in ${attempts} attempts`);
}

// ---------------------------------------------------------------------------------------------------------------
// (b) mouth to ear with tone bursts

type MouthToEar = Awaited<ReturnType<typeof measureMouthToEarOnce>>;

/** Merges the rounds of one path. */
const mergeRounds = (rounds: readonly MouthToEar[]): MouthToEar => ({
  latencies: rounds.flatMap((round) => round.latencies),
  unmatched: rounds.reduce((sum, round) => sum + round.unmatched, 0),
  failures: rounds.flatMap((round) => round.failures),
  withoutJitterBuffer: rounds.flatMap((round) => round.withoutJitterBuffer),
  pairs: [...new Set(rounds.flatMap((round) => round.pairs))],
});

async function measureMouthToEarOnce(invite: Invite, channelId: string, seconds: number) {
  const frequencies = [440, 880];
  const a = await newBot(invite, { kind: 'tone', frequency: 440, bursts: DEFAULT_BURSTS }, frequencies);
  const b = await newBot(invite, { kind: 'tone', frequency: 880, bursts: DEFAULT_BURSTS }, frequencies);
  const latencies: number[] = [];
  const failures: string[] = [];
  /** Each latency minus the receiving jitter buffer's mean delay over the same window. */
  const withoutJitterBuffer: number[] = [];
  let unmatched = 0;
  const pairs = new Set<string>();
  try {
    await joinAndConnect([a, b], channelId, failures);
    // Skip the first second: the jitter buffer settles, and the first onset may be cut by the join.
    await sleep(1000);
    const since = performance.now();
    const [aBefore, bBefore] = await Promise.all([a, b].map(peerStatsOf));
    await sleep(seconds * 1000);
    const [aAfter, bAfter] = await Promise.all([a, b].map(peerStatsOf));
    for (const [sender, receiver, statsBefore, statsAfter] of [
      [a, b, bBefore, bAfter],
      [b, a, aBefore, aAfter],
    ] as const) {
      const before = inboundRtp((statsBefore ?? []).flat());
      const after = inboundRtp((statsAfter ?? []).flat());
      const emitted = after.jitterBufferEmitted - before.jitterBufferEmitted;
      const jitterBufferMs = emitted > 0 ? (1000 * (after.jitterBufferDelay - before.jitterBufferDelay)) / emitted : 0;
      const emissions = sender.microphone.emissions().map((emission) => emission.at);
      const heard = receiver.hearing().find((peer) => peer.userId === sender.session.user.id);
      for (const onset of heard?.onsets ?? []) {
        if (onset < since) continue;
        // The burst this onset belongs to: the latest one emitted before it, within one burst period.
        const source = emissions.filter((at) => at <= onset).at(-1);
        if (source === undefined || onset - source > DEFAULT_BURSTS.periodMs) {
          unmatched++;
        } else {
          latencies.push(onset - source);
          withoutJitterBuffer.push(onset - source - jitterBufferMs);
        }
      }
      for (const entries of statsAfter ?? []) pairs.add(selectedPair(entries));
    }
  } finally {
    await a.stop();
    await b.stop();
  }
  return { latencies, withoutJitterBuffer, unmatched, failures, pairs: [...pairs] };
}

// ---------------------------------------------------------------------------------------------------------------
// (c) capacity: two-way pairs through the relay

interface CapacityStep {
  pairs: number;
  received: number;
  lost: number;
  lossPercent: number;
  relayedPerSecond: number;
  serverCpuPercent: number;
  botCpuPercent: number;
  skippedFrames: number;
  /** The bots kept real time: every pair sent at the full rate, so the step loaded the relay as it claims. */
  fullRate: boolean;
  notRelayed: number;
}

async function measureCapacity(
  server: ReturnType<typeof startServerProcess>,
  invite: Invite,
  ramp: readonly number[],
  measureSeconds: number,
): Promise<{ steps: CapacityStep[]; stoppedBy: string; failures: string[] }> {
  const pairs: (readonly [VoiceBot, VoiceBot])[] = [];
  const steps: CapacityStep[] = [];
  const failures: string[] = [];
  let stoppedBy = 'the end of the ramp';
  const allBots = () => pairs.flat();
  try {
    for (const target of ramp) {
      const adding = target - pairs.length;
      if (adding <= 0) continue;
      const channels = await server.channels(adding, true);
      // Sign-ups hash passwords on the server (argon2id): a few pairs at a time keeps that from stalling joins.
      for (let i = 0; i < channels.length; i += 5) {
        await Promise.all(
          channels.slice(i, i + 5).map(async (channelId, j) => {
            const tone = 20 * ((i + j) % 20);
            const pair = [
              await newBot(invite, { kind: 'tone', frequency: 440 + tone }),
              await newBot(invite, { kind: 'tone', frequency: 660 + tone }),
            ] as const;
            pairs.push(pair);
            await joinAndConnect(pair, channelId, failures);
          }),
        );
      }
      const bots = allBots();
      await sleep(2000);
      const before = await Promise.all(bots.map(peerStatsOf));
      const serverBefore = await server.stats();
      const cpuBefore = process.cpuUsage();
      const skippedBefore = bots.reduce((sum, bot) => sum + bot.microphone.skippedFrames(), 0);
      const wallBefore = performance.now();
      await sleep(measureSeconds * 1000);
      const after = await Promise.all(bots.map(peerStatsOf));
      const serverAfter = await server.stats();
      const cpu = process.cpuUsage(cpuBefore);
      const wall = (performance.now() - wallBefore) / 1000;
      const totals = (all: Stats[][][]) =>
        all.flat().reduce(
          (sum, entries) => {
            const rtp = inboundRtp(entries);
            return { received: sum.received + rtp.received, lost: sum.lost + rtp.lost };
          },
          { received: 0, lost: 0 },
        );
      const start = totals(before);
      const end = totals(after);
      const received = end.received - start.received;
      const lost = end.lost - start.lost;
      const skippedFrames = bots.reduce((sum, bot) => sum + bot.microphone.skippedFrames(), 0) - skippedBefore;
      const framesDue = 2 * pairs.length * (1000 / FRAME_MS) * wall;
      const step: CapacityStep = {
        pairs: pairs.length,
        received,
        lost,
        lossPercent: received + lost === 0 ? 100 : (100 * lost) / (received + lost),
        relayedPerSecond: (serverAfter.relayedPackets - serverBefore.relayedPackets) / wall,
        serverCpuPercent: (100 * (serverAfter.cpuMs - serverBefore.cpuMs)) / 1000 / wall,
        botCpuPercent: (100 * (cpu.user + cpu.system)) / 1e6 / wall,
        skippedFrames,
        // More than 1 % of the frames due skipped is the bots falling behind, not a lone hiccup of a shared machine.
        fullRate: skippedFrames <= framesDue / 100,
        notRelayed: after.flat().filter((entries) => selectedPair(entries) !== 'relay/relay').length,
      };
      steps.push(step);
      console.log(
        `  ${String(step.pairs).padStart(3)} pairs: received ${step.received}, lost ${step.lost} ` +
          `(${step.lossPercent.toFixed(2)} %), relay ${Math.round(step.relayedPerSecond)} packets/s, ` +
          `server CPU ${step.serverCpuPercent.toFixed(0)} %, bot process CPU ${step.botCpuPercent.toFixed(0)} %` +
          `${step.skippedFrames > 0 ? `, bot pacers skipped ${step.skippedFrames} frames` : ''}` +
          `${step.notRelayed > 0 ? `, ${step.notRelayed} links not relay/relay` : ''}`,
      );
      if (step.lossPercent >= 1) {
        stoppedBy = `loss reached ${step.lossPercent.toFixed(2)} %`;
        break;
      }
      // One core is what a single-threaded relay (or this process's event loop) can use; two is the whole machine.
      if (step.serverCpuPercent >= 90) {
        stoppedBy = `the server process used ${step.serverCpuPercent.toFixed(0)} % of a core`;
        break;
      }
      // Saturated: the bots fell behind real time, or both processes together use nearly every core.
      const machine = step.botCpuPercent + step.serverCpuPercent;
      if (!step.fullRate || machine >= 90 * cpus().length) {
        stoppedBy =
          `CPU saturation (bot process ${step.botCpuPercent.toFixed(0)} %, server ${step.serverCpuPercent.toFixed(0)} %` +
          ` of ${cpus().length} cores, bot pacers skipped ${step.skippedFrames} frames)`;
        break;
      }
    }
  } finally {
    await Promise.all(allBots().map((bot) => bot.stop()));
  }
  return { steps, stoppedBy, failures };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      joins: { type: 'string', default: '20' },
      'bursts-seconds': { type: 'string', default: '8' },
      rounds: { type: 'string', default: '5' },
      ramp: { type: 'string', default: '5,10,20,40' },
      'measure-seconds': { type: 'string', default: '10' },
      'channel-steps': { type: 'string', default: '2,4,6,8,10,12,14,16,20,24,28,32' },
      'channel-modes': { type: 'string', default: 'mesh,sfu' },
      listeners: { type: 'string', default: 'light' },
      'settle-seconds': { type: 'string', default: '60' },
      only: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  const joins = Number(values.joins);
  const burstSeconds = Number(values['bursts-seconds']);
  const rounds = Number(values.rounds);
  const ramp = values.ramp.split(',').map(Number);
  const measureSeconds = Number(values['measure-seconds']);
  const channelSteps = values['channel-steps'].split(',').map(Number);
  const settleSeconds = Number(values['settle-seconds']);
  const channelModes = values['channel-modes'].split(',');
  if (!channelModes.every((mode): mode is CallMode => mode === 'mesh' || mode === 'sfu')) {
    throw new Error('--channel-modes takes mesh, sfu or both');
  }
  const listeners = values.listeners;
  if (listeners !== 'light' && listeners !== 'full') throw new Error('--listeners takes light or full');
  const run = (part: string) => values.only === undefined || values.only === part;
  const numbers = [joins, burstSeconds, rounds, measureSeconds, settleSeconds, ...ramp, ...channelSteps];
  if (!numbers.every((n) => Number.isFinite(n) && n > 0) || channelSteps.some((n) => n < 2)) {
    throw new Error(
      '--joins, --bursts-seconds, --rounds, --ramp, --measure-seconds, --settle-seconds and --channel-steps take ' +
        'positive numbers (channel steps at least 2)',
    );
  }
  // The SFU section ramps two channels to a few dozen bots each: it takes longer than the rest together.
  const timeout = Number(values.timeout ?? (run('sfu') ? 3600 : 900));

  const server = startServerProcess();
  const watchdog = setTimeout(() => {
    console.error(`bench:voice: watchdog (${timeout} s) fired`);
    server.kill();
    process.exit(1);
  }, timeout * 1000);
  try {
    const { invite, relayChannel, directChannel } = await server.setup();
    console.log(`bench:voice on 127.0.0.1 (server and its embedded relay in a child process, bots in this one)`);

    if (run('join')) {
      for (const prefetch of [false, true]) {
        const dropsBefore = (await server.stats()).droppedPackets;
        const result = await measureJoins(invite, relayChannel, joins, prefetch);
        const dropsAfter = (await server.stats()).droppedPackets;
        const line = (label: string, values: number[]) =>
          console.log(`    ${label.padEnd(34)} p50 ${ms(percentile(values, 50))}  p95 ${ms(percentile(values, 95))}`);
        console.log(
          `\n(a) join to first audio${prefetch ? `, credentials prefetched ${PREFETCH_LEAD_MS} ms before the click` : ''}: ` +
            `${result.toSound.length} joins into a relay-only channel where a bot plays ` +
            `(selected pairs: ${result.pairs.join(', ')})`,
        );
        console.log('    steps, from the click (engine.join) to each:');
        for (const [step, label] of JOIN_STEPS) line(`  ${label}`, result.stepTimes.get(step) ?? []);
        line('to first inbound RTP (getStats):', result.toPacket);
        line('first RTP arrived by (tightest bound):', result.toArrival);
        line('to first audible frame (sink):', result.toSound);
        // Packets the relay dropped meanwhile: an ICE check that reaches an allocation before its owner has made
        // the permission for the sender waits for the next check, which is what sets the ICE step's floor.
        const drops = Object.entries(dropsAfter)
          .map(([reason, count]) => [reason, count - (dropsBefore[reason] ?? 0)] as const)
          .filter(([, count]) => count > 0);
        console.log(
          `    relay drops during these joins: ${drops.length === 0 ? 'none' : drops.map(([r, c]) => `${r} ${c}`).join(', ')}`,
        );
        if (result.failures.length > 0) {
          console.log(
            `    joins without audio in 5 s (retried): ${result.failures.length} (${result.failures.join(', ')})`,
          );
        }
        // By the tightest bound per join: the polled column adds the age of libwebrtc's cached report (up to 50 ms).
        const p95 = percentile(result.toArrival, 95);
        console.log(`    first inbound RTP p95 < 150 ms (issue 19), by that bound: ${p95 < 150 ? 'met' : 'NOT met'}`);
      }
    }

    if (run('latency')) {
      // Alternating fresh calls on each path: each call's jitter buffer settles on its own delay, so one call per
      // path would compare two jitter buffers more than two paths.
      const relayRounds: MouthToEar[] = [];
      const directRounds: MouthToEar[] = [];
      for (let round = 0; round < rounds; round++) {
        relayRounds.push(await measureMouthToEarOnce(invite, relayChannel, burstSeconds));
        directRounds.push(await measureMouthToEarOnce(invite, directChannel, burstSeconds));
      }
      const relayed = mergeRounds(relayRounds);
      const direct = mergeRounds(directRounds);
      console.log(
        `\n(b) mouth to ear: tone bursts (${DEFAULT_BURSTS.onMs} ms every ${DEFAULT_BURSTS.periodMs} ms) both ways, ` +
          `${rounds} calls of ${burstSeconds} s per path, alternating`,
      );
      for (const [label, result] of [
        ['relay ', relayed],
        ['direct', direct],
      ] as const) {
        console.log(
          `    ${label} (${result.pairs.join(', ')}): p50 ${ms(percentile(result.latencies, 50))}  ` +
            `p95 ${ms(percentile(result.latencies, 95))}  (${result.latencies.length} bursts, ${result.unmatched} ` +
            `unmatched); less the jitter buffer: p50 ${ms(percentile(result.withoutJitterBuffer, 50))}  ` +
            `p95 ${ms(percentile(result.withoutJitterBuffer, 95))}`,
        );
        if (result.failures.length > 0) {
          console.log(`      failed attempts before connecting: ${result.failures.join(', ')}`);
        }
      }
      const added50 = percentile(relayed.latencies, 50) - percentile(direct.latencies, 50);
      const added95 = percentile(relayed.latencies, 95) - percentile(direct.latencies, 95);
      const transport = (p: number) =>
        percentile(relayed.withoutJitterBuffer, p) - percentile(direct.withoutJitterBuffer, p);
      console.log(
        `    relay-added mouth to ear:  p50 ${ms(added50)}  p95 ${ms(added95)}  ` +
          `(target < 5 ms p95: ${added95 < 5 ? 'met' : 'NOT met'})`,
      );
      console.log(`    relay-added less the jitter buffer:  p50 ${ms(transport(50))}  p95 ${ms(transport(95))}`);
    }

    if (run('capacity')) {
      console.log(`\n(c) two-way bot pairs through the relay, ${measureSeconds} s per step`);
      const capacity = await measureCapacity(server, invite, ramp, measureSeconds);
      const carried = capacity.steps.filter((step) => step.lossPercent < 1 && step.fullRate).at(-1);
      console.log(
        `    stopped by ${capacity.stoppedBy}; carried with < 1 % loss at the full send rate: ` +
          `${carried ? `${carried.pairs} pairs` : 'none'}`,
      );
      if (carried !== undefined && carried.serverCpuPercent > 0 && capacity.stoppedBy.startsWith('CPU')) {
        // The bots (libwebrtc encodes on the thread that feeds RTCAudioSource) saturate this machine long before the
        // relay does; what the relay used per pair says how far it would go alone. An estimate, not a measurement.
        const perPair = carried.serverCpuPercent / carried.pairs;
        console.log(
          `    server CPU per pair ${perPair.toFixed(2)} % of a core: one core would carry about ` +
            `${Math.floor(100 / perPair)} pairs if it scaled linearly (not measured: the bots saturate first here)`,
        );
      }
      if (capacity.failures.length > 0) {
        console.log(`    pair joins retried: ${capacity.failures.length} (${capacity.failures.join(', ')})`);
      }
    }

    if (run('sfu')) {
      await benchLargeChannels({
        steps: channelSteps,
        modes: channelModes,
        listeners,
        measureSeconds,
        settleSeconds,
        joins,
      });
    }
  } finally {
    clearTimeout(watchdog);
    await server.stop();
  }
}

if (process.argv[2] === 'server') {
  void runServer();
} else {
  runBench(main);
}
