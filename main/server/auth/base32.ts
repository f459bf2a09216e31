/** RFC 4648 section 6 base32: the alphabet authenticator apps expect for TOTP secrets. */
export const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Unpadded upper-case base32: the otpauth key URI format leaves the padding out. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Valid unpadded lengths: 8n plus 0, 2, 4, 5 or 7 characters (RFC 4648's 1-to-4 byte final quanta). */
const VALID_TAIL_LENGTHS = new Set([0, 2, 4, 5, 7]);

/**
 * Decodes base32 in either case, with or without correct padding. Returns null for anything else, including
 * non-canonical input whose unused trailing bits are set, so each secret has exactly one spelling.
 */
export function base32Decode(input: string, maxBytes = 1024): Uint8Array | null {
  if (typeof input !== 'string' || input.length > Math.ceil((maxBytes * 8) / 5) + 6) return null;
  const unpadded = input.replace(/=+$/, '');
  const padding = input.length - unpadded.length;
  if (padding > 0 && (input.length % 8 !== 0 || padding > 6)) return null;
  if (!VALID_TAIL_LENGTHS.has(unpadded.length % 8)) return null;
  const upper = unpadded.toUpperCase();
  if (!/^[A-Z2-7]*$/.test(upper)) return null;
  const out = new Uint8Array(Math.floor((upper.length * 5) / 8));
  if (out.length > maxBytes) return null;
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of upper) {
    buffer = ((buffer << 5) | BASE32_ALPHABET.indexOf(char)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}
