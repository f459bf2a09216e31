import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDeepLink, type Invite } from '../shared/deepLink';
import { workspaceSlugSchema } from '../shared/identifiers';
import { displayNameSchema } from '../shared/rest/endpoints';
import { fail, ok, type Result } from '../shared/result';
import { passwordSchema } from '../shared/session';
import { parseInput } from '../shared/validation';
import type { BotAccount } from './session/botSession';
import { DEFAULT_BURSTS } from './audio/testSignal';
import { errorMessage } from '../shared/errorMessage';

export const BOT_USAGE = `whoot bot: a headless whoot client that joins a voice channel, plays a tone or a WAV file, and reports
(and can record) what it hears.

Usage: npm run bot -- --join <invite link> (--email E --password P | --sign-up --name N --email E --password P)
                      [--workspace SLUG] [--channel NAME] [--play SIGNAL] [--record OUT.wav] [--duration SECONDS]

  --join LINK         A whoot://join invite link; it names the server and pins its key.
  --email, --password The account to sign in with (WHOOT_BOT_PASSWORD is read when --password is absent).
  --sign-up           Create the account first, joining the invite's workspace; needs --name.
  --name NAME         Display name for --sign-up.
  --workspace SLUG    The workspace, when the invite can no longer name it (default: the invite's).
  --channel NAME      The voice channel (default: the workspace's first).
  --play SIGNAL       tone:440 (a steady tone, Hz), tone:440,bursts (${DEFAULT_BURSTS.onMs} ms every ${DEFAULT_BURSTS.periodMs} ms), or a WAV
                      file (any rate or channel count; 16-bit or float PCM). Default: tone:440.
  --record FILE       Write what the bot heard (all peers mixed, after volume) to a 48 kHz mono WAV file.
  --duration SECONDS  Leave after this long (default: run until Ctrl-C).
  -h, --help          Show this text.

Once a second it prints one line per peer it hears: user id, display name, level, dominant frequency and the
candidate pair. Ctrl-C (SIGINT) or SIGTERM leaves the channel, closes the peer connections and signs out.`;

const options = {
  join: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  'sign-up': { type: 'boolean' },
  name: { type: 'string' },
  workspace: { type: 'string' },
  channel: { type: 'string' },
  play: { type: 'string' },
  record: { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type PlaySpec =
  | { readonly kind: 'tone'; readonly frequency: number; readonly bursts: boolean }
  | { readonly kind: 'wav'; readonly path: string };

/** `tone:<Hz>[,bursts]` or a path to a .wav file. */
export const playSpecSchema = z.string().transform((text, context): PlaySpec => {
  const tone = /^tone:([0-9]+(?:\.[0-9]+)?)(,bursts)?$/.exec(text);
  if (tone !== null) {
    const frequency = Number(tone[1]);
    if (frequency < 20 || frequency > 7000) {
      context.addIssue({
        code: 'custom',
        message: 'a tone must be 20 to 7000 Hz (received audio is decoded at 16 kHz)',
      });
      return z.NEVER;
    }
    return { kind: 'tone', frequency, bursts: tone[2] !== undefined };
  }
  if (/\.wav$/i.test(text)) return { kind: 'wav', path: text };
  context.addIssue({ code: 'custom', message: 'must be tone:<Hz>, tone:<Hz>,bursts or a .wav file' });
  return z.NEVER;
});

const botArgsSchema = z
  .strictObject({
    join: z.string({ error: 'is required (a whoot://join invite link)' }),
    email: z.email('must be an email address').max(254),
    password: passwordSchema,
    signUp: z.boolean(),
    name: displayNameSchema.optional(),
    workspace: workspaceSlugSchema.optional(),
    channel: z.string().trim().min(1).max(64).optional(),
    play: playSpecSchema,
    record: z
      .string()
      .regex(/\.wav$/i, 'must name a .wav file')
      .optional(),
    duration: z.coerce.number().positive().max(86_400).optional(),
  })
  .refine((args) => !args.signUp || args.name !== undefined, { message: '--sign-up needs --name', path: ['name'] });

export interface BotArgs {
  readonly invite: Invite;
  readonly account: BotAccount;
  readonly workspace?: string;
  readonly channel?: string;
  readonly play: PlaySpec;
  readonly record?: string;
  readonly durationSeconds?: number;
}

/** Command line to validated options, or 'help', or a usage error (one sentence naming what is wrong). */
export function parseBotArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<BotArgs | 'help'> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    return fail('usage', errorMessage(error));
  }
  if (values.help) return ok('help');
  const parsed = parseInput(
    botArgsSchema,
    {
      join: values.join,
      email: values.email,
      password: values.password ?? env['WHOOT_BOT_PASSWORD'],
      signUp: values['sign-up'] ?? false,
      name: values.name,
      workspace: values.workspace,
      channel: values.channel,
      play: values.play ?? 'tone:440',
      record: values.record,
      duration: values.duration,
    },
    'options',
  );
  if (!parsed.ok) return fail('usage', parsed.error.message);
  const link = parseDeepLink(parsed.value.join);
  if (!link.ok) return fail('usage', `--join: ${link.error.message}`);
  const args = parsed.value;
  const account: BotAccount = args.signUp
    ? { kind: 'signUp', email: args.email, password: args.password, displayName: args.name ?? '' }
    : { kind: 'signIn', email: args.email, password: args.password };
  return ok({
    invite: link.value.invite,
    account,
    play: args.play,
    ...(args.workspace === undefined ? {} : { workspace: args.workspace }),
    ...(args.channel === undefined ? {} : { channel: args.channel }),
    ...(args.record === undefined ? {} : { record: args.record }),
    ...(args.duration === undefined ? {} : { durationSeconds: args.duration }),
  });
}
