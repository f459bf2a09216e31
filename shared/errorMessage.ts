/**
 * What went wrong, as text for a log line or a reason shown to the user: an Error's message, otherwise `fallback`
 * (by default the thrown value itself, as text).
 */
export function errorMessage(error: unknown, fallback?: string): string {
  return error instanceof Error ? error.message : (fallback ?? String(error));
}
