import { describe, expect, it } from 'vitest';
import { estimatePasswordStrength, newPasswordProblem, newPasswordSchema } from './passwordStrength';

const score = (password: string, inputs: string[] = []) => estimatePasswordStrength(password, inputs).score;

describe('estimatePasswordStrength', () => {
  it.each(['password', '12345678', 'qwertyuiop', 'aaaaaaaaaa', 'P@ssw0rd', 'Password1', 'abcabcabcabc', 'iloveyou'])(
    'calls %s very weak',
    (password) => {
      expect(score(password)).toBe(0);
    },
  );

  it('sees through capitals, leet and digits around a common password, and says which pattern gave it away', () => {
    const strength = estimatePasswordStrength('Dragon2024');
    expect(strength.score).toBeLessThanOrEqual(1);
    expect(strength.warning).toBe('This is one of the most common passwords.');
    expect(strength.suggestions.join(' ')).toMatch(/longer/);
  });

  it('names sequences, keyboard rows and repeats', () => {
    expect(estimatePasswordStrength('abcdefgh').warning).toMatch(/Sequences/);
    expect(estimatePasswordStrength('asdfghjk').warning).toMatch(/Rows of keys/);
    expect(estimatePasswordStrength('zzzzzzzz').warning).toMatch(/Repeats/);
  });

  it("counts the person's own name and email as guessed", () => {
    expect(score('adalovelace', ['Ada Lovelace', 'ada@example.com'])).toBeLessThan(score('adalovelace'));
    expect(estimatePasswordStrength('lovelace1815', ['Ada Lovelace']).warning).toMatch(/name or email/);
  });

  it('rates length and mixed, unrelated words well', () => {
    expect(score('kxqmvbte')).toBe(2);
    expect(score('correct horse battery staple')).toBe(4);
    expect(score('pw-3f9a0c1d2e4b5a6c')).toBe(4);
    expect(score('Tr0mb-Quasar!ink')).toBeGreaterThanOrEqual(3);
    expect(estimatePasswordStrength('correct horse battery staple').warning).toBeNull();
  });

  it('grows with every character added to a random string', () => {
    let previous = -1;
    for (const password of ['kx', 'kxq', 'kxqm', 'kxqmv', 'kxqmvb', 'kxqmvbt', 'kxqmvbte']) {
      const bits = estimatePasswordStrength(password).bits;
      expect(bits).toBeGreaterThan(previous);
      previous = bits;
    }
  });
});

describe('the rule for a new password, shared by the form and the server', () => {
  it('refuses short and very weak passwords with a sentence, accepts the rest', () => {
    expect(newPasswordProblem('short')).toBe('Use at least 8 characters.');
    expect(newPasswordProblem('password123')).toBe('This is one of the most common passwords.');
    expect(newPasswordProblem('adalovelace', ['Ada Lovelace'])).toMatch(/name or email/);
    expect(newPasswordProblem('robo password 1234')).toBeNull();
    expect(newPasswordProblem('correct horse battery')).toBeNull();
    expect(newPasswordSchema.safeParse('qwertyuiop').success).toBe(false);
    expect(newPasswordSchema.safeParse('x'.repeat(1025)).success).toBe(false);
    expect(newPasswordSchema.safeParse('correct horse battery').success).toBe(true);
  });
});
