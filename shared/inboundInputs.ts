import { z } from 'zod';
import { randomIdSchema } from './identifiers';
import { plainTextSchema } from './plainText';

/**
 * Inbound webhook inputs (after Webhook Relay's model): a random URL bound to one channel that external systems
 * POST JSON to; what they send appears in the channel's timeline, authored by the input.
 */

/** Where inputs are posted: `POST /v1/inputs/{input id}`, no session, optionally an API token. */
export const INPUT_PATH_PREFIX = '/v1/inputs/';

export const inputNameSchema = plainTextSchema({ max: 64 });

/**
 * What a system may POST: a JSON object. `{ "text": "…" }` posts that text; any other object is posted as its
 * JSON in a code block, so a CI or monitoring payload is readable without a template.
 */
export const inputPayloadSchema = z.record(z.string().max(256), z.json());

/** Every answer to an input POST (unknown, disabled, refused or posted alike), so inputs cannot be enumerated. */
export const INPUT_ACCEPTED = { received: true } as const;
export const inputAcceptedSchema = z.strictObject({ received: z.literal(true) });

export const inputSchema = z.strictObject({
  id: randomIdSchema,
  workspaceId: randomIdSchema,
  channelId: randomIdSchema,
  name: z.string().max(64),
  enabled: z.boolean(),
  /** Keep nothing of what arrives beyond status and time (the message it posts is the channel's). */
  ephemeral: z.boolean(),
  /** Accept only requests carrying one of the workspace's live API tokens. */
  requireToken: z.boolean(),
  /** The URL to give the sending system. */
  url: z.string().max(2048),
  createdAt: z.number().int(),
});
export type Input = z.output<typeof inputSchema>;

export const inputRequestStatusSchema = z.enum(['posted', 'disabled', 'token_refused', 'failed']);

export const inputRequestSchema = z.strictObject({
  id: randomIdSchema,
  receivedAt: z.number().int(),
  status: inputRequestStatusSchema,
  /** Null for an ephemeral input. Credentials (Authorization, Cookie) are never kept. */
  content: z
    .strictObject({ headers: z.record(z.string(), z.string().max(1024)), body: z.string().max(64 * 1024) })
    .nullable(),
});
export type InputRequest = z.output<typeof inputRequestSchema>;
