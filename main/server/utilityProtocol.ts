import { z } from 'zod';
import { portSchema, spkiPinSchema } from '../../shared/identifiers';

/**
 * The messages between the desktop app's main process and the server in its utility process (utilityEntry.ts,
 * main/app/bundledServer.ts). Both sides parse what they receive: the port is private to the two processes, but a
 * message of the wrong shape should be a logged refusal, not an exception deep in the server.
 */
export const SERVER_SERVICE_NAME = 'whoot-server';

export const toServerSchema = z.discriminatedUnion('type', [
  /** The config is whoot.server.json's shape; the child validates it with the same schema as the CLI. */
  z.strictObject({ type: z.literal('start'), config: z.unknown() }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type ToServerMessage = z.output<typeof toServerSchema>;

export const fromServerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), port: portSchema, spkiPin: spkiPinSchema }),
  z.strictObject({ type: z.literal('error'), message: z.string().max(4000) }),
  z.strictObject({ type: z.literal('log'), message: z.string().max(4000) }),
  z.strictObject({ type: z.literal('stopped') }),
]);
export type FromServerMessage = z.output<typeof fromServerSchema>;
