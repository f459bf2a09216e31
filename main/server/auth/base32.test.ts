import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32';

const ascii = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

// RFC 4648 section 10 test vectors, with the padding this encoder leaves out.
const vectors: Array<[string, string]> = [
  ['', ''],
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('base32', () => {
  it.each(vectors)('encodes %j as %s (unpadded)', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded.replace(/=+$/, ''));
  });

  it.each(vectors)('decodes %j from padded, unpadded and lower-case forms', (plain, encoded) => {
    expect(text(base32Decode(encoded))).toBe(plain);
    expect(text(base32Decode(encoded.replace(/=+$/, '')))).toBe(plain);
    expect(text(base32Decode(encoded.toLowerCase()))).toBe(plain);
  });

  it('encodes the RFC 6238 test secret as authenticator apps know it', () => {
    expect(base32Encode(ascii('12345678901234567890'))).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each([
    'M', // 5 bits: no whole byte
    'MZX', // 15 bits: not a valid final quantum
    'MZXW6Y', // 30 bits: not a valid final quantum
    'MZ', // unused trailing bits set (canonical is MY)
    'MY=', // padding to the wrong length
    'MY======MY======', // padding in the middle
    'MZXW6YTB========', // a whole block of padding
    'MZXW 6YTB', // whitespace
    'MZXW6YT1', // digits outside the alphabet
    'MZXW6YT8',
    'MZXW6YT\u00c4',
  ])('refuses %j', (input) => {
    expect(base32Decode(input)).toBeNull();
  });

  it('refuses input beyond the byte limit before decoding', () => {
    expect(base32Decode('A'.repeat(64), 39)).toBeNull();
    expect(base32Decode('A'.repeat(64), 40)).toHaveLength(40);
    expect(base32Decode('A'.repeat(10_000_000))).toBeNull();
  });

  it('round-trips any bytes and never throws on any string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^[A-Za-z2-7]{0,20}=*$/)), (input) => {
        const decoded = base32Decode(input);
        if (decoded !== null) expect(base32Encode(decoded)).toBe(input.replace(/=+$/, '').toUpperCase());
      }),
    );
  });
});
