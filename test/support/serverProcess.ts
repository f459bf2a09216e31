import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerConfigInput } from '../../main/server/config';
import type { Invite } from '../../shared/deepLink';
import type { ChannelVoiceMode } from '../../shared/voiceRoomState';

/**
 * The real server in a child process, for voice suites with many bots: its event loop (signalling, the relay's
 * data path, Janus's control) is not the bots', so a dozen bots decoding audio in the test process cannot starve
 * the relay, and the other way round. The test talks to it by IPC (serverProcessChild.ts): set-up of a workspace
 * with voice channels, the owner's moderation calls, and what the relay and Janus hold. The child exits when the
 * test process goes, and `stop()` ends it (and its Janus) cleanly.
 */

export interface ServerProcessSetup {
  readonly invite: Invite;
  /** The same invite as a whoot:// link, what `npm run bot -- --join` takes. */
  readonly link: string;
  readonly workspaceId: string;
  /** The channels asked for, in order. */
  readonly channelIds: readonly string[];
}

export type ServerProcessRequest =
  | {
      cmd: 'setup';
      overrides: Partial<ServerConfigInput>;
      channels: { name: string; voiceMode: ChannelVoiceMode }[];
    }
  | { cmd: 'voiceMute'; userId: string; muted: boolean }
  | { cmd: 'move'; userId: string; channelId: string | null }
  | { cmd: 'setVoiceMode'; channelId: string; voiceMode: ChannelVoiceMode }
  | { cmd: 'participants'; channelId: string }
  | { cmd: 'relayStats' }
  | { cmd: 'sfu' }
  | { cmd: 'logs' }
  | { cmd: 'stop' };

export interface SfuFacts {
  readonly pid: number | null;
  readonly rooms: number | null;
  readonly address: string | null;
  readonly serverCpuMs: number;
}

export interface ServerProcess {
  readonly setup: ServerProcessSetup;
  voiceMute(userId: string, muted: boolean): Promise<void>;
  move(userId: string, channelId: string | null): Promise<void>;
  setVoiceMode(channelId: string, voiceMode: ChannelVoiceMode): Promise<void>;
  /** Publisher ids (peer ids) in the channel's VideoRoom, or null when it has none. */
  participants(channelId: string): Promise<string[] | null>;
  relayStats(): Promise<{ serverMuted: number; relayedPackets: number; allocations: number }>;
  /** Janus's pid and room count, the SFU address, and the server process's CPU time so far. */
  sfu(): Promise<SfuFacts>;
  /** Every line the server logged so far, and what the process wrote to its output. */
  logs(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startServerProcess(
  overrides: Partial<ServerConfigInput>,
  channels: { name: string; voiceMode: ChannelVoiceMode }[],
): Promise<ServerProcess> {
  const entry = fileURLToPath(new URL('./serverProcessChild.ts', import.meta.url));
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const logs: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => logs.push(...chunk.split('\n').filter((line) => line !== '')));
  }
  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.value);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const pending of waiting.values())
      pending.reject(new Error(`the server process exited:\n${logs.slice(-20).join('\n')}`));
    waiting.clear();
  });
  function request<T>(body: ServerProcessRequest): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: (value) => resolve(value as T), reject });
      if (!child.connected || !child.send({ id, ...body })) reject(new Error('the server process is gone'));
    });
  }
  let setup: ServerProcessSetup;
  try {
    setup = await request<ServerProcessSetup>({ cmd: 'setup', overrides, channels });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    setup,
    voiceMute: (userId, muted) => request({ cmd: 'voiceMute', userId, muted }),
    move: (userId, channelId) => request({ cmd: 'move', userId, channelId }),
    setVoiceMode: (channelId, voiceMode) => request({ cmd: 'setVoiceMode', channelId, voiceMode }),
    participants: (channelId) => request({ cmd: 'participants', channelId }),
    relayStats: () => request({ cmd: 'relayStats' }),
    sfu: () => request({ cmd: 'sfu' }),
    logs: async () => [...(await request<string[]>({ cmd: 'logs' }).catch(() => [])), ...logs],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await request({ cmd: 'stop' }).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
