/**
 * Whether an error means the database cannot be reached right now (stopped, restarting, unreachable, out of
 * connections), as opposed to a fault in a query or in the data. The HTTP layer answers such a request with 503
 * and a clear message instead of a 500, so clients retry and operators see an outage, not a bug.
 */
const SQLSTATE_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    // Class 08: connection exception (the connection was lost or never made).
    if (code.startsWith('08') || SQLSTATE_UNAVAILABLE.has(code) || NETWORK_CODES.has(code)) return true;
  }
  if (typeof message === 'string' && PG_MESSAGES.some((known) => message.includes(known))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) {
    return true;
  }
  return isDatabaseUnavailable(cause, depth + 1);
}
