import { afterAll, beforeAll } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import type { ServerProcess } from './serverProcess';
import { launchToneBots, type ToneBots } from './voiceBots';

/** What an SFU suite's tests share: the server, its first channel, and one tone bot per frequency. */
export interface ToneRoom {
  readonly server: ServerProcess;
  readonly channelId: string;
  readonly tones: ToneBots;
  readonly bots: readonly VoiceBot[];
}

/**
 * Starts the server (`start`, in a process of its own so the bots' decoding cannot starve its relay) and one tone
 * bot per frequency before the file's tests, and stops the bots, then the server, after them. The room's fields
 * exist once beforeAll has run: read them inside tests and hooks.
 */
export function toneRoomForSuite(start: () => Promise<ServerProcess>, frequencies: readonly number[]): ToneRoom {
  let server: ServerProcess | undefined;
  let tones: ToneBots | undefined;
  beforeAll(async () => {
    server = await start();
    tones = await launchToneBots(server.setup.invite, frequencies);
  }, 300_000);
  afterAll(async () => {
    await tones?.stop();
    await server?.stop();
  });
  const up = () => {
    if (server === undefined || tones === undefined) throw new Error('the tone room is not up: read it in a test');
    return { server, tones };
  };
  return {
    get server() {
      return up().server;
    },
    get channelId() {
      return up().server.setup.channelIds[0] ?? '';
    },
    get tones() {
      return up().tones;
    },
    get bots() {
      return up().tones.bots;
    },
  };
}
