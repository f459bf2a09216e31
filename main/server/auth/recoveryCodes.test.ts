import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recoveryCodeSchema } from '../../../shared/rest/endpoints';
import {
  RECOVERY_CODE_COUNT,
  findRecoveryCode,
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
} from './recoveryCodes';

const KEY = Buffer.alloc(32, 7);
const ADA = { key: KEY, userId: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201' };
const BOB = { key: KEY, userId: '0190f0b4-7c2e-7a1b-8c3d-4e5f60718202' };

describe('generateRecoveryCodes', () => {
  it('makes ten distinct xxxxx-xxxxx codes the sign-in contract accepts, and their hashes', () => {
    const { codes, hashes } = generateRecoveryCodes(ADA);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const [index, code] of codes.entries()) {
      expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect(recoveryCodeSchema.safeParse(code).success).toBe(true);
      expect(hashes[index]).toBe(hashRecoveryCode(ADA, code));
    }
  });

  it('stores no plaintext: the hash is HMAC-SHA256 over user id and code under the server key', () => {
    const { codes, hashes } = generateRecoveryCodes(ADA, 1);
    const expected = createHmac('sha256', KEY)
      .update(`whoot.recovery.v1\n${ADA.userId}\n${codes[0]!.replace('-', '')}`)
      .digest('hex');
    expect(hashes[0]).toBe(expected);
    expect(hashes[0]).not.toContain(codes[0]!.replace('-', ''));
  });

  it('uses the whole alphabet roughly evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 200; i += 1) {
      for (const char of generateRecoveryCodes(ADA).codes.join('').replaceAll('-', '')) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    expect(counts.size).toBe(32);
    // 20,000 characters over 32 symbols: 625 each on average; a biased generator drifts far outside this band.
    for (const count of counts.values()) expect(count).toBeGreaterThan(450);
  });

  it('refuses a short key, a missing user id or a silly count', () => {
    expect(() => generateRecoveryCodes({ key: Buffer.alloc(16), userId: ADA.userId })).toThrow(TypeError);
    expect(() => generateRecoveryCodes({ key: KEY, userId: 'ada' })).toThrow(TypeError);
    expect(() => generateRecoveryCodes(ADA, 0)).toThrow(RangeError);
    expect(() => generateRecoveryCodes(ADA, 1000)).toThrow(RangeError);
  });
});

describe('normaliseRecoveryCode', () => {
  it.each([
    ['abcde-fghij', 'abcdefghij'],
    ['ABCDE-FGHIJ', 'abcdefghij'],
    ['abcdefghij', 'abcdefghij'],
    [' abcde fghij ', 'abcdefghij'],
    ['ab-cd-ef-gh-ij', 'abcdefghij'],
    ['abcde\u2003-\tfghij', 'abcdefghij'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseRecoveryCode(input)).toBe(expected);
  });

  it.each([
    '',
    'abcde-fghi',
    'abcde-fghijk',
    'abcde_fghij',
    'abcde-fgh1j',
    'abcde-fgh0j',
    'abcdé-fghij',
    'a'.repeat(65),
  ])('refuses %j', (input) => {
    expect(normaliseRecoveryCode(input)).toBeNull();
  });

  it('refuses non-strings', () => {
    for (const input of [null, undefined, 1234567890, ['abcdefghij']]) expect(normaliseRecoveryCode(input)).toBeNull();
  });
});

describe('findRecoveryCode', () => {
  it('finds the code in any spelling, and only in its owner’s list', () => {
    const { codes, hashes } = generateRecoveryCodes(ADA);
    const code = codes[3]!;
    expect(findRecoveryCode(ADA, code, hashes)).toBe(3);
    expect(findRecoveryCode(ADA, code.toUpperCase().replace('-', ' '), hashes)).toBe(3);
    expect(findRecoveryCode(BOB, code, hashes)).toBe(-1);
    expect(findRecoveryCode({ key: Buffer.alloc(32, 8), userId: ADA.userId }, code, hashes)).toBe(-1);
  });

  it('cannot find a spent code once its hash is removed', () => {
    const { codes, hashes } = generateRecoveryCodes(ADA);
    const index = findRecoveryCode(ADA, codes[0]!, hashes);
    const remaining = hashes.filter((_, i) => i !== index);
    expect(findRecoveryCode(ADA, codes[0]!, remaining)).toBe(-1);
    expect(findRecoveryCode(ADA, codes[1]!, remaining)).toBe(0);
  });

  it('returns -1 for wrong, malformed or hostile input without throwing', () => {
    const { hashes } = generateRecoveryCodes(ADA);
    const junk = ['', 'aaaaa-aaaaa', 'x'.repeat(10_000), null, 42];
    for (const input of junk) expect(findRecoveryCode(ADA, input as string, hashes)).toBe(-1);
    const { codes } = generateRecoveryCodes(ADA, 1);
    const badLists = [[], ['zz'], [null], [hashes[0]!.toUpperCase()], 'not a list'];
    for (const list of badLists) expect(findRecoveryCode(ADA, codes[0]!, list as string[])).toBe(-1);
    expect(findRecoveryCode({ key: Buffer.alloc(4), userId: ADA.userId }, codes[0]!, hashes)).toBe(-1);
    expect(hashRecoveryCode(ADA, 'not a code')).toBeNull();
  });
});
