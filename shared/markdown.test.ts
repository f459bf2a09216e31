import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linkTarget, parseInline, parseMarkdown, plainText, type Block, type Inline } from './markdown';

const text = (value: string): Inline => ({ type: 'text', text: value });

describe('markdown subset', () => {
  it('parses emphasis, strong, code and line breaks', () => {
    expect(parseMarkdown('a *b* **c** `d*e*` _f_\nnext')).toEqual([
      {
        type: 'paragraph',
        children: [
          text('a '),
          { type: 'em', children: [text('b')] },
          text(' '),
          { type: 'strong', children: [text('c')] },
          text(' '),
          { type: 'code', text: 'd*e*' },
          text(' '),
          { type: 'em', children: [text('f')] },
          { type: 'break' },
          text('next'),
        ],
      },
    ]);
  });

  it('parses fenced code, quotes and lists as blocks', () => {
    expect(parseMarkdown('```\n<b>x</b>\n**y**\n```\n> quoted *a*\n> two\n- one\n- two\n1. first\n2) second')).toEqual([
      { type: 'codeBlock', text: '<b>x</b>\n**y**' },
      {
        type: 'quote',
        children: [text('quoted '), { type: 'em', children: [text('a')] }, { type: 'break' }, text('two')],
      },
      { type: 'list', ordered: false, items: [[text('one')], [text('two')]] },
      { type: 'list', ordered: true, items: [[text('first')], [text('second')]] },
    ] satisfies Block[]);
  });

  it('keeps http(s) links and bare URLs, and turns every other target into text', () => {
    expect(parseInline('see [docs](https://example.com/a) or https://example.com/b.', 0)).toEqual([
      text('see '),
      { type: 'link', url: 'https://example.com/a', text: 'docs' },
      text(' or '),
      { type: 'link', url: 'https://example.com/b', text: 'https://example.com/b' },
      text('.'),
    ]);
    for (const hostile of [
      '[x](javascript:alert(1))',
      '[x](JAVASCRIPT:alert(1))',
      '[x](file:///etc/passwd)',
      '[x](data:text/html,<script>)',
      '[x](//evil.example/)',
      '[x](https://user:pw@evil.example/)',
      '[x](vbscript:msgbox)',
    ]) {
      const nodes = parseInline(hostile, 0);
      expect(
        nodes.some((node) => node.type === 'link'),
        hostile,
      ).toBe(false);
      expect(plainText([{ type: 'paragraph', children: nodes }]), hostile).toBe(hostile);
    }
  });

  it('shows markup as the text it is: no HTML is ever produced or interpreted', () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    expect(parseMarkdown(hostile)).toEqual([{ type: 'paragraph', children: [text(hostile)] }]);
  });

  it('leaves arithmetic, snake_case and unclosed markers alone', () => {
    expect(parseInline('2 * 3 * 4 and snake_case_name and *open', 0)).toEqual([
      text('2 * 3 * 4 and snake_case_name and *open'),
    ]);
  });

  it('accepts only absolute http(s) URLs without credentials as link targets', () => {
    expect(linkTarget('https://example.com')).toBe('https://example.com/');
    expect(linkTarget('http://example.com/x')).toBe('http://example.com/x');
    for (const bad of ['javascript:x', 'file:///x', '/relative', 'example.com', 'https://a:b@c.d/', 'ftp://x.y/']) {
      expect(linkTarget(bad), bad).toBeNull();
    }
  });

  it('never throws, and loses no word of the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const blocks = parseMarkdown(input);
        // Markers may go and link targets may show, but no word of the message is lost.
        for (const word of input.split(/\s+/).filter((w) => /^[A-Za-z]+$/.test(w))) {
          expect(plainText(blocks)).toContain(word);
        }
      }),
    );
  });
});
