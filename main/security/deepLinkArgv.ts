import { DEEP_LINK_SCHEME } from '../../shared/deepLink';

/** Longer than any link shared/deepLink.ts accepts, so nothing valid is cut off, and nothing huge is passed on. */
const MAX_ARG_LENGTH = 2048;

/**
 * Finds the whoot:// link in a command line (Windows and Linux hand a clicked link to the app as an argument, and a
 * second instance forwards its argv). Chromium may reorder argv and append its own switches, so the scan looks at
 * every argument rather than a fixed position, skips switches, and returns the raw string: validating it is
 * shared/deepLink.ts's job, in the caller.
 */
export function findDeepLinkArg(argv: readonly string[]): string | null {
  const prefix = `${DEEP_LINK_SCHEME}://`;
  for (const arg of argv) {
    if (typeof arg !== 'string' || arg.length > MAX_ARG_LENGTH || arg.startsWith('-')) continue;
    if (arg.slice(0, prefix.length).toLowerCase() === prefix) return arg;
  }
  return null;
}
