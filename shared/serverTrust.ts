import { z } from 'zod';
import { hostSchema, portSchema, spkiPinSchema, type ServerAddress } from './identifiers';

/**
 * Servers the user has agreed to talk to. An invite (typed, pasted or opened from a web page as a whoot:// link)
 * names a host and pins its key; before the app sends a password to a server it has never joined, the user sees
 * the host and the key's fingerprint and confirms. Main keeps the list and refuses sign-in to anything else.
 */

/**
 * - `known`: joined before with this very key, or confirmed earlier in this run;
 * - `new`: never joined;
 * - `key_changed`: joined before at this host and port, but with another key (a reinstall, or an impostor).
 */
export const serverTrustStatusSchema = z.enum(['known', 'new', 'key_changed']);
export type ServerTrustStatus = z.output<typeof serverTrustStatusSchema>;

/** Characters of the key pin the short fingerprint shows: 96 bits, enough to tell keys apart by eye. */
const FINGERPRINT_CHARACTERS = 16;

/**
 * The key's fingerprint in short form: the first 16 characters of the pin (the invite link's `fp`), in groups of
 * four, so the user can compare it with the link or with what the server's admin reads out.
 */
export function shortKeyFingerprint(spkiPin: string): string {
  return (spkiPin.slice(0, FINGERPRINT_CHARACTERS).match(/.{1,4}/g) ?? []).join(' ');
}

export const serverReviewSchema = z.strictObject({
  host: hostSchema,
  port: portSchema,
  spkiPin: spkiPinSchema,
  fingerprint: z.string().regex(/^(?:[A-Za-z0-9_-]{4} ){3}[A-Za-z0-9_-]{4}$/),
  status: serverTrustStatusSchema,
});
export type ServerReview = z.output<typeof serverReviewSchema>;

/** The same server: host, port and key, all three. */
export function sameServer(a: ServerAddress, b: ServerAddress): boolean {
  return a.host === b.host && a.port === b.port && a.spkiPin === b.spkiPin;
}
