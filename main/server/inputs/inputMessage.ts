import { MESSAGE_MAX_CHARS } from '../../../shared/chat';

// Everything the timeline refuses in a body (shared/chat.ts): controls other than tab and line feed, bidi
// overrides and isolates, lone surrogates. A sending system cannot be asked to fix its payload, so they are shown
// as U+FFFD instead of the post being lost.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSHOWABLE = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]|\p{Cs}/gu;
const FENCE = '```';

/**
 * The timeline text for what an input received: `text` when the payload is `{ "text": "…" }` (the Slack-style
 * shape most tools can send), otherwise the payload's JSON, indented, in a code block. Cut to the timeline's limit
 * with an ellipsis; never empty.
 */
export function inputMessageText(payload: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(payload);
  const text =
    keys.length === 1 && typeof payload.text === 'string' && payload.text.trim() !== ''
      ? payload.text
      : fenced(JSON.stringify(payload, null, 2));
  return limit(text.replace(/\r\n?/g, '\n').replace(UNSHOWABLE, '\uFFFD'));
}

function fenced(json: string): string {
  // A fence inside the JSON would end the block early; a zero-width space keeps it literal.
  return `${FENCE}json\n${json.replaceAll(FENCE, '`\u200B``')}\n${FENCE}`;
}

function limit(text: string): string {
  const points = [...text];
  if (points.length <= MESSAGE_MAX_CHARS) return text;
  const cut = points.slice(0, MESSAGE_MAX_CHARS - 1).join('');
  // A cut code block still closes, so the rest of the timeline does not render as code.
  const open = (cut.match(/```/g)?.length ?? 0) % 2 === 1;
  return open ? `${[...cut].slice(0, MESSAGE_MAX_CHARS - 5).join('')}…\n${FENCE}` : `${cut}…`;
}
