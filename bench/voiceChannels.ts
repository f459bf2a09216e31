import { cpus, loadavg } from 'node:os';
import { FRAME_MS } from '../bot/audio/pcm';
import type { VoiceBot } from '../bot/voiceBot';
import type { Invite } from '../shared/deepLink';
import type { CallMode } from '../shared/voiceRoomState';
import { withSfu } from '../test/support/serverHarness';
import { startServerProcess, type ServerProcess } from '../test/support/serverProcess';
import { treeCpuSeconds } from './support/processCpu';
import { percentile } from './support/statistics';
import { inboundRtp, joinOrThrow, measureJoins, ms, newBot, sleep, type Stats } from './support/voiceMeasures';

/*
 * (d) of bench/voice.ts: one channel, bots added step by step, once as a mesh and once through the SFU (Janus, the
 * server's child). The server runs in a process of its own (test/support/serverProcess.ts) with SFU mode on and
 * each channel forced to its mode; the bots run here. Per step, over a measuring window: every stream each bot
 * receives (a missing one, or one packet lost, and the step is not carried), each bot's bytes per second up and down
 * (the transport's, all its connections), and the CPU of the server, of Janus and of this (bot) process.
 */

export interface ChannelBenchOptions {
  /** Channel sizes, in order (default 2,4,6,8,10,12,14,16,20,24,28,32). */
  readonly steps: readonly number[];
  /** The ramps to run, in order (default both). */
  readonly modes?: readonly CallMode[];
  readonly measureSeconds: number;
  /** How long a step may take for every bot to hear every other before it is measured anyway. */
  readonly settleSeconds: number;
  /** Joins for join to first audio in an SFU channel. */
  readonly joins: number;
  /**
   * 'light' (the default): each bot stops copying a member's decoded audio into JavaScript once it has heard that
   * member (the window then counts RTP, as ever); 'full': every bot analyses every frame of every stream all along,
   * as the two-party benches do. Every bot runs in this one process on the machine the server uses, and with 'full'
   * their per-frame callbacks (N(N - 1) x 100 a second) take the cores first: that measures the bots, not the room.
   */
  readonly listeners?: 'light' | 'full';
}

interface ChannelStep {
  readonly mode: CallMode;
  readonly members: number;
  /** Every bot heard every other before the window (within settleSeconds). */
  readonly settled: boolean;
  readonly received: number;
  readonly lost: number;
  /** (listener, member) pairs with no packet during the window, of members × (members − 1). */
  readonly missingStreams: number;
  /** Bytes per second each bot sent and received (all its connections' transports: RTP, RTCP, STUN). */
  readonly uplink: readonly number[];
  readonly downlink: readonly number[];
  /** The most outbound audio streams one bot had (a mesh sends one per other member, the SFU one). */
  readonly sendStreams: number;
  readonly serverCpuPercent: number;
  readonly janusCpuPercent: number | null;
  readonly botCpuPercent: number;
  /** The machine's 1-minute load average at the end of the window: other processes compete for the same cores. */
  readonly load: number;
  /** Share of the frames due that the bots' microphones skipped (their event loop stalled past 100 ms). */
  readonly skippedPercent: number;
  /**
   * The bots kept real time (at most 5 % of frames skipped), so the step loaded what it claims. Not 1 % as in (c):
   * on a shared 2-core machine another process alone stalls this one past 100 ms now and then.
   */
  readonly fullRate: boolean;
  /** 0 % loss, every stream flowing, at the full send rate. */
  readonly carried: boolean;
}

/** Janus's CPU time so far (it runs no children: the tree is the process). */
const janusCpuMs = (pid: number) => {
  const { user, system } = treeCpuSeconds(pid);
  return (user + system) * 1000;
};
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / (values.length || 1);
const kB = (bytesPerSecond: number) => `${(bytesPerSecond / 1000).toFixed(1)} kB/s`;

/** Bytes sent and received over every transport of the bot's call, and its outbound audio streams. */
async function transportBytes(bot: VoiceBot) {
  const links = (await bot.engine.connectionStats()) as readonly (readonly Stats[])[];
  const all = links.flat();
  const transports = all.filter((entry) => entry['type'] === 'transport');
  const sum = (key: string) => transports.reduce((total, entry) => total + Number(entry[key] ?? 0), 0);
  const streams = all.filter((entry) => entry['type'] === 'outbound-rtp' && (entry['kind'] ?? 'audio') === 'audio');
  return { sent: sum('bytesSent'), received: sum('bytesReceived'), sendStreams: streams.length };
}

