import { z } from 'zod';
import { fileSummarySchema, MESSAGE_MAX_ATTACHMENTS, messageBodySchema } from './chat';
import { randomIdSchema } from './identifiers';

/**
 * The chat outbox as main keeps it between runs of the app (docs/chat.md, "Sending and the outbox"): the messages
 * a user wrote that the server has not confirmed, per account, in the order they were written. The renderer runs
 * the queue (renderer/chat/outboxStore.ts); main only keeps what it is handed, after checking it against this.
 */

/** Unsent messages kept per account; a longer queue is a stuck one, and the app refuses to add more. */
export const OUTBOX_MAX_ENTRIES = 100;

export const outboxEntrySchema = z.strictObject({
  /** Made once per message and sent with every attempt, so the server keeps one post however often it is retried. */
  nonce: randomIdSchema,
  workspaceId: randomIdSchema,
  channelId: randomIdSchema,
  body: messageBodySchema,
  /** Files already uploaded for it (their names and sizes show while it waits). */
  attachments: z.array(fileSummarySchema).max(MESSAGE_MAX_ATTACHMENTS),
  /** When the user sent it (Unix milliseconds): the queue's order. */
  createdAt: z.number().int().min(0),
  /** Waiting to be sent, or given up on until the user says Retry (a `sending` message is saved as queued). */
  state: z.enum(['queued', 'failed']),
  /** Why it failed, in words for the user; null while queued. */
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }).nullable(),
});
export type OutboxEntryRecord = z.output<typeof outboxEntrySchema>;

export const outboxEntriesSchema = z
  .array(outboxEntrySchema)
  .max(OUTBOX_MAX_ENTRIES)
  .refine((entries) => new Set(entries.map((entry) => entry.nonce)).size === entries.length, 'nonces must be unique');
