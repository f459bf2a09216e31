import { describe, expect, it } from 'vitest';
import { MESSAGE_MAX_CHARS, nonEmptyMessageBodySchema } from '../../../shared/chat';
import { inputMessageText } from './inputMessage';

describe('the timeline text of an input post', () => {
  it('posts `text` as it is, and any other object as indented JSON in a code block', () => {
    expect(inputMessageText({ text: 'Build **42** passed' })).toBe('Build **42** passed');
    expect(inputMessageText({ text: 'x', url: 'https://ci' })).toBe(
      '```json\n{\n  "text": "x",\n  "url": "https://ci"\n}\n```',
    );
    expect(inputMessageText({ text: '   ' })).toBe('```json\n{\n  "text": "   "\n}\n```');
  });

  it('always yields a body the timeline accepts: controls and bidi overrides shown as U+FFFD, cut to the limit', () => {
    const hostile = inputMessageText({ text: 'a\u0000b\u202Ec\r\nd\u2066e' });
    expect(hostile).toBe('a\uFFFDb\uFFFDc\nd\uFFFDe');
    for (const payload of [
      { text: 'é'.repeat(MESSAGE_MAX_CHARS + 50) },
      { log: '😀'.repeat(MESSAGE_MAX_CHARS) },
      { text: '\u0007' },
      { nested: { fence: '```\nbreak out\n```' } },
    ]) {
      const text = inputMessageText(payload);
      expect(nonEmptyMessageBodySchema.safeParse(text).success).toBe(true);
      expect([...text].length).toBeLessThanOrEqual(MESSAGE_MAX_CHARS);
    }
    // A cut code block still closes, and a fence inside the JSON cannot close it early.
    const cut = inputMessageText({ log: 'x'.repeat(MESSAGE_MAX_CHARS * 2) });
    expect(cut.endsWith('…\n```')).toBe(true);
    const nested = inputMessageText({ nested: { fence: '```' } });
    expect(nested.match(/```/g)).toHaveLength(2);
  });
});
