import { describe, expect, it } from 'vitest';
import { authenticatorDigits } from './authenticatorCode';

describe('authenticatorDigits', () => {
  it('takes six digits as apps show and people paste them, and nothing else', () => {
    expect(authenticatorDigits('123456')).toBe('123456');
    expect(authenticatorDigits(' 123 456 ')).toBe('123456');
    for (const typed of ['', '12345', '1234567', '12345a', '١٢٣٤٥٦', '123-456']) {
      expect(authenticatorDigits(typed), typed).toBeNull();
    }
  });
});
