import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32';
import { generateTotpSecret, otpauthUri, totpCodeAt, totpStepAt, verifyTotp } from './totp';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890');
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

// RFC 6238 Appendix B, SHA-1 column (8 digits there; a 6-digit code is the last six of the same number).
const rfc6238: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

// RFC 4226 Appendix D: HOTP values for counters 0 to 9 with the same secret.
const rfc4226 = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

const T = 1_767_225_615; // inside step 58_907_520, 15 s from its start
const STEP = totpStepAt(T);
const codeAt = (offsetSteps: number) => totpCodeAt(RFC_SECRET, STEP + offsetSteps);

describe('TOTP codes', () => {
  it.each(rfc6238)('matches RFC 6238 at T=%i', (time, eightDigits) => {
    const expected = eightDigits.slice(-6);
    expect(totpCodeAt(RFC_SECRET, totpStepAt(time))).toBe(expected);
    expect(verifyTotp(RFC_SECRET, expected, { now: time, window: 0 })).toEqual({
      ok: true,
      step: Math.floor(time / 30),
    });
    expect(verifyTotp(RFC_SECRET_BASE32, expected, { now: time, window: 0 })).toMatchObject({ ok: true });
  });

  it('matches the RFC 4226 HOTP values for counters 0-9', () => {
    expect(rfc4226.map((_, counter) => totpCodeAt(RFC_SECRET, counter))).toEqual(rfc4226);
  });

  it('generates 160-bit secrets in unpadded base32, different every time', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(new Set(Array.from({ length: 50 }, generateTotpSecret)).size).toBe(50);
  });
});

describe('verifyTotp', () => {
  it('accepts the codes of one step either side by default and refuses two steps away', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(0), { now: T })).toEqual({ ok: true, step: STEP });
    expect(verifyTotp(RFC_SECRET, codeAt(-1), { now: T })).toEqual({ ok: true, step: STEP - 1 });
    expect(verifyTotp(RFC_SECRET, codeAt(1), { now: T })).toEqual({ ok: true, step: STEP + 1 });
    expect(verifyTotp(RFC_SECRET, codeAt(-2), { now: T })).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyTotp(RFC_SECRET, codeAt(2), { now: T })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('moves the window exactly at the step boundary', () => {
    const start = STEP * 30;
    const previous = codeAt(-1);
    expect(verifyTotp(RFC_SECRET, previous, { now: start + 29, window: 0 })).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyTotp(RFC_SECRET, codeAt(0), { now: start + 29, window: 0 })).toMatchObject({ ok: true });
    expect(verifyTotp(RFC_SECRET, codeAt(0), { now: start + 30, window: 0 })).toMatchObject({ ok: false });
    expect(verifyTotp(RFC_SECRET, previous, { now: start - 1, window: 0 })).toMatchObject({ ok: true });
    expect(verifyTotp(RFC_SECRET, previous, { now: start, window: 0 })).toMatchObject({ ok: false });
  });

  it('honours a wider window up to the maximum', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(-2), { now: T, window: 2 })).toEqual({ ok: true, step: STEP - 2 });
    expect(verifyTotp(RFC_SECRET, codeAt(0), { now: T, window: 3 })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses the same code twice: the returned step becomes lastUsedStep', () => {
    const first = verifyTotp(RFC_SECRET, codeAt(0), { now: T, lastUsedStep: null });
    expect(first).toEqual({ ok: true, step: STEP });
    const replay = verifyTotp(RFC_SECRET, codeAt(0), { now: T + 5, lastUsedStep: STEP });
    expect(replay).toEqual({ ok: false, reason: 'reused' });
  });

  it('refuses an older code after a newer one was used, and accepts the next one', () => {
    expect(verifyTotp(RFC_SECRET, codeAt(-1), { now: T, lastUsedStep: STEP })).toEqual({ ok: false, reason: 'reused' });
    expect(verifyTotp(RFC_SECRET, codeAt(1), { now: T, lastUsedStep: STEP })).toEqual({ ok: true, step: STEP + 1 });
  });

  it('does not call a wrong code "reused" just because a step was used', () => {
    const wrong = String((Number(codeAt(0)) + 1) % 1_000_000).padStart(6, '0');
    const inWindow = [-1, 0, 1].map(codeAt);
    const code = inWindow.includes(wrong) ? '000000' : wrong;
    expect(verifyTotp(RFC_SECRET, code, { now: T, lastUsedStep: STEP })).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([
    '',
    '12345',
    '1234567',
    '12345a',
    ' 123456',
    '123456 ',
    '12 345',
    '\u0661\u0662\u0663\u0664\u0665\u0666', // Arabic-Indic digits
    '１２３４５６', // full-width digits
    '-12345',
    '1e5000',
  ])('refuses malformed code %j', (code) => {
    expect(verifyTotp(RFC_SECRET, code, { now: T })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses hostile secrets, clocks and options without throwing', () => {
    const code = codeAt(0);
    const hostile: Array<[unknown, Record<string, unknown>]> = [
      ['not base32!', { now: T }],
      ['', { now: T }],
      [base32Encode(new Uint8Array(15)), { now: T }],
      [new Uint8Array(0), { now: T }],
      [null, { now: T }],
      [RFC_SECRET, { now: Number.NaN }],
      [RFC_SECRET, { now: -1 }],
      [RFC_SECRET, { now: Infinity }],
      [RFC_SECRET, { now: T, window: -1 }],
      [RFC_SECRET, { now: T, window: 0.5 }],
      [RFC_SECRET, { now: T, lastUsedStep: Number.NaN }],
      [RFC_SECRET, { now: T, lastUsedStep: '58907520' }],
    ];
    for (const [secret, options] of hostile) {
      expect(verifyTotp(secret as string, code, options as never)).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyTotp(RFC_SECRET, 123456 as unknown as string, { now: T })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never matches a negative step near the epoch', () => {
    expect(verifyTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, 0), { now: 0 })).toEqual({ ok: true, step: 0 });
    expect(verifyTotp(RFC_SECRET, totpCodeAt(RFC_SECRET, 1), { now: 0 })).toEqual({ ok: true, step: 1 });
  });
});