/** Packets received and lost from each other member, by user id. */
async function perMember(bot: VoiceBot): Promise<Map<string, { received: number; lost: number }>> {
  const views = Object.values(bot.engine.store.getState().peers);
  const entries = await Promise.all(
    views.map(async (view) => [view.userId, inboundRtp((await bot.engine.peerStats(view.peerId)) as Stats[])] as const),
  );
  return new Map(entries);
}

/** Every bot has a stream from each other one with sound in it. */
const everyoneHeard = (bots: readonly VoiceBot[]) =>
  bots.every((bot) => {
    const heard = bot.hearing().filter((peer) => peer.firstSoundAt !== null);
    return heard.length === bots.length - 1;
  });

async function measureStep(
  server: ServerProcess,
  bots: readonly VoiceBot[],
  mode: CallMode,
  options: ChannelBenchOptions,
): Promise<ChannelStep> {
  const settleUntil = performance.now() + options.settleSeconds * 1000;
  while (!everyoneHeard(bots) && performance.now() < settleUntil) await sleep(250);
  const settled = everyoneHeard(bots);
  // Past the join's own burst of work (ICE, DTLS, renegotiations) before the window opens.
  await sleep(2000);
  const janusPid = mode === 'sfu' ? (await server.sfu()).pid : null;
  const readCpu = async () => ({
    server: (await server.sfu()).serverCpuMs,
    janus: janusPid === null ? null : janusCpuMs(janusPid),
    bots: process.cpuUsage(),
    skipped: bots.reduce((sum, bot) => sum + bot.microphone.skippedFrames(), 0),
    at: performance.now(),
  });
  const bytesBefore = await Promise.all(bots.map(transportBytes));
  const membersBefore = await Promise.all(bots.map(perMember));
  const cpuBefore = await readCpu();
  await sleep(options.measureSeconds * 1000);
  const cpuAfter = await readCpu();
  const bytesAfter = await Promise.all(bots.map(transportBytes));
  const membersAfter = await Promise.all(bots.map(perMember));
  const seconds = (cpuAfter.at - cpuBefore.at) / 1000;

  let received = 0;
  let lost = 0;
  let missingStreams = 0;
  bots.forEach((bot, i) => {
    for (const other of bots) {
      if (other === bot) continue;
      const before = membersBefore[i]?.get(other.session.user.id);
      const after = membersAfter[i]?.get(other.session.user.id);
      const got = (after?.received ?? 0) - (before?.received ?? 0);
      if (after === undefined || got <= 0) missingStreams++;
      received += Math.max(0, got);
      lost += Math.max(0, (after?.lost ?? 0) - (before?.lost ?? 0));
    }
  });
  const botCpu = process.cpuUsage(cpuBefore.bots);
  const skipped = cpuAfter.skipped - cpuBefore.skipped;
  const framesDue = bots.length * (1000 / FRAME_MS) * seconds;
  // A stall that began before the window is counted when the pacer wakes inside it: capped at all of them.
  const skippedPercent = framesDue > 0 ? Math.min(100, (100 * skipped) / framesDue) : 0;
  return {
    mode,
    members: bots.length,
    settled,
    received,
    lost,
    missingStreams,
    uplink: bots.map((_, i) => ((bytesAfter[i]?.sent ?? 0) - (bytesBefore[i]?.sent ?? 0)) / seconds),
    downlink: bots.map((_, i) => ((bytesAfter[i]?.received ?? 0) - (bytesBefore[i]?.received ?? 0)) / seconds),
    sendStreams: Math.max(...bytesAfter.map((bytes) => bytes.sendStreams)),
    serverCpuPercent: (100 * (cpuAfter.server - cpuBefore.server)) / 1000 / seconds,
    janusCpuPercent:
      cpuAfter.janus === null || cpuBefore.janus === null
        ? null
        : (100 * (cpuAfter.janus - cpuBefore.janus)) / 1000 / seconds,
    botCpuPercent: (100 * (botCpu.user + botCpu.system)) / 1e6 / seconds,
    load: loadavg()[0] ?? 0,
    skippedPercent,
    fullRate: skippedPercent <= 5,
    carried: settled && lost === 0 && missingStreams === 0 && skippedPercent <= 5,
  };
}

