import { z } from 'zod';

/**
 * The `links.open` contract: a link from message content, with the text the reader saw on it, so main's link
 * policy (main/security/linkPolicy.ts) can tell a link that goes where it says from one that does not.
 */

/** Why main wants the reader to confirm before a link opens; the renderer says each in words. */
export const linkConcernSchema = z.enum([
  /** http: what is sent and seen there can be read or changed on the way. */
  'unencrypted',
  /** The link's visible text is not its target (the classic disguised link). */
  'text_differs',
  /** The host has non-ASCII labels (punycode, `xn--`) that can look like familiar letters. */
  'lookalike_host',
]);
export type LinkConcern = z.output<typeof linkConcernSchema>;

export const linkOpenRequestSchema = z.strictObject({
  url: z.string().min(1).max(4096),
  /** What the link shows in the message (the Markdown link text, or the bare URL as written). */
  text: z.string().min(1).max(4096),
  /** Sent only after the reader confirmed what main's first answer asked about. */
  confirmed: z.literal(true).optional(),
});

export const linkOpenResponseSchema = z.discriminatedUnion('opened', [
  z.strictObject({ opened: z.literal(true) }),
  z.strictObject({
    opened: z.literal(false),
    /** What to show before opening: the exact URL that would open and its full host in ASCII (punycode) form. */
    confirm: z.strictObject({
      url: z.string().min(1).max(4096),
      host: z.string().min(1).max(260),
      concerns: z.array(linkConcernSchema).min(1).max(3),
    }),
  }),
]);
export type LinkOpenResponse = z.output<typeof linkOpenResponseSchema>;
