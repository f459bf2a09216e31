import { z } from 'zod';
import type { endpoints } from './endpoints';

export type SignInBody = z.input<(typeof endpoints)['signIn']['body']>;

/**
 * The one response that carries the session secret and refresh token. The secret is the HMAC key for signed
 * requests and is never sent again; the client keeps it in main-process memory only.
 */
export type SignInResponse = z.output<(typeof endpoints)['signIn']['response']>;

/** Every error response body, on every endpoint. */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }),
});
