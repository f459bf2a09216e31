/**
 * The Markdown subset messages use, parsed into a small tree that the renderer turns into React elements (never
 * into HTML text): paragraphs with line breaks, emphasis and strong emphasis, inline code and fenced code blocks,
 * links and bare https/http URLs, bulleted and numbered lists, and quotes. Anything else is text, shown as typed:
 * `<b>` stays the four characters it is. Link targets are kept only when they are http(s) URLs; the app's main
 * process decides again before opening one (main/security/linkPolicy.ts).
 */

export type Inline =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'strong'; readonly children: readonly Inline[] }
  | { readonly type: 'em'; readonly children: readonly Inline[] }
  /** `text` is what the message shows; `url` is where it goes, which the renderer shows too when they differ. */
  | { readonly type: 'link'; readonly url: string; readonly text: string }
  | { readonly type: 'break' };

export type Block =
  | { readonly type: 'paragraph'; readonly children: readonly Inline[] }
  | { readonly type: 'codeBlock'; readonly text: string }
  | { readonly type: 'quote'; readonly children: readonly Inline[] }
  | { readonly type: 'list'; readonly ordered: boolean; readonly items: readonly (readonly Inline[])[] };

/** Emphasis inside emphasis inside … stops here; deeper markers are text. */
const MAX_DEPTH = 4;
const FENCE = /^```/;
const QUOTE = /^> ?/;
const BULLET = /^[-*] +/;
const NUMBERED = /^\d{1,9}[.)] +/;
/** A bare URL ends at whitespace or a character that usually closes the sentence around it. */
const BARE_URL = /^https?:\/\/[^\s<>"'`]+/i;

/** The target of a link, if it is an absolute http(s) URL without credentials; anything else is not a link. */
export function linkTarget(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null;
  return url.href;
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ type: 'paragraph', children: inlineLines(paragraph) });
    paragraph = [];
  };
  for (let index = 0; index < lines.length;) {
    const line = lines[index] ?? '';
    if (FENCE.test(line)) {
      flush();
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !FENCE.test(lines[index] ?? '')) body.push(lines[index++] ?? '');
      index += 1;
      blocks.push({ type: 'codeBlock', text: body.join('\n') });
      continue;
    }
    if (QUOTE.test(line)) {
      flush();
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] ?? ''))
        quoted.push((lines[index++] ?? '').replace(QUOTE, ''));
      blocks.push({ type: 'quote', children: inlineLines(quoted) });
      continue;
    }
    const marker = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (marker !== null) {
      flush();
      const items: Inline[][] = [];
      while (index < lines.length && marker.test(lines[index] ?? '')) {
        items.push(parseInline((lines[index++] ?? '').replace(marker, ''), 0));
      }
      blocks.push({ type: 'list', ordered: marker === NUMBERED, items });
      continue;
    }
    if (line.trim() === '') flush();
    else paragraph.push(line);
    index += 1;
  }
  flush();
  return blocks;
}

function inlineLines(lines: readonly string[]): Inline[] {
  return lines.flatMap((line, index) => [...(index > 0 ? [{ type: 'break' } as const] : []), ...parseInline(line, 0)]);
}

/** The closing delimiter for an opening one at `from`, not right after whitespace (so `2 * 3 * 4` stays text). */
function closing(text: string, delimiter: string, from: number): number {
  for (let at = text.indexOf(delimiter, from); at !== -1; at = text.indexOf(delimiter, at + 1)) {
    if (at > from && !/\s/.test(text[at - 1] ?? '')) return at;
  }
  return -1;
}

export function parseInline(text: string, depth: number): Inline[] {
  const out: Inline[] = [];
  let plain = '';
  const push = (node: Inline) => {
    if (plain !== '') out.push({ type: 'text', text: plain });
    plain = '';
    out.push(node);
  };
  for (let at = 0; at < text.length;) {
    const rest = text.slice(at);
    const char = text[at] ?? '';
    if (char === '`') {
      const end = text.indexOf('`', at + 1);
      if (end > at + 1) {
        push({ type: 'code', text: text.slice(at + 1, end) });
        at = end + 1;
        continue;
      }
    }
    if (char === '[') {
      const link = /^\[([^\]\n]{1,500})\]\(([^()\s]{1,2048})\)/.exec(rest);
      const url = link?.[2] === undefined ? null : linkTarget(link[2]);
      if (link !== null && url !== null) {
        push({ type: 'link', url, text: link[1] ?? url });
        at += link[0].length;
        continue;
      }
    }
    if ((char === 'h' || char === 'H') && (at === 0 || /[\s(]/.test(text[at - 1] ?? ''))) {
      const bare = BARE_URL.exec(rest)?.[0].replace(/[.,;:!?)\]]+$/, '');
      const url = bare === undefined ? null : linkTarget(bare);
      if (bare !== undefined && url !== null) {
        push({ type: 'link', url, text: bare });
        at += bare.length;
        continue;
      }
    }
    if (depth < MAX_DEPTH && (char === '*' || char === '_')) {
      const strong = rest.startsWith(char.repeat(2));
      const delimiter = strong ? char.repeat(2) : char;
      const opensWord = !/\s/.test(text[at + delimiter.length] ?? ' ');
      // Intra-word underscores (snake_case) are text, as in most chat apps.
      const intraWord = char === '_' && /[\p{L}\p{N}]/u.test(text[at - 1] ?? '');
      const end = opensWord && !intraWord ? closing(text, delimiter, at + delimiter.length) : -1;
      if (end !== -1) {
        const children = parseInline(text.slice(at + delimiter.length, end), depth + 1);
        push({ type: strong ? 'strong' : 'em', children });
        at = end + delimiter.length;
        continue;
      }
    }
    plain += char;
    at += 1;
  }
  if (plain !== '') out.push({ type: 'text', text: plain });
  return out;
}

/** The words of a message as plain text (for search and notifications): markup gone, link targets kept. */
export function plainText(blocks: readonly Block[]): string {
  const inline = (nodes: readonly Inline[]): string =>
    nodes
      .map((node) => {
        switch (node.type) {
          case 'text':
          case 'code':
            return node.text;
          case 'strong':
          case 'em':
            return inline(node.children);
          case 'link':
            return node.text === node.url ? node.url : `${node.text} (${node.url})`;
          case 'break':
            return '\n';
        }
      })
      .join('');
  return blocks
    .map((block) => {
      switch (block.type) {
        case 'paragraph':
        case 'quote':
          return inline(block.children);
        case 'codeBlock':
          return block.text;
        case 'list':
          return block.items.map(inline).join('\n');
      }
    })
    .join('\n');
}
