import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { signingMessage, type SigningParts } from '../../shared/signedRequest';

/** Lowercase hex SHA-256 of the body bytes, as the signed message carries it. */
export function sha256Hex(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Hex HMAC-SHA256 of the contract's message; the one computation both the client's signer and the server's verifier use. */
export function computeSignature(secret: Uint8Array, parts: SigningParts): string {
  return createHmac('sha256', secret).update(signingMessage(parts), 'utf8').digest('hex');
}

/** Constant-time comparison of two hex signatures of the expected length. */
export function signaturesEqual(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return expected.length === given.length && expected.length > 0 && timingSafeEqual(expected, given);
}
