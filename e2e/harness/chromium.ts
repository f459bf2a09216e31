import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['WHOOT_CHROMIUM'] ?? '/usr/bin/chromium';

/** Debian's Chromium with the flags that work as root on a closed network, plus a fake microphone. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (see README).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...extraArgs,
    ],
  });
}

/**
 * The flag that makes Chromium trust exactly the server key an invite pins, for the page's WSS: the stand-in for
 * Electron's certificate verify-proc (main/app/pinnedCertificates.ts). Chromium wants standard base64.
 */
export function trustPinnedKey(spkiPin: string): string {
  return `--ignore-certificate-errors-spki-list=${Buffer.from(spkiPin, 'base64url').toString('base64')}`;
}
