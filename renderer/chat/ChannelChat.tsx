import { useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import type { TimelineMessage } from '../../shared/chat';
import { parseMarkdown, plainText } from '../../shared/markdown';
import { useStores } from '../storesContext';
import { Attachment } from './Attachment';
import { authorName } from './chatStore';
import { Composer } from './Composer';
import { MessageBody } from './MessageBody';
import { VirtualList } from './VirtualList';

type Row = { readonly kind: 'message'; readonly message: TimelineMessage } | { readonly kind: 'divider' };

const NO_MESSAGES: readonly TimelineMessage[] = [];
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function EditBox({ message, onDone }: { message: TimelineMessage; onDone: () => void }) {
  const { chat } = useStores();
  const [text, setText] = useState(message.body);
  const box = useRef<HTMLTextAreaElement | null>(null);
  useEffect(() => box.current?.focus(), []);
  async function save(): Promise<void> {
    if (text.trim() === '' || text === message.body) return onDone();
    const edited = await chat.getState().edit(message.id, text);
    if (edited.ok) onDone();
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === 'Escape') {
      event.preventDefault();
      onDone();
    } else if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void save();
    }
  }
  return (
    <textarea
      ref={box}
      className="composer-input"
      aria-label="Edit message"
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={onKeyDown}
      onBlur={() => void save()}
    />
  );
}

/**
 * One channel's timeline: a virtualized list of its messages (older pages load when the reader scrolls up), an
 * unread divider where the reader left off, mentions of the reader highlighted, search within what is loaded (the
 * server cannot search: bodies are encrypted at rest, docs/chat.md), and the composer. Every control is reachable
 * and usable from the keyboard.
 */
export function ChannelChat({ channelId }: { channelId: string }) {
  const { chat, channels, session, workspace, links } = useStores();
  const messages = useStore(chat, (state) => state.timelines[channelId]?.messages ?? NO_MESSAGES);
  const dividerAfter = useStore(chat, (state) => state.dividerAfter);
  const error = useStore(chat, (state) => state.error);
  const linkError = useStore(links, (state) => state.error);
  const loading = useStore(chat, (state) => state.loading);
  const members = useStore(channels, (state) => state.members);
  const channel = useStore(channels, (state) => state.channels.find((known) => known.id === channelId));
  const selfId = useStore(session, (state) => (state.session.signedIn ? state.session.user.id : null));
  const moderator = useStore(workspace, (state) => {
    const role = state.workspaces.find((item) => item.id === state.selectedId)?.role;
    return role === 'owner' || role === 'admin';
  });
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => {
    void chat.getState().open(channelId);
  }, [chat, channelId]);
  useEffect(() => () => chat.getState().setReading(false), [chat]);

  const candidates = useMemo(
    () => Object.values(members).map((member) => ({ userId: member.userId, displayName: member.displayName })),
    [members],
  );
  const needle = query.trim().toLowerCase();
  const shown = useMemo(
    () =>
      needle === ''
        ? messages
        : messages.filter((message) => plainText(parseMarkdown(message.body)).toLowerCase().includes(needle)),
    [messages, needle],
  );
  const rows = useMemo(() => {
    const out: Row[] = [];
    for (const message of shown) {
      out.push({ kind: 'message', message });
      if (needle === '' && message.id === dividerAfter && message !== shown.at(-1)) out.push({ kind: 'divider' });
    }
    return out;
  }, [shown, dividerAfter, needle]);

  const isOwn = (message: TimelineMessage) => message.author.kind === 'member' && message.author.userId === selfId;
  const name = channel?.name ?? 'channel';

  function renderRow(row: Row) {
    if (row.kind === 'divider') {
      return (
        <div className="unread-divider" role="separator" aria-label="New messages">
          <span>New messages</span>
        </div>
      );
    }
    const { message } = row;
    const mentioned = selfId !== null && message.mentions.includes(selfId);
    const own = isOwn(message);
    return (
      <article
        className={mentioned ? 'message message-mentioned' : 'message'}
        data-message-id={message.id}
        aria-label={`${authorName(message, members)} at ${timeFormat.format(message.createdAt)}`}
      >
        <header className="message-header">
          <span className="message-author" dir="auto">
            {authorName(message, members)}
          </span>
          {message.author.kind === 'input' && <span className="message-badge small">integration</span>}
          <time className="muted small" dateTime={new Date(message.createdAt).toISOString()}>
            {timeFormat.format(message.createdAt)}
          </time>
          {message.editedAt !== null && <span className="muted small">(edited)</span>}
          <span className="message-actions">
            {own && editing !== message.id && (
              <button type="button" className="button button-small" onClick={() => setEditing(message.id)}>
                Edit
              </button>
            )}
            {(own || moderator) && (
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => void chat.getState().remove(message.id)}
              >
                Delete
              </button>
            )}
          </span>
        </header>
        {editing === message.id ? (
          <EditBox message={message} onDone={() => setEditing(null)} />
        ) : (
          message.body !== '' && (
            <MessageBody
              body={message.body}
              members={candidates}
              selfId={selfId}
              highlight={needle}
              onOpenLink={(url, text) => void links.getState().open(url, text)}
            />
          )
        )}
        {message.attachments.map((file) => (
          <Attachment key={file.id} file={file} canRemove={file.uploaderId === selfId || moderator} />
        ))}
      </article>
    );
  }

  function onDrop(event: DragEvent<HTMLElement>): void {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    if (files.length > 0) void chat.getState().attach(files);
  }

  return (
    <section
      className={dragging ? 'channel-chat channel-chat-dragging' : 'channel-chat'}
      aria-label={`Chat in #${name}`}
      onDragOver={(event) => {
        if ([...event.dataTransfer.types].includes('Files')) {
          event.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <header className="channel-chat-header">
        <h3>#{name}</h3>
        <input
          type="search"
          className="chat-search"
          placeholder="Search loaded messages"
          aria-label="Search loaded messages"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        {needle !== '' && (
          <span className="muted small" role="status">
            {shown.length} of {messages.length} loaded messages
          </span>
        )}
      </header>
      <div role="alert" className="alert alert-inline">
        {error ?? linkError}
      </div>
      {messages.length === 0 && !loading ? (
        <p className="empty-title chat-empty">No messages yet. Say hello.</p>
      ) : (
        <VirtualList
          className="message-list"
          label={`Messages in #${name}`}
          items={rows}
          itemKey={(row) => (row.kind === 'divider' ? 'divider' : row.message.id)}
          renderItem={renderRow}
          onReachTop={() => void chat.getState().loadOlder()}
          onAtBottomChange={(atBottom) => chat.getState().setReading(atBottom)}
        />
      )}
      <Composer
        channelName={name}
        onEditLast={() => {
          const last = [...messages].reverse().find(isOwn);
          if (last !== undefined) setEditing(last.id);
        }}
      />
    </section>
  );
}
