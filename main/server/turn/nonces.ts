import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * NONCE values for the long-term credential mechanism (RFC 8489 section 9.2). Stateless: a nonce is its expiry and
 * an HMAC of the expiry and the client's transport address under a key that lives only in this process (shared by its relay workers), so the
 * relay keeps no per-client table an attacker could fill, a nonce cannot be carried to another client address,
 * and a restart invalidates every nonce (clients get 438 and retry with the new one).
 */
export type NonceCheck = 'valid' | 'stale' | 'invalid';

export interface NonceIssuer {
  issue(clientKey: string): string;
  check(nonce: string, clientKey: string): NonceCheck;
}

const MAC_CHARS = 22;
const NONCE_PATTERN = /^[0-9a-f]{8}[A-Za-z0-9_-]{22}$/;

export function createNonceIssuer(options: {
  ttlSeconds: number;
  now: () => number;
  /** The workers of one relay share it (relayWorkers.ts); otherwise a fresh one. */
  key?: Uint8Array;
}): NonceIssuer {
  const key = options.key ?? randomBytes(32);
  const mac = (expiry: string, clientKey: string) =>
    createHmac('sha256', key).update(`${expiry}\n${clientKey}`).digest('base64url').slice(0, MAC_CHARS);
  return {
    issue(clientKey) {
      const expiry = (Math.floor(options.now() / 1000) + options.ttlSeconds).toString(16).padStart(8, '0');
      return `${expiry}${mac(expiry, clientKey)}`;
    },
    check(nonce, clientKey) {
      if (!NONCE_PATTERN.test(nonce)) return 'invalid';
      const expiry = nonce.slice(0, 8);
      const expected = Buffer.from(mac(expiry, clientKey));
      if (!timingSafeEqual(expected, Buffer.from(nonce.slice(8)))) return 'invalid';
      return parseInt(expiry, 16) < Math.floor(options.now() / 1000) ? 'stale' : 'valid';
    },
  };
}
