import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Attr, FINGERPRINT_XOR, HEADER_LENGTH } from './constants';
import type { StunMessage } from './message';

/**
 * MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256 and FINGERPRINT (RFC 8489 sections 14.5-14.7). Each is
 * computed over the message up to the attribute, with the header's length field counting the attribute itself:
 * that is why the serializer patches the length before hashing and the verifier patches a copy.
 */
export const SHA1_INTEGRITY_LENGTH = 20;
export const SHA256_INTEGRITY_LENGTH = 32;

/** The long-term credential key: MD5(username ":" realm ":" password), as RFC 8489 section 9.2.2 (MD5 algorithm). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
}

export function fingerprintOf(bytes: Uint8Array): number {
  return (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0;
}

export function hmacOf(kind: 'sha1' | 'sha256', key: Uint8Array, bytes: Uint8Array): Buffer {
  return createHmac(kind, key).update(bytes).digest();
}

export type IntegrityCheck = 'ok' | 'missing' | 'mismatch';

/**
 * Checks the message's integrity attribute against the key. MESSAGE-INTEGRITY-SHA256 wins when both are present
 * (RFC 8489 section 9.2.4: the stronger one is the one to trust); a truncated SHA-256 value (16-32 bytes, multiples
 * of 4) is compared on its own length.
 */
export function checkIntegrity(message: StunMessage, key: Uint8Array): IntegrityCheck {
  const found = message.integritySha256 ?? message.integrity;
  if (found === null) return 'missing';
  const sha256 = found === message.integritySha256;
  const length = found.value.length;
  if (sha256 ? length < 16 || length > 32 || length % 4 !== 0 : length !== SHA1_INTEGRITY_LENGTH) return 'mismatch';
  const covered = Buffer.from(message.raw.subarray(0, found.offset));
  covered.writeUInt16BE(found.offset - HEADER_LENGTH + 4 + length, 2);
  const expected = hmacOf(sha256 ? 'sha256' : 'sha1', key, covered).subarray(0, length);
  return timingSafeEqual(expected, found.value) ? 'ok' : 'mismatch';
}

export function integrityKindOf(message: StunMessage): 'sha1' | 'sha256' | null {
  if (message.integritySha256 !== null) return 'sha256';
  return message.integrity === null ? null : 'sha1';
}

export const integrityAttributeFor = (kind: 'sha1' | 'sha256'): number =>
  kind === 'sha1' ? Attr.MESSAGE_INTEGRITY : Attr.MESSAGE_INTEGRITY_SHA256;
