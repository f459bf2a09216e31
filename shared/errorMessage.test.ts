import { describe, expect, it } from 'vitest';
import { errorMessage } from './errorMessage';

describe('errorMessage', () => {
  it("gives an Error's message, else the fallback, else the thrown value as text", () => {
    expect(errorMessage(new TypeError('bad port'), 'unknown error')).toBe('bad port');
    expect(errorMessage({ code: 7 }, 'unknown error')).toBe('unknown error');
    expect(errorMessage('EACCES')).toBe('EACCES');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
