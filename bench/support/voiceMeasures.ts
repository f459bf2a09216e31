import type { VoiceBot, VoiceBotOptions } from '../../bot/voiceBot';
import type { JoinStep } from '../../renderer/voice/voiceEngine';
import type { Invite } from '../../shared/deepLink';
import { eventually, launchBot } from '../../test/support/voiceBots';

/*
 * What the voice benchmarks read from headless bots (bot/: the renderer's voice engine on @roamhq/wrtc): inbound
 * RTP, the selected candidate pair, and join to first audio, shared by the mesh and SFU sections of bench/voice.ts.
 */

export type Stats = Record<string, unknown>;

export const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a');
export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export function inboundRtp(entries: readonly Stats[]) {
  const inbound = entries.filter((entry) => entry['type'] === 'inbound-rtp' && entry['kind'] !== 'video');
  const sum = (key: string) => inbound.reduce((total, entry) => total + Number(entry[key] ?? 0), 0);
  return {
    received: sum('packetsReceived'),
    lost: Math.max(0, sum('packetsLost')),
    /** Seconds of jitter-buffer delay summed over every sample emitted, and how many samples that was. */
    jitterBufferDelay: sum('jitterBufferDelay'),
    jitterBufferEmitted: sum('jitterBufferEmittedCount'),
  };
}

/**
 * When the last inbound audio packet arrived, on performance.now()'s timeline, from the stats' own packet clock
 * (inbound-rtp lastPacketReceivedTimestamp, Unix milliseconds), or null. Read at the first report that shows a packet,
 * it bounds the first packet's arrival from above without the report's age (libwebrtc caches a report up to 50 ms).
 */
export function lastInboundPacketAt(entries: readonly Stats[]): number | null {
  const times = entries
    .filter(
      (entry) => entry['type'] === 'inbound-rtp' && entry['kind'] !== 'video' && Number(entry['packetsReceived']) > 0,
    )
    .map((entry) => Number(entry['lastPacketReceivedTimestamp']))
    .filter((at) => Number.isFinite(at) && at > 0);
  return times.length === 0 ? null : Math.min(...times) - performance.timeOrigin;
}

/** The selected candidate pair as "local/remote" candidate types. */
export function selectedPair(entries: readonly Stats[]): string {
  const byId = new Map(entries.map((entry) => [String(entry['id']), entry]));
  const transport = entries.find((entry) => entry['type'] === 'transport' && entry['selectedCandidatePairId']);
  const pair =
    byId.get(String(transport?.['selectedCandidatePairId'])) ??
    entries.find((entry) => entry['type'] === 'candidate-pair' && entry['nominated'] && entry['state'] === 'succeeded');
  const type = (id: unknown) => String(byId.get(String(id))?.['candidateType'] ?? '?');
  return pair ? `${type(pair['localCandidateId'])}/${type(pair['remoteCandidateId'])}` : '?/?';
}

export async function peerStatsOf(bot: VoiceBot): Promise<Stats[][]> {
  return Promise.all(
    Object.keys(bot.engine.store.getState().peers).map(
      async (peerId) => (await bot.engine.peerStats(peerId)) as Stats[],
    ),
  );
}

let botCount = 0;
export const newBot = (
  invite: Invite,
  play: VoiceBotOptions['play'],
  frequencies: readonly number[] = [],
  onJoinStep?: (step: JoinStep) => void,
  more: Pick<VoiceBotOptions, 'listenUntilFirstSound'> = {},
) =>
  launchBot(invite, `bench${++botCount}`, {
    play,
    frequencies,
    ...more,
    ...(onJoinStep ? { engine: { onJoinStep } } : {}),
  });

export async function joinOrThrow(bot: VoiceBot, channelId: string): Promise<void> {
  const joined = await bot.join({ id: channelId });
  if (!joined.ok) throw new Error(`join failed: ${joined.error.code} ${joined.error.message}`);
}

/** Why a join did not bring audio within its budget: the engine's error if it has one. */
export const failureOf = (bot: VoiceBot) => bot.engine.store.getState().error?.code ?? 'no audio in time';

