import { z } from 'zod';
import { inviteCodeSchema } from '../deepLink';
import { publicUserSchema, passwordSchema, totpCodeSchema, workspaceSummarySchema } from '../session';

/** REST paths of the account API, built from constants only. */
export const AUTH_PATHS = {
  signIn: '/v1/auth/sign-in',
  signOut: '/v1/auth/sign-out',
} as const;

export const signInBodySchema = z.strictObject({
  email: z.email().max(254),
  password: passwordSchema,
  totp: totpCodeSchema.optional(),
  inviteCode: inviteCodeSchema.optional(),
});
export type SignInBody = z.output<typeof signInBodySchema>;

/**
 * The one response that carries the session secret and refresh token. The secret is the HMAC key for signed
 * requests and is never sent again; the client keeps it in main-process memory only.
 */
export const signInResponseSchema = z.strictObject({
  session: z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes base64url'),
    refreshToken: z.string().regex(/^[A-Za-z0-9_.-]{32,200}$/),
    idleExpiresAt: z.number().int().positive(),
  }),
  user: publicUserSchema,
  workspaces: z.array(workspaceSummarySchema).max(500),
});
export type SignInResponse = z.output<typeof signInResponseSchema>;

/** Every error response body, on every endpoint. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }),
});

/** The signed operation name for sign-out; its resource id is the session id. */
export const SIGN_OUT_OPERATION = 'session.signOut';
