import { spkiPinOf } from '../crypto/spkiPin';

/** Chromium's certificate verify-proc answers: accept, reject, or keep Chromium's own verdict. */
export const CERTIFICATE_ACCEPT = 0;
export const CERTIFICATE_REJECT = -2;
export const CERTIFICATE_USE_CHROMIUM = -3;

export interface PinnedServer {
  readonly host: string;
  readonly spkiPin: string;
}

/**
 * The renderer opens its WSS straight to the user's server, whose certificate is self-signed and pinned by the
 * invite. Electron's setCertificateVerifyProc sends every TLS handshake of the page through this decision: for the
 * signed-in server's host the key must match the pin (whatever a CA says), so neither a MITM with a CA-issued
 * certificate nor a lookalike self-signed one is accepted; other hosts keep Chromium's normal verification.
 * Electron gives the host name but not the port; a pinned host is therefore pinned on every port.
 */
export function decideCertificate(
  request: { readonly hostname: string; readonly certificatePem: string },
  pinned: readonly PinnedServer[],
): number {
  const host = request.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const pins = pinned.filter((server) => server.host.toLowerCase() === host).map((server) => server.spkiPin);
  if (pins.length === 0) return CERTIFICATE_USE_CHROMIUM;
  let presented: string;
  try {
    presented = spkiPinOf(request.certificatePem);
  } catch {
    return CERTIFICATE_REJECT;
  }
  return pins.includes(presented) ? CERTIFICATE_ACCEPT : CERTIFICATE_REJECT;
}
