/** What main knows about the frame that sent an IPC call, reduced to what the trust decision needs. */
export interface IpcSender {
  /** URL of the sending frame, as Electron (or the e2e harness) reports it. */
  readonly url: string;
  /** True only for the top-level frame of one of the app's own windows. */
  readonly isMainFrame: boolean;
}

export type SenderPolicy = (sender: IpcSender) => boolean;

/** `${protocol}//${host}`, which (unlike URL.origin) also works for the custom app:// scheme. */
function schemeAndHost(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.host === '' ? null : `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/**
 * Trusts only the main frame of a page served from one of the app's own origins: an iframe, a navigated-away
 * window or any other origin is refused before a handler runs.
 */
export function trustOnlyAppFrames(trustedOrigins: readonly string[]): SenderPolicy {
  const trusted = new Set(trustedOrigins.map((origin) => schemeAndHost(origin)).filter((o) => o !== null));
  return (sender) => {
    if (!sender.isMainFrame) return false;
    const origin = schemeAndHost(sender.url);
    return origin !== null && trusted.has(origin);
  };
}