function printStep(step: ChannelStep): void {
  const loss = step.received + step.lost === 0 ? 100 : (100 * step.lost) / (step.received + step.lost);
  console.log(
    `  ${step.mode.padEnd(4)} ${String(step.members).padStart(3)} members: ` +
      `lost ${step.lost} of ${step.received + step.lost} (${loss.toFixed(2)} %), ` +
      `missing streams ${step.missingStreams}/${step.members * (step.members - 1)}, ` +
      `per bot up ${kB(mean(step.uplink))} down ${kB(mean(step.downlink))}, send streams ${step.sendStreams}, ` +
      `CPU server ${step.serverCpuPercent.toFixed(0)} %` +
      `${step.janusCpuPercent === null ? '' : ` Janus ${step.janusCpuPercent.toFixed(0)} %`}` +
      ` bots ${step.botCpuPercent.toFixed(0)} %, load ${step.load.toFixed(1)}` +
      `${step.skippedPercent > 0 ? `, bot microphones skipped ${step.skippedPercent.toFixed(1)} % of frames` : ''}` +
      `${step.fullRate ? '' : ' (bots fell behind real time)'}${step.settled ? '' : ' (not everyone heard everyone)'}` +
      ` -> ${step.carried ? 'carried' : 'NOT carried'}`,
  );
}

/** Adds bots to one channel step by step; stops at the first step not carried once past 12 members. */
async function rampChannel(
  server: ServerProcess,
  pool: (index: number) => Promise<VoiceBot>,
  channelId: string,
  mode: CallMode,
  options: ChannelBenchOptions,
): Promise<ChannelStep[]> {
  const inCall: VoiceBot[] = [];
  const steps: ChannelStep[] = [];
  try {
    for (const target of options.steps) {
      while (inCall.length < target) {
        const bot = await pool(inCall.length);
        await joinOrThrow(bot, channelId);
        inCall.push(bot);
      }
      const step = await measureStep(server, inCall, mode, options);
      steps.push(step);
      printStep(step);
      if (!step.carried && step.members >= 12) break;
    }
  } finally {
    for (const bot of inCall) bot.engine.leave();
    // Let the server see the room empty (its VideoRoom goes) before the next ramp.
    await sleep(2000);
  }
  return steps;
}

/** The largest room of N members whose N(N - 1) forwarded streams fit in `streams`. */
const roomForStreams = (streams: number) => Math.floor((1 + Math.sqrt(1 + 4 * streams)) / 2);

function summarize(mesh: readonly ChannelStep[], sfu: readonly ChannelStep[]): void {
  const largest = (steps: readonly ChannelStep[]) => {
    // The largest size carried with every smaller step carried too: a lucky step after a failure does not count.
    let carried = 0;
    for (const step of steps) {
      if (!step.carried) break;
      carried = step.members;
    }
    return carried;
  };
  const meshLargest = largest(mesh);
  const sfuLargest = largest(sfu);
  console.log(`\n    largest channel carried at 0 % loss: mesh ${meshLargest} members, SFU ${sfuLargest} members`);
  console.log(
    `    SFU / mesh: ${meshLargest > 0 ? (sfuLargest / meshLargest).toFixed(1) : 'n/a'}x ` +
      `(goal at least 2x: ${meshLargest > 0 && sfuLargest >= 2 * meshLargest ? 'met' : 'NOT met'})`,
  );
  console.log('    bytes per second per bot (mean, min-max over the bots):');
  for (const size of [2, 6, 12]) {
    for (const steps of [mesh, sfu]) {
      const step = steps.find((candidate) => candidate.members === size);
      if (step === undefined) continue;
      const range = (values: readonly number[]) =>
        `${kB(mean(values))} (${kB(Math.min(...values))}-${kB(Math.max(...values))})`;
      console.log(
        `      ${String(size).padStart(2)} members ${step.mode.padEnd(4)}: up ${range(step.uplink)}, ` +
          `down ${range(step.downlink)}${step.carried ? '' : ' (step not carried)'}`,
      );
    }
  }
  // Uplink against the room's size, over the steps each mode carried (a step where the bots fell behind sends less).
  for (const steps of [mesh, sfu]) {
    const carried = steps.filter((step) => step.carried);
    const first = carried[0];
    const last = carried.at(-1);
    if (first === undefined || last === undefined || first === last) continue;
    console.log(
      `    ${first.mode} uplink per member from ${first.members} to ${last.members} members: ` +
        `${kB(mean(first.uplink))} to ${kB(mean(last.uplink))} (x${(mean(last.uplink) / mean(first.uplink)).toFixed(2)}; ` +
        'flat is x1)',
    );
  }
  // Why the ratio is what it is on one machine: every member's client runs on these same cores, so a room of N costs
  // the clients about N(N - 1) streams' work in both modes. A mode that costs k times less per stream carries only
  // about sqrt(k) times the members in the same CPU.
  const clientPerStream = (steps: readonly ChannelStep[]) => {
    const last = steps.filter((step) => step.carried && step.members >= 4).at(-1);
    return last === undefined ? null : { step: last, cost: last.botCpuPercent / (last.members * (last.members - 1)) };
  };
  const meshCost = clientPerStream(mesh);
  const sfuCost = clientPerStream(sfu);
  if (meshCost !== null && sfuCost !== null) {
    const k = meshCost.cost / sfuCost.cost;
    console.log(
      `    bots' CPU per stream received (largest carried step): mesh ${meshCost.cost.toFixed(2)} % of a core at ` +
        `${meshCost.step.members} members, SFU ${sfuCost.cost.toFixed(2)} % at ${sfuCost.step.members} (${k.toFixed(1)}x ` +
        `less); with every client on these cores a room costs about N(N-1) streams in both modes, so ${k.toFixed(1)}x ` +
        `less per stream carries at most about ${Math.sqrt(k).toFixed(1)}x the members here`,
    );
  }
  const perStream = sfu
    .filter((step) => step.carried && step.members >= 4 && step.janusCpuPercent !== null)
    .map((step) => (step.janusCpuPercent ?? 0) / (step.members * (step.members - 1)));
  if (perStream.length > 0) {
    const median = percentile(perStream, 50);
    console.log(
      `    Janus CPU per forwarded stream: ${median.toFixed(3)} % of a core (median over ${perStream.length} ` +
        `carried steps of 4+ members; N members are N(N-1) streams): one core forwards about ` +
        `${Math.floor(100 / median)} streams, a ${roomForStreams(100 / median)}-member room's worth`,
    );
  }
}

