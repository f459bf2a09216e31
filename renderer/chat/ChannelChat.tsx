import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useStore } from 'zustand';
import type { TimelineMessage } from '../../shared/chat';
import { parseMarkdown, plainText } from '../../shared/markdown';
import { Icon } from '../components/Icon';
import { useStores } from '../storesContext';
import { authorName } from './chatStore';
import { Composer } from './Composer';
import { authorKey, continuesGroup, type Groupable } from './grouping';
import { MessageItem, PendingItem, type MessageContext } from './MessageItem';
import type { OutboxEntry } from './outbox';
import { removalKey } from './removalStore';
import { VirtualList, type VirtualListControls } from './VirtualList';

type Row =
  | { readonly kind: 'message'; readonly message: TimelineMessage; readonly grouped: boolean }
  | { readonly kind: 'pending'; readonly entry: OutboxEntry; readonly grouped: boolean }
  | { readonly kind: 'divider' };

const NO_MESSAGES: readonly TimelineMessage[] = [];

const rowKey = (row: Row) =>
  row.kind === 'divider' ? 'divider' : row.kind === 'message' ? row.message.id : `pending-${row.entry.nonce}`;

/**
 * One channel's timeline: a virtualized list of its messages grouped by author (older pages load when the reader
 * scrolls up), the outbox's messages for it at the end (pending, or failed with Retry), an unread divider where the
 * reader left off, a Jump to newest button while scrolled up, mentions of the reader highlighted, search within
 * what is loaded (the server cannot search: bodies are encrypted at rest, docs/chat.md), and the composer. Every
 * control is reachable and usable from the keyboard.
 */
export function ChannelChat({ channelId }: { channelId: string }) {
  const { chat, channels, session, workspace, links, outbox, removals, realtime } = useStores();
  const messages = useStore(chat, (state) => state.timelines[channelId]?.messages ?? NO_MESSAGES);
  const dividerAfter = useStore(chat, (state) => state.dividerAfter);
  const error = useStore(chat, (state) => state.error);
  const linkError = useStore(links, (state) => state.error);
  const loading = useStore(chat, (state) => state.loading);
  const queue = useStore(outbox, (state) => state.entries);
  const hidden = useStore(removals, (state) => state.pending);
  const online = useStore(realtime.store, (state) => state.state === 'open');
  const members = useStore(channels, (state) => state.members);
  const channel = useStore(channels, (state) => state.channels.find((known) => known.id === channelId));
  const self = useStore(session, (state) => (state.session.signedIn ? state.session.user : null));
  const selfId = self?.id ?? null;
  const moderator = useStore(workspace, (state) => {
    const role = state.workspaces.find((item) => item.id === state.selectedId)?.role;
    return role === 'owner' || role === 'admin';
  });
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [atBottom, setAtBottom] = useState(true);
  /** The newest message when the reader scrolled up (null while at the bottom). */
  const [awayFrom, setAwayFrom] = useState<string | null>(null);
  const list = useRef<VirtualListControls | null>(null);

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
      messages.filter(
        (message) =>
          hidden[removalKey('message', message.id)] === undefined &&
          (needle === '' || plainText(parseMarkdown(message.body)).toLowerCase().includes(needle)),
      ),
    [messages, needle, hidden],
  );
  const pending = useMemo(() => {
    // A message whose post answered late may already be in the timeline (its event came first): shown once.
    const landed = new Set(messages.flatMap((message) => (message.nonce === undefined ? [] : [message.nonce])));
    return queue.filter((entry) => entry.channelId === channelId && !landed.has(entry.nonce));
  }, [queue, messages, channelId]);

  const rows = useMemo(() => {
    const out: Row[] = [];
    let previous: Groupable | null = null;
    for (const message of shown) {
      const current = { authorKey: authorKey(message.author), createdAt: message.createdAt };
      out.push({ kind: 'message', message, grouped: continuesGroup(previous, current) });
      previous = current;
      if (needle === '' && message.id === dividerAfter && message !== shown.at(-1)) {
        out.push({ kind: 'divider' });
        previous = null;
      }
    }
    if (needle === '' && selfId !== null) {
      for (const entry of pending) {
        const current = { authorKey: authorKey({ kind: 'member', userId: selfId }), createdAt: entry.createdAt };
        out.push({ kind: 'pending', entry, grouped: continuesGroup(previous, current) });
        previous = current;
      }
    }
    return out;
  }, [shown, pending, dividerAfter, needle, selfId]);

  const isOwn = (message: TimelineMessage) => message.author.kind === 'member' && message.author.userId === selfId;
  // Messages by others that arrived since the reader scrolled up, for the Jump to newest bar.
  const unseen = useMemo(() => {
    if (awayFrom === null) return 0;
    const from = messages.findIndex((message) => message.id === awayFrom);
    return from === -1 ? 0 : messages.slice(from + 1).filter((message) => !isOwn(message)).length;
    // isOwn reads selfId, listed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [messages, awayFrom, selfId]);

  const name = channel?.name ?? 'channel';
  const context: MessageContext = { members: candidates, selfId, highlight: needle };

  function renderRow(row: Row) {
    if (row.kind === 'divider') {
      return (
        <div className="unread-divider" role="separator" aria-label="New messages">
          <span>New messages</span>
        </div>
      );
    }
    if (row.kind === 'pending') {
      return (
        <PendingItem
          entry={row.entry}
          author={self?.displayName ?? 'You'}
          grouped={row.grouped}
          context={context}
          online={online}
        />
      );
    }
    const { message } = row;
    return (
      <MessageItem
        message={message}
        author={authorName(message, members)}
        grouped={row.grouped}
        context={context}
        own={isOwn(message)}
        moderator={moderator}
        editing={editing === message.id}
        onEdit={(on) => setEditing(on ? message.id : null)}
        hiddenFiles={hidden}
      />
    );
  }

  function onDrop(event: DragEvent<HTMLElement>): void {
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    if (files.length > 0) void chat.getState().attach(files);
  }

  const failed = pending.filter((entry) => entry.state === 'failed').length;
  const waiting = pending.length - failed;

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
      {rows.length === 0 && !loading ? (
        <p className="empty-title chat-empty">No messages yet. Say hello.</p>
      ) : (
        <VirtualList
          className="message-list"
          label={`Messages in #${name}`}
          items={rows}
          itemKey={rowKey}
          renderItem={renderRow}
          controls={list}
          onReachTop={() => void chat.getState().loadOlder()}
          onAtBottomChange={(bottom) => {
            setAtBottom(bottom);
            setAwayFrom(bottom ? null : (messages.at(-1)?.id ?? null));
            chat.getState().setReading(bottom);
          }}
        />
      )}
      <div className="chat-footer">
        {!atBottom && rows.length > 0 && (
          <div className="jump-bar">
            <span className="jump-bar-text">
              {unseen > 0 ? `${unseen} new ${unseen === 1 ? 'message' : 'messages'}` : 'You are viewing older messages'}
            </span>
            <button type="button" className="jump-bar-button" onClick={() => list.current?.scrollToEnd()}>
              Jump to newest
              <Icon name="arrowDown" size={16} />
            </button>
          </div>
        )}
        <p className="outbox-status" role="status">
          {failed > 0
            ? `${failed} ${failed === 1 ? 'message' : 'messages'} not sent.`
            : waiting > 0 && !online
              ? `${waiting} ${waiting === 1 ? 'message' : 'messages'} waiting for the connection.`
              : ''}
        </p>
      </div>
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
