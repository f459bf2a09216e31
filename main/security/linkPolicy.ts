/**
 * Which links from message content may leave the app, and how: the one decision `links.open` acts on. The app
 * window never navigates (navigationPolicy.ts); a link the policy allows opens in the system browser instead.
 *
 * - `https:` with a host and no credentials opens directly;
 * - `http:` likewise, but only after the user confirms (the page could be read or changed on the way);
 * - everything else is refused: `file:` and UNC paths (`\\host\share`, `//host/share`) would open local or network
 *   files with the user's rights, `javascript:`/`data:`/`blob:` would run or show content, and custom schemes hand
 *   the link to whatever other application claims them.
 * The URL is parsed and re-serialised, so what opens is exactly what was checked (no raw text reaches the OS).
 */
export type LinkDecision =
  | { readonly action: 'open'; readonly url: string }
  | { readonly action: 'confirm'; readonly url: string }
  | { readonly action: 'refuse'; readonly reason: LinkRefusal };

export type LinkRefusal = 'malformed' | 'scheme' | 'unc_path' | 'credentials' | 'no_host' | 'too_long';

export const MAX_LINK_LENGTH = 2048;

/** Control characters, spaces and bidi or zero-width formatting: none belongs in a link a person can read. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Z}]/u;

export function decideLink(raw: string): LinkDecision {
  if (raw.length > MAX_LINK_LENGTH) return { action: 'refuse', reason: 'too_long' };
  if (INVISIBLE_OR_CONTROL.test(raw)) return { action: 'refuse', reason: 'malformed' };
  // UNC paths in either slash style, before URL parsing can read them as a scheme-relative or relative URL.
  if (/^(?:\\\\|\/\/|\\\/|\/\\)/.test(raw)) return { action: 'refuse', reason: 'unc_path' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { action: 'refuse', reason: 'malformed' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { action: 'refuse', reason: 'scheme' };
  if (url.username !== '' || url.password !== '') return { action: 'refuse', reason: 'credentials' };
  if (url.hostname === '') return { action: 'refuse', reason: 'no_host' };
  // A backslash in the original means the parser normalised it away: the text said something else than the URL.
  if (raw.includes('\\')) return { action: 'refuse', reason: 'malformed' };
  return url.protocol === 'https:' ? { action: 'open', url: url.href } : { action: 'confirm', url: url.href };
}
