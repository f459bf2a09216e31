import { randomBytes } from 'node:crypto';
import { parseDeepLink, type Invite } from '../../shared/deepLink';
import type { CallMode, ChannelVoiceMode } from '../../shared/voiceRoomState';
import { startBotSession, type BotSession } from '../../bot/session/botSession';
import { createVoiceBot, type VoiceBot, type VoiceBotOptions } from '../../bot/voiceBot';
import { signUpAndIn, type ServerTarget } from './serverHarness';
import { api } from './suiteDefaults';
import { TEST_WAIT_MS } from './testDeadlines';

/**
 * A workspace with one voice channel and a reusable invite link to it, made by its owner through the REST API: what
 * an admin hands out before bots (or people) join.
 */
export async function voiceChannelWithInvite(
  server: ServerTarget,
  options: { readonly relayOnly?: boolean; readonly channelName?: string; readonly voiceMode?: ChannelVoiceMode } = {},
) {
  const owner = await signUpAndIn(server, `owner${randomBytes(3).toString('hex')}`);
  const slug = `voice-${randomBytes(4).toString('hex')}`;
  const { workspace } = await owner.call('createWorkspace', { body: { slug, name: 'Voice team' } });
  const { channel } = await owner.call('createChannel', {
    params: { workspaceId: workspace.id },
    body: {
      name: options.channelName ?? 'Voice',
      relayOnly: options.relayOnly ?? true,
      voiceMode: options.voiceMode ?? 'auto',
    },
  });
  const { link } = await owner.call('createInvite', { params: { workspaceId: workspace.id }, body: { maxUses: 1000 } });
  const parsed = parseDeepLink(link);
  if (!parsed.ok) throw new Error(`the server made an invite link the app cannot parse: ${parsed.error.message}`);
  return { owner, workspace, channel, link, invite: parsed.value.invite };
}

/** A new account made with the invite (the bot's --sign-up path), signed in. */
export async function signUpBotSession(invite: Invite, name: string): Promise<BotSession> {
  const session = await startBotSession({
    // The suites' client and its long timeout: a sign-up's argon2 on two loaded cores can outlast the app's 15 s.
    api,
    invite,
    account: {
      kind: 'signUp',
      email: `${name}-${randomBytes(4).toString('hex')}@example.com`,
      password: `pw-${randomBytes(8).toString('hex')}`,
      displayName: name,
    },
  });
  if (!session.ok) throw new Error(`${name} could not sign up: ${session.error.code} ${session.error.message}`);
  return session.value;
}

/** A new account made with the invite (the bot's --sign-up path), signed in, with its signalling socket open. */
export async function launchBot(invite: Invite, name: string, options: VoiceBotOptions): Promise<VoiceBot> {
  const bot = createVoiceBot(await signUpBotSession(invite, name), options);
  const started = await bot.start();
  if (!started.ok) throw new Error(`${name} could not open signalling: ${started.error.message}`);
  return bot;
}

/**
 * Polls until `check` returns a value other than undefined, or fails after `timeoutMs` naming what it waited for.
 * An expensive check (tone detection over a dozen streams) polls less often (`intervalMs`).
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = TEST_WAIT_MS,
  intervalMs = 50,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Bots that each play a tone of their own and compare all of them: who is heard, and at which tone. */
export interface ToneBots {
  /** One bot per tone, named `bot<tone>`, in the order of the tones. */
  readonly bots: readonly VoiceBot[];
  /** The tone a member plays, by user id (undefined for anyone else). */
  toneOf(userId: string): number | undefined;
  /**
   * Waits until every bot of `group` (all by default) is in `mode` and hears each other member of it, and nobody
   * else, loudly at its own tone. Long: on a loaded machine a mode switch takes its time.
   */
  everyoneHearsEveryone(mode: CallMode, group?: readonly VoiceBot[]): Promise<void>;
  /** Leaves, closes and signs out every bot. */
  stop(): Promise<void>;
}

/** Signs up one bot per tone, a few at a time (sign-ups hash passwords with argon2id on the server). */
export async function launchToneBots(invite: Invite, tones: readonly number[]): Promise<ToneBots> {
  const bots: VoiceBot[] = [];
  const stop = async () => {
    for (const bot of bots) await bot.stop();
  };
  try {
    for (let i = 0; i < tones.length; i += 4) {
      const batch = tones
        .slice(i, i + 4)
        .map((frequency) =>
          launchBot(invite, `bot${frequency}`, { play: { kind: 'tone', frequency }, frequencies: tones }),
        );
      bots.push(...(await Promise.all(batch)));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const toneOf = (userId: string) => tones[bots.findIndex((bot) => bot.session.user.id === userId)];
  return {
    bots,
    toneOf,
    async everyoneHearsEveryone(mode, group = bots) {
      for (const bot of group) {
        await eventually(
          `bot${toneOf(bot.session.user.id)} in ${mode}, hearing ${group.length - 1} members at their tones`,
          () => {
            if (bot.engine.store.getState().mode !== mode) return undefined;
            const heard = bot.hearing();
            const others = new Set(group.filter((other) => other !== bot).map((other) => other.session.user.id));
            const ok =
              heard.length === others.size &&
              heard.every(
                (peer) =>
                  others.has(peer.userId) && peer.level > 0.1 && peer.dominant?.frequency === toneOf(peer.userId),
              );
            return ok ? heard : undefined;
          },
          180_000,
          250,
        ).catch((error: unknown) => {
          // Say what the bot had instead: its mode and, per member, the link's state and what came through.
          const state = bot.engine.store.getState();
          const links = Object.values(state.peers).map((peer) => `${toneOf(peer.userId)}:${peer.connectionState}`);
          const heard = bot
            .hearing()
            .map((peer) => `${toneOf(peer.userId)}:${peer.level.toFixed(2)}@${peer.dominant?.frequency ?? '-'}`);
          throw new Error(
            `${(error as Error).message}; it was in ${state.mode} (${state.phase}, error ${state.error?.code ?? 'none'}), ` +
              `links ${links.join(' ')}, heard ${heard.join(' ')}`,
          );
        });
      }
    },
    stop,
  };
}
