import { z } from 'zod';
import { endpoints } from './endpoints';

/** Names the client's account calls use, derived from the one REST contract in endpoints.ts. */
export const AUTH_PATHS = {
  signIn: endpoints.signIn.path,
  signOut: endpoints.signOut.path,
} as const;

export const signInBodySchema = endpoints.signIn.body;
export type SignInBody = z.output<typeof signInBodySchema>;

/**
 * The one response that carries the session secret and refresh token. The secret is the HMAC key for signed
 * requests and is never sent again; the client keeps it in main-process memory only.
 */
export const signInResponseSchema = endpoints.signIn.response;
export type SignInResponse = z.output<typeof signInResponseSchema>;

/** Every error response body, on every endpoint. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }),
});

/** The signed operation name for sign-out; its resource id is the session id. */
export const SIGN_OUT_OPERATION = endpoints.signOut.operation;
