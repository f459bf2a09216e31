import type { ReactNode } from 'react';
import { findMentions, type MentionCandidate } from '../../shared/chat';
import { parseMarkdown, type Block, type Inline } from '../../shared/markdown';

export interface MessageBodyProps {
  readonly body: string;
  readonly members: readonly MentionCandidate[];
  readonly selfId: string | null;
  /** Search text to mark in the body (empty: none). */
  readonly highlight: string;
  /** With the text the link shows, so main can tell whether it goes where it says. */
  readonly onOpenLink: (url: string, text: string) => void;
  /** Shown at the end of the last paragraph, as Discord shows "(edited)". */
  readonly after?: ReactNode;
}

/** Plain text with `@name` mentions (and search hits) wrapped; React escapes every character of it. */
function textWithMarks(text: string, props: MessageBodyProps, keyPrefix: string): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  for (const mention of findMentions(text, props.members)) {
    if (mention.start > at)
      out.push(...searchMarks(text.slice(at, mention.start), props.highlight, `${keyPrefix}t${at}`));
    out.push(
      <span
        key={`${keyPrefix}m${mention.start}`}
        className={mention.userId === props.selfId ? 'mention mention-self' : 'mention'}
      >
        {text.slice(mention.start, mention.end)}
      </span>,
    );
    at = mention.end;
  }
  if (at < text.length) out.push(...searchMarks(text.slice(at), props.highlight, `${keyPrefix}t${at}`));
  return out;
}

function searchMarks(text: string, query: string, keyPrefix: string): ReactNode[] {
  if (query === '') return [text];
  const out: ReactNode[] = [];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  let at = 0;
  for (let hit = lower.indexOf(needle); hit !== -1; hit = lower.indexOf(needle, hit + needle.length)) {
    if (hit > at) out.push(text.slice(at, hit));
    out.push(<mark key={`${keyPrefix}s${hit}`}>{text.slice(hit, hit + needle.length)}</mark>);
    at = hit + needle.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

function inline(nodes: readonly Inline[], props: MessageBodyProps, keyPrefix: string): ReactNode[] {
  return nodes.map((node, index) => {
    const key = `${keyPrefix}.${index}`;
    switch (node.type) {
      case 'text':
        return <span key={key}>{textWithMarks(node.text, props, key)}</span>;
      case 'code':
        return <code key={key}>{node.text}</code>;
      case 'strong':
        return <strong key={key}>{inline(node.children, props, key)}</strong>;
      case 'em':
        return <em key={key}>{inline(node.children, props, key)}</em>;
      case 'break':
        return <br key={key} />;
      case 'link': {
        // A button, not an <a href>: nothing in the page can navigate, and main decides whether the link opens.
        const host = new URL(node.url).host;
        const showsItself = node.text === node.url || node.text.replace(/\/$/, '') === node.url.replace(/\/$/, '');
        return (
          <span key={key} className="message-link-wrap">
            <button
              type="button"
              className="message-link"
              title={node.url}
              onClick={() => props.onOpenLink(node.url, node.text)}
            >
              {node.text}
            </button>
            {!showsItself && <span className="message-link-host muted small"> ({host})</span>}
          </span>
        );
      }
    }
  });
}

function block(node: Block, props: MessageBodyProps, key: string, after: ReactNode): ReactNode {
  switch (node.type) {
    case 'paragraph':
      return (
        <p key={key}>
          {inline(node.children, props, key)}
          {after !== undefined && after !== false && <> {after}</>}
        </p>
      );
    case 'codeBlock':
      return (
        <pre key={key}>
          <code>{node.text}</code>
        </pre>
      );
    case 'quote':
      return <blockquote key={key}>{inline(node.children, props, key)}</blockquote>;
    case 'list': {
      const items = node.items.map((item, index) => (
        <li key={`${key}.${index}`}>{inline(item, props, `${key}.${index}`)}</li>
      ));
      return node.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
  }
}

/**
 * A message body: the Markdown subset (shared/markdown.ts) as React elements. There is no path from a message to
 * HTML: nothing is set as markup, no href, no src; `dir="auto"` and bidi isolation keep a right-to-left message
 * from reordering what is around it.
 */
export function MessageBody(props: MessageBodyProps) {
  const blocks = parseMarkdown(props.body);
  const endsInParagraph = blocks.at(-1)?.type === 'paragraph';
  return (
    <div className="message-body" dir="auto">
      {blocks.map((node, index) =>
        block(node, props, `b${index}`, endsInParagraph && index === blocks.length - 1 ? props.after : undefined),
      )}
      {!endsInParagraph && props.after}
    </div>
  );
}