export async function benchLargeChannels(options: ChannelBenchOptions): Promise<void> {
  const sfuServer = withSfu({ enabled: true, maxMembers: 100 });
  // A mesh member holds a relay allocation per other member, TURN URL (UDP and TCP) and network interface: the default
  // per-user quota (40) would stop a mesh of 11 dual-stack bots before loss or CPU do. Raised here, to measure what
  // the machine carries.
  const relay = { ...sfuServer.relay, maxAllocationsPerUser: 200, maxAllocations: 10_000 };
  const server = await startServerProcess({ ...sfuServer, relay }, [
    { name: 'Mesh ramp', voiceMode: 'mesh' },
    { name: 'SFU ramp', voiceMode: 'sfu' },
    { name: 'SFU joins', voiceMode: 'sfu' },
  ]);
  const [meshChannel, sfuChannel, joinChannel] = server.setup.channelIds as [string, string, string];
  const invite: Invite = server.setup.invite;
  const bots: VoiceBot[] = [];
  // Bots sign up as the ramp needs them (argon2id on the server: one at a time keeps joins from stalling).
  const pool = async (index: number) => {
    while (bots.length <= index) {
      const play = { kind: 'tone', frequency: 300 + 20 * bots.length } as const;
      bots.push(await newBot(invite, play, [], undefined, { listenUntilFirstSound: options.listeners !== 'full' }));
    }
    return bots[index] as VoiceBot;
  };
  try {
    console.log(
      `\n(d) one channel, bots added step by step, as a mesh and through the SFU (Janus), ${options.measureSeconds} s ` +
        `per step, ${cpus().length} cores; a step is carried at 0 % loss with every stream flowing, the bots keeping ` +
        'real time (relay.maxAllocationsPerUser raised to 200: a mesh member holds one allocation per other member, TURN ' +
        'URL and network interface); ' +
        (options.listeners === 'full'
          ? 'listeners full: every bot analyses every frame of every stream'
          : 'listeners light: a bot stops analysing a member once it has heard it (libwebrtc still decodes every stream)'),
    );
    const modes = options.modes ?? ['mesh', 'sfu'];
    const mesh = modes.includes('mesh') ? await rampChannel(server, pool, meshChannel, 'mesh', options) : [];
    const sfu = modes.includes('sfu') ? await rampChannel(server, pool, sfuChannel, 'sfu', options) : [];
    summarize(mesh, sfu);

    const joins = await measureJoins(invite, joinChannel, options.joins, false);
    const p95 = Math.max(percentile(joins.toPacket, 95), percentile(joins.toSound, 95));
    console.log(
      `    join to first audio in an SFU channel (${joins.toSound.length} joins, selected pairs ` +
        `${joins.pairs.join(', ')}): first RTP p50 ${ms(percentile(joins.toPacket, 50))} p95 ` +
        `${ms(percentile(joins.toPacket, 95))}; first audible frame p50 ${ms(percentile(joins.toSound, 50))} ` +
        `p95 ${ms(percentile(joins.toSound, 95))}; target < 500 ms p95: ${p95 < 500 ? 'met' : 'NOT met'}`,
    );
    if (joins.failures.length > 0) console.log(`      joins without audio in 5 s: ${joins.failures.join(', ')}`);
  } finally {
    for (const bot of bots) await bot.stop();
    await server.stop();
  }
}
