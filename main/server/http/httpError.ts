import type { WhootError } from '../../../shared/result';

/**
 * A refusal the server means to send: status, a stable machine-readable code and a sentence safe to show anyone.
 * Only these reach the client as written; every other exception becomes a generic 500 so internals never leak.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The body of every error response (errorBodySchema in shared/rest/auth.ts). */
export const errorBody = (code: string, message: string): { readonly error: WhootError } => ({
  error: { code, message },
});

export const INTERNAL_ERROR = errorBody('internal_error', 'The server could not complete the request.');
