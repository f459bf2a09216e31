import { z } from 'zod';
import { randomIdSchema } from './identifiers';
import { plainTextSchema } from './plainText';

/** What the admin console reads beyond members and channels: invites, sessions and the audit log. */

export const inviteSummarySchema = z.strictObject({
  id: randomIdSchema,
  role: z.enum(['admin', 'member']),
  maxUses: z.number().int().min(1),
  uses: z.number().int().min(0),
  createdBy: randomIdSchema,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
});
export type InviteSummary = z.output<typeof inviteSummarySchema>;

/**
 * What a client says it is when it signs in ("whoot desktop on Linux"), so its owner can tell their sessions apart.
 * A claim, not proof: shown to the account's owner only, as a name like any other (no control or bidi characters).
 */
export const deviceLabelSchema = plainTextSchema({ max: 64 });

/** The label the desktop app sends for the platform it runs on. */
export function desktopDeviceLabel(platform: string): string {
  const names: Readonly<Record<string, string>> = { linux: 'Linux', darwin: 'macOS', win32: 'Windows' };
  const name = names[platform];
  return name === undefined ? 'whoot desktop' : `whoot desktop on ${name}`;
}

/** Session ids are not secrets (they travel in X-Whoot-Session); the secret and refresh token never leave. */
export const sessionSummarySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  /** The client's own label from sign-in; null for sessions from before labels (or a client that sent none). */
  device: deviceLabelSchema.nullable(),
  /** The address the server saw at sign-in or the latest refresh, as it saw it (behind a proxy: the proxy's). */
  address: plainTextSchema({ max: 64 }).nullable(),
  /** The session this request was signed with: it is ended by signing out, not from the list. */
  current: z.boolean(),
});
export type SessionSummary = z.output<typeof sessionSummarySchema>;

export const sessionIdSchema = sessionSummarySchema.shape.id;

export const auditEntrySchema = z.strictObject({
  seq: z.number().int().min(1),
  at: z.number().int(),
  type: z.string().max(100),
  actorUserId: z.string().max(64).nullable(),
  details: z.record(z.string(), z.json()),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEntryView = z.output<typeof auditEntrySchema>;

/** The server-wide hash chain's state when the page was read: intact up to its head, or the first bad entry. */
export const auditChainSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), entries: z.number().int().min(0), headSeq: z.number().int().min(0) }),
  z.strictObject({
    ok: z.literal(false),
    seq: z.number().int(),
    reason: z.enum(['hash_mismatch', 'chain_broken', 'sequence_gap']),
  }),
]);
export type AuditChain = z.output<typeof auditChainSchema>;

/** Entries per audit page: the newest ones. */
export const AUDIT_PAGE = 200;

/**
 * A person an audit page mentions (as actor or as the member acted on), by the name they have now. Sent with the
 * page because the log outlives membership: someone removed is no longer in the member list, and "who removed
 * whom" must still read as names.
 */
export const auditPersonSchema = z.strictObject({ userId: randomIdSchema, displayName: z.string().min(1).max(64) });
export type AuditPerson = z.output<typeof auditPersonSchema>;
