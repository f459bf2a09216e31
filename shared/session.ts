import { z } from 'zod';
import { inviteSchema } from './deepLink';
import {
  hostSchema,
  portSchema,
  randomIdSchema,
  spkiPinSchema,
  workspaceSlugSchema,
  type ServerAddress,
} from './identifiers';

/** What the renderer may know about the signed-in user: identity and memberships, never a secret or token. */
export const publicUserSchema = z.strictObject({
  id: randomIdSchema,
  email: z.email().max(254),
  displayName: z.string().min(1).max(64),
});
export type PublicUser = z.output<typeof publicUserSchema>;

export const workspaceSummarySchema = z.strictObject({
  id: randomIdSchema,
  slug: workspaceSlugSchema,
  name: z.string().min(1).max(80),
  role: z.enum(['owner', 'admin', 'member']),
});
export type WorkspaceSummary = z.output<typeof workspaceSummarySchema>;

export const sessionStateSchema = z.discriminatedUnion('signedIn', [
  z.strictObject({
    signedIn: z.literal(false),
    /**
     * The last session ended on the server, not by this app's Sign out: a password change or a revoke from another
     * device. The sign-in screen says so once.
     */
    sessionEnded: z.literal(true).optional(),
  }),
  z.strictObject({
    signedIn: z.literal(true),
    server: z.strictObject({ host: hostSchema, port: portSchema }),
    user: publicUserSchema,
    workspaces: z.array(workspaceSummarySchema).max(500),
    /** The account was created in this app just now: the app offers an authenticator once (the welcome). */
    newAccount: z.boolean().optional(),
  }),
]);
export type SessionState = z.output<typeof sessionStateSchema>;

export const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(1024);
export const totpCodeSchema = z.string().regex(/^[0-9]{6}$/, 'must be 6 digits');

/**
 * Sign-in names the server either by invite (first contact: carries the key pin and a join code) or by an address
 * the user already trusts (host, port and pin, as remembered from an earlier invite).
 */
export const signInRequestSchema = z.strictObject({
  server: z.union([
    z.strictObject({ invite: inviteSchema }),
    z.strictObject({ host: hostSchema, port: portSchema, spkiPin: spkiPinSchema }),
  ]),
  email: z.email('must be an email address').max(254),
  password: passwordSchema,
  totp: totpCodeSchema.optional(),
});
export type SignInRequest = z.input<typeof signInRequestSchema>;

/** The server a sign-in names, by invite or by remembered address: host, port and key pin, nothing else. */
export function signInServer(server: SignInRequest['server']): ServerAddress {
  return 'invite' in server
    ? { host: server.invite.host, port: server.invite.port, spkiPin: server.invite.spkiPin }
    : { host: server.host, port: server.port, spkiPin: server.spkiPin };
}

export const dropCredentialsReasonSchema = z.enum(['sign-out', 'session-ended', 'unload', 'call-ended']);
export type DropCredentialsReason = z.output<typeof dropCredentialsReasonSchema>;
