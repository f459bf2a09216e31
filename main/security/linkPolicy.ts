import type { LinkConcern } from '../../shared/links';

/**
 * Which links from message content may leave the app, and how: the one decision `links.open` acts on. The app
 * window never navigates (navigationPolicy.ts); a link the policy allows opens in the system browser instead.
 *
 * - `https:` with a host and no credentials opens directly when it shows itself (its text is its URL);
 * - the reader confirms first, seeing the full host in ASCII form, when the link's text differs from its target
 *   (`[https://good.example](https://evil.example/login)`), when the host is an internationalised name (punycode
 *   `xn--` labels, where Cyrillic `а` passes for Latin `a`), and for `http:` (the page could be read or changed on
 *   the way);
 * - everything else is refused: userinfo (`https://good.example@evil.example/` reads as good.example but goes to
 *   evil.example), `file:` and UNC paths (`\\host\share`, `//host/share`) would open local or network files with
 *   the user's rights, `javascript:`/`data:`/`blob:` would run or show content, and custom schemes hand the link to
 *   whatever other application claims them.
 * The URL is parsed and re-serialised, so what opens is exactly what was checked (no raw text reaches the OS).
 */
export type LinkDecision =
  | { readonly action: 'open'; readonly url: string }
  | {
      readonly action: 'confirm';
      readonly url: string;
      /** The host (and port) as it will be contacted: ASCII, internationalised labels in punycode. */
      readonly host: string;
      readonly concerns: readonly LinkConcern[];
    }
  | { readonly action: 'refuse'; readonly reason: LinkRefusal };

export type LinkRefusal = 'malformed' | 'scheme' | 'unc_path' | 'credentials' | 'no_host' | 'too_long';

declare const allowedBrand: unique symbol;
/** A link the policy let through (at once, or after the reader confirmed): the only thing the opener accepts. */
export type AllowedLink = { readonly url: string } & { readonly [allowedBrand]: true };

export const MAX_LINK_LENGTH = 2048;

/** Control characters, spaces and bidi or zero-width formatting: none belongs in a link a person can read. */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Z}]/u;

/**
 * Decides on `raw` (the link's target) as shown with `text` (what the reader saw on it). A text that is the same
 * URL, written differently (case, a trailing slash) counts as showing itself.
 */
export function decideLink(raw: string, text: string): LinkDecision {
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
  const concerns: LinkConcern[] = [];
  if (url.protocol === 'http:') concerns.push('unencrypted');
  if (!showsItself(text, url)) concerns.push('text_differs');
  if (url.hostname.split('.').some((label) => label.startsWith('xn--'))) concerns.push('lookalike_host');
  if (concerns.length === 0) return { action: 'open', url: url.href };
  return { action: 'confirm', url: url.href, host: url.host, concerns };
}

/**
 * The link to hand to the opener, or null while the decision still waits for the reader: an `open` decision, or a
 * `confirm` one that the reader confirmed. A refusal is never allowed, confirmed or not.
 */
export function allowedLink(decision: LinkDecision, confirmed: boolean): AllowedLink | null {
  if (decision.action === 'refuse') return null;
  if (decision.action === 'confirm' && !confirmed) return null;
  return { url: decision.url } as AllowedLink;
}

function showsItself(text: string, url: URL): boolean {
  const shown = text.trim();
  if (shown === url.href || shown.replace(/\/$/, '') === url.href.replace(/\/$/, '')) return true;
  try {
    return new URL(shown).href === url.href;
  } catch {
    return false;
  }
}
