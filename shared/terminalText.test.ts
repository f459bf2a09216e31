import { describe, expect, it } from 'vitest';
import { plainTextSchema } from './plainText';
import { terminalQuoted, terminalSafe } from './terminalText';

describe('terminalSafe', () => {
  it('leaves ordinary text in any script unchanged', () => {
    for (const text of ['The Team', 'Équipe Zoë', 'チーム', 'команда', 'فريق', 'a "quoted" name', '🎧 voice']) {
      expect(terminalSafe(text)).toBe(text);
    }
  });

  it('shows every control, bidi, zero-width and line-break character as an escape', () => {
    expect(terminalSafe('\x1b[2J\x1b]0;owned\x07')).toBe('\\x1B[2J\\x1B]0;owned\\x07');
    expect(terminalSafe('a\r\nb\u0000c\u007fd\u009be')).toBe('a\\x0D\\x0Ab\\x00c\\x7Fd\\x9Be');
    expect(terminalSafe('admin\u202Etxt.exe')).toBe('admin\\u{202E}txt.exe');
    expect(terminalSafe('te\u200Bam\u2066\u2069\uFEFF')).toBe('te\\u{200B}am\\u{2066}\\u{2069}\\u{FEFF}');
    expect(terminalSafe('line\u2028para\u2029')).toBe('line\\u{2028}para\\u{2029}');
    expect(terminalSafe('tag\u{E0041}')).toBe('tag\\u{E0041}');
    expect(terminalSafe('lone\uD800')).toBe('lone\\u{D800}');
  });

  it('doubles backslashes, so an escape it shows cannot be faked by the text itself', () => {
    expect(terminalSafe('\\x1B')).toBe('\\\\x1B');
    expect(terminalSafe('\x1b')).not.toBe(terminalSafe('\\x1B'));
  });

  it('never lets an unsafe character through (property: every output passes the name rule)', () => {
    const samples = ['\x1b', '\r', '\n', '\t', '\u0000', '\u202E', '\u200D', '\u00AD', '\u2028', '\uDFFF', 'x', 'é'];
    const rule = plainTextSchema({ min: 0, max: 10_000 });
    for (const a of samples) {
      for (const b of samples) {
        for (const c of samples) expect(rule.safeParse(terminalSafe(`${a}${b}${c}`)).success).toBe(true);
      }
    }
  });

  it('quotes for key="value" lines, escaping inner quotes', () => {
    expect(terminalQuoted('Bob "the" \x1b[31mred')).toBe('"Bob \\"the\\" \\x1B[31mred"');
  });
});

describe('plainTextSchema', () => {
  const name = plainTextSchema({ max: 80 });

  it('trims, and refuses an empty or overlong name', () => {
    expect(name.parse('  The Team ')).toBe('The Team');
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('x'.repeat(81)).success).toBe(false);
  });

  it('refuses ESC, CR/LF, NUL, bidi overrides and zero-width characters, even where trimming would drop them', () => {
    for (const bad of ['\x1b[31mred', 'a\r\nb', 'nul\u0000', 'evil\u202Egnp.exe', 'te\u200Bam', 'Team\n', '\tTeam']) {
      const parsed = name.safeParse(bad);
      expect(parsed.success, JSON.stringify(bad)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/control, formatting/);
    }
  });
});