describe('otpauthUri', () => {
  it('builds the key URI with a percent-encoded label and query', () => {
    const uri = otpauthUri({ issuer: 'Acme Voice', account: 'ada+work@example.com', secret: RFC_SECRET_BASE32 });
    expect(uri).toEqual({
      ok: true,
      value:
        'otpauth://totp/Acme%20Voice:ada%2Bwork%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' +
        '&issuer=Acme%20Voice&algorithm=SHA1&digits=6&period=30',
    });
  });

  it('keeps hostile characters inside their own component', () => {
    const result = otpauthUri({
      issuer: 'Evil&secret=AAAA#x',
      account: 'a/../b?c=d',
      secret: RFC_SECRET_BASE32,
    });
    if (!result.ok) throw new Error(result.error.message);
    const url = new URL(result.value);
    expect(url.searchParams.getAll('secret')).toEqual([RFC_SECRET_BASE32]);
    expect(url.searchParams.get('issuer')).toBe('Evil&secret=AAAA#x');
    expect(url.hash).toBe('');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Evil&secret=AAAA#x:a/../b?c=d');
  });

  it.each([
    { issuer: '', account: 'ada@example.com', secret: RFC_SECRET_BASE32 },
    { issuer: 'A:B', account: 'ada@example.com', secret: RFC_SECRET_BASE32 },
    { issuer: 'Acme', account: 'ada:x@example.com', secret: RFC_SECRET_BASE32 },
    { issuer: 'Acme\n', account: 'ada@example.com', secret: RFC_SECRET_BASE32 },
    { issuer: 'Acme', account: 'a'.repeat(129), secret: RFC_SECRET_BASE32 },
    { issuer: 'Acme', account: 'ada@example.com', secret: 'gezdgnbvgy3tqojqgezdgnbvgy3tqojq' },
    { issuer: 'Acme', account: 'ada@example.com', secret: `${RFC_SECRET_BASE32}====` },
    { issuer: 'Acme', account: 'ada@example.com', secret: 'GEZDGNBV' },
  ])('refuses %j', (input) => {
    expect(otpauthUri(input)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