/** The steps of a join in the order they happen, and how bench:voice names them. */
export const JOIN_STEPS: readonly [JoinStep, string][] = [
  ['credentials', 'TURN credentials fetched'],
  ['microphone', 'microphone open'],
  ['room_joined', 'room joined (WSS)'],
  ['offer_sent', 'offer out'],
  ['answer_applied', 'answer applied'],
  ['ice_connected', 'ICE connected over TURN'],
  ['connected', 'DTLS done (connected)'],
];

/** How long before the click a prefetch starts in the prefetch runs: about as long as a pointer rests on a row. */
export const PREFETCH_LEAD_MS = 300;

export /**
 * Join to first audio: a listener joins `channelId`, where a speaker plays a steady tone, `joins` times (leaving
 * between joins), each join timed step by step and to the first inbound RTP packet and the first decoded frame with
 * sound; with `prefetch`, the credentials are fetched PREFETCH_LEAD_MS before the click, as pointing at a channel does.
 */
async function measureJoins(invite: Invite, channelId: string, joins: number, prefetch: boolean) {
  let steps = new Map<JoinStep, number>();
  const speaker = await newBot(invite, { kind: 'tone', frequency: 440 });
  const listener = await newBot(invite, { kind: 'tone', frequency: 660 }, [], (step) =>
    steps.set(step, performance.now()),
  );
  await joinOrThrow(speaker, channelId);
  const toPacket: number[] = [];
  const toArrival: number[] = [];
  const toSound: number[] = [];
  const stepTimes = new Map<JoinStep, number[]>(JOIN_STEPS.map(([step]) => [step, []]));
  const failures: string[] = [];
  const pairs = new Set<string>();
  try {
    while (toSound.length < joins && failures.length < joins) {
      let soundAt: number | null = null;
      const stopSound = listener.speakers.onFirstSound((_peer, at) => (soundAt ??= at));
      if (prefetch) {
        listener.engine.prefetch(channelId);
        await sleep(PREFETCH_LEAD_MS);
      }
      steps = new Map();
      const start = performance.now();
      // The engine's join, as the app's click calls it: the bot's own join() first lists channels and names over
      // REST (two round trips no click makes), which earlier versions of this bench counted in.
      const joining = listener.engine.join(channelId);
      let packetAt: number | null = null;
      let arrivedBy: number | null = null;
      // Poll inbound RTP from the moment the peer exists; 10 ms is the resolution of this column.
      while ((packetAt === null || soundAt === null) && performance.now() - start < 5000) {
        if (packetAt === null) {
          for (const entries of await peerStatsOf(listener)) {
            if (inboundRtp(entries).received > 0) {
              packetAt ??= performance.now();
              arrivedBy ??= lastInboundPacketAt(entries);
            }
          }
        }
        await sleep(10);
      }
      stopSound();
      const joined = await joining;
      if (!joined.ok || packetAt === null || soundAt === null) {
        failures.push(joined.ok ? failureOf(listener) : joined.error.code);
      } else {
        for (const entries of await peerStatsOf(listener)) pairs.add(selectedPair(entries));
        toPacket.push(packetAt - start);
        // The first packet had arrived by each of these: the poll that saw it, the packet clock of that report, and
        // the first frame with sound (decoded from a packet). The earliest is the tightest bound.
        toArrival.push(Math.min(arrivedBy ?? packetAt, packetAt, soundAt) - start);
        toSound.push(soundAt - start);
        for (const [step, at] of steps) stepTimes.get(step)?.push(at - start);
      }
      listener.engine.leave();
      // Let the speaker see the leave and drop its link before the next join.
      await eventually('the speaker to drop the listener', () =>
        Object.keys(speaker.engine.store.getState().peers).length === 0 ? true : undefined,
      );
    }
  } finally {
    await listener.stop();
    await speaker.stop();
  }
  return { toPacket, toArrival, toSound, stepTimes, failures, pairs: [...pairs] };
}
