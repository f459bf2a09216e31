import { isAppUrl } from './appOrigin';

/**
 * What a window may load. The app is one page: any navigation, redirect, popup or <webview> that would put other
 * content in a window holding `window.whoot` is refused, whatever the page (or an injected script) asks.
 */

/**
 * Allows will-navigate / will-redirect / will-frame-navigate only to the app's own origin. URLs with credentials are
 * refused even on the app origin: the app never makes them, so one is a sign of a crafted link.
 */
export function isNavigationAllowed(targetUrl: string, trustedOrigins: readonly string[]): boolean {
  if (!isAppUrl(targetUrl, trustedOrigins)) return false;
  const parsed = new URL(targetUrl);
  return parsed.username === '' && parsed.password === '';
}

/** will-frame-navigate: the app has no frames of its own (CSP frame-src 'none'), so subframes may go nowhere. */
export function isFrameNavigationAllowed(
  targetUrl: string,
  isMainFrame: boolean,
  trustedOrigins: readonly string[],
): boolean {
  return isMainFrame && isNavigationAllowed(targetUrl, trustedOrigins);
}

export interface WindowOpenDecision {
  /** Always 'deny': the app never opens a second window from web content. */
  readonly action: 'deny';
  /**
   * A plain https link the user might want in their browser, for a future main-process handler that asks the user
   * and opens it externally; null for everything else. Nothing acts on it yet.
   */
  readonly externalLink: string | null;
}

/** Decides setWindowOpenHandler requests: denied, with the https URL passed on for a future external-link hook. */
export function decideWindowOpen(url: string): WindowOpenDecision {
  return { action: 'deny', externalLink: externalLinkCandidate(url) };
}

/**
 * An https URL with a host and no credentials, re-serialised so what is passed on is what was checked; null
 * otherwise. `javascript:`, `file:`, `data:`, custom schemes and http are never candidates.
 */
export function externalLinkCandidate(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}

/** <webview> is disabled in webPreferences; if one is attached anyway, it is destroyed. */
export function isWebviewAttachAllowed(): false {
  return false;
}
