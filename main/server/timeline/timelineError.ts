/**
 * Why the timeline refused an operation, independent of the transport: the REST handlers turn these into HTTP
 * answers (chatHandlers.ts), and an inbound webhook input turns them into its own.
 */
export type TimelineErrorCode =
  /** No such channel, message or file in this workspace (or one the caller may not see): one answer for all. */
  | 'not_found'
  /** The caller is a member but the operation is someone else's (editing another's message). */
  | 'forbidden'
  | 'invalid_input'
  | 'bad_attachment'
  /** A retried post whose first attempt was stored and has since been deleted: the app drops its copy. */
  | 'gone';

export class TimelineError extends Error {
  override readonly name = 'TimelineError';

  constructor(
    readonly code: TimelineErrorCode,
    message: string,
  ) {
    super(message);
  }
}
