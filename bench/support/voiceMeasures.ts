import type { VoiceBot } from '../../bot/voiceBot';
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
  play: Parameters<typeof launchBot>[2]['play'],
  frequencies: readonly number[] = [],
) => launchBot(invite, `bench${++botCount}`, { play, frequencies });

export async function joinOrThrow(bot: VoiceBot, channelId: string): Promise<void> {
  const joined = await bot.join({ id: channelId });
  if (!joined.ok) throw new Error(`join failed: ${joined.error.code} ${joined.error.message}`);
}

/** Why a join did not bring audio within its budget: the engine's error if it has one. */
export const failureOf = (bot: VoiceBot) => bot.engine.store.getState().error?.code ?? 'no audio in time';

/**
 * Join to first audio: a listener joins `channelId`, where a speaker plays a steady tone, `joins` times (leaving
 * between joins); each join timed to the first inbound RTP packet and to the first decoded frame with sound.
 */
export async function measureJoins(invite: Invite, channelId: string, joins: number) {
  const speaker = await newBot(invite, { kind: 'tone', frequency: 440 });
  const listener = await newBot(invite, { kind: 'tone', frequency: 660 });
  await joinOrThrow(speaker, channelId);
  const toPacket: number[] = [];
  const toSound: number[] = [];
  const failures: string[] = [];
  const pairs = new Set<string>();
  try {
    while (toSound.length < joins && failures.length < joins) {
      let soundAt: number | null = null;
      const stopSound = listener.speakers.onFirstSound((_peer, at) => (soundAt ??= at));
      const start = performance.now();
      const joining = listener.join({ id: channelId });
      let packetAt: number | null = null;
      // Poll inbound RTP from the moment the peer exists; 10 ms is the resolution of this column.
      while ((packetAt === null || soundAt === null) && performance.now() - start < 5000) {
        if (packetAt === null) {
          for (const entries of await peerStatsOf(listener)) {
            if (inboundRtp(entries).received > 0) packetAt ??= performance.now();
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
        toSound.push(soundAt - start);
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
  return { toPacket, toSound, failures, pairs: [...pairs] };
}
