import { z } from 'zod';
import { hostSetupRequestSchema } from '../../shared/accountIpc';
import { portSchema, spkiPinSchema } from '../../shared/identifiers';

/**
 * The messages between the desktop app's main process and the server in its utility process (utilityEntry.ts,
 * main/app/bundledServer.ts). Both sides parse what they receive: the port is private to the two processes, but a
 * message of the wrong shape should be a logged refusal, not an exception deep in the server.
 */
export const SERVER_SERVICE_NAME = 'whoot-server';

/** Pairs a question from main with its answer. */
const requestIdSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const toServerSchema = z.discriminatedUnion('type', [
  /** The config is whoot.server.json's shape; the child validates it with the same schema as the CLI. */
  z.strictObject({ type: z.literal('start'), config: z.unknown() }),
  z.strictObject({ type: z.literal('stop') }),
  /** Whether the server still needs its first account (the app's "Set up your server"). */
  z.strictObject({ type: z.literal('setupStatus'), id: requestIdSchema }),
  /** The first account (the server's owner) and its first workspace; refused once any account exists. */
  z.strictObject({ type: z.literal('setUp'), id: requestIdSchema, setup: hostSetupRequestSchema }),
]);
export type ToServerMessage = z.output<typeof toServerSchema>;

export const fromServerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), port: portSchema, spkiPin: spkiPinSchema }),
  z.strictObject({ type: z.literal('error'), message: z.string().max(4000) }),
  z.strictObject({ type: z.literal('log'), message: z.string().max(4000) }),
  z.strictObject({ type: z.literal('stopped') }),
  z.strictObject({ type: z.literal('setupStatus'), id: requestIdSchema, needed: z.boolean() }),
  /** `error` null: the account and workspace exist. */
  z.strictObject({
    type: z.literal('setUpDone'),
    id: requestIdSchema,
    error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }).nullable(),
  }),
]);
export type FromServerMessage = z.output<typeof fromServerSchema>;
