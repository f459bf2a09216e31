import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { MentionCandidate, TimelineMessage } from '../../shared/chat';
import { Avatar } from '../components/Avatar';
import { classes } from '../components/Button';
import { IconButton } from '../components/IconButton';
import { useStores } from '../storesContext';
import { Attachment } from './Attachment';
import type { OutboxEntry } from './outbox';
import { MessageBody } from './MessageBody';
import { removalKey } from './removalStore';

export const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** What every message of the timeline shows with its body: who, the people it may mention, and what to mark. */
export interface MessageContext {
  readonly members: readonly MentionCandidate[];
  readonly selfId: string | null;
  readonly highlight: string;
}

/**
 * The frame every timeline entry shares: the first of a group shows the author's avatar, name and time; the rest
 * of the group only a time in the gutter (shown on hover and focus), as in Discord.
 */
function MessageFrame(props: {
  readonly authorId: string;
  readonly author: string;
  readonly createdAt: number;
  readonly grouped: boolean;
  readonly className?: string;
  readonly label: string;
  readonly badge?: ReactNode;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
  readonly dataMessageId?: string;
}) {
  const time = (
    <time dateTime={new Date(props.createdAt).toISOString()} title={fullTimeFormat.format(props.createdAt)}>
      {timeFormat.format(props.createdAt)}
    </time>
  );
  return (
    <article
      className={classes('message', props.grouped ? 'message-continued' : 'message-start', props.className)}
      data-message-id={props.dataMessageId}
      aria-label={props.label}
    >
      <div className="message-gutter">
        {props.grouped ? (
          <span className="message-gutter-time">{time}</span>
        ) : (
          <Avatar name={props.author} id={props.authorId} />
        )}
      </div>
      <div className="message-main">
        {!props.grouped && (
          <header className="message-header">
            <span className="message-author" dir="auto">
              {props.author}
            </span>
            {props.badge}
            <span className="message-time">{time}</span>
          </header>
        )}
        {props.children}
      </div>
      {props.actions !== undefined && (
        <div className="message-actions" role="group" aria-label="Message actions">
          {props.actions}
        </div>
      )}
    </article>
  );
}

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
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  }
  return (
    <div className="message-edit">
      <textarea
        ref={box}
        className="composer-input message-edit-input"
        aria-label="Edit message"
        aria-describedby={`${message.id}-edit-hint`}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => void save()}
      />
      <p id={`${message.id}-edit-hint`} className="message-edit-hint">
        Enter saves · Escape cancels
      </p>
    </div>
  );
}

/** One message of the timeline: the frame, its body (or the edit box), its files, and Edit and Delete for who may. */
export function MessageItem(props: {
  readonly message: TimelineMessage;
  readonly author: string;
  readonly grouped: boolean;
  readonly context: MessageContext;
  readonly own: boolean;
  readonly moderator: boolean;
  readonly editing: boolean;
  readonly onEdit: (editing: boolean) => void;
  readonly hiddenFiles: Readonly<Record<string, unknown>>;
}) {
  const { links, removals } = useStores();
  const { message, context, own, moderator } = props;
  const mentioned = context.selfId !== null && message.mentions.includes(context.selfId);
  const workspaceId = message.workspaceId;
  const files = message.attachments.filter((file) => props.hiddenFiles[removalKey('file', file.id)] === undefined);
  const edited = message.editedAt !== null && <span className="message-edited">(edited)</span>;
  const actions =
    own || moderator ? (
      <>
        {own && !props.editing && message.body !== '' && (
          <IconButton label="Edit" icon="edit" size="sm" onClick={() => props.onEdit(true)} />
        )}
        <IconButton
          label="Delete"
          icon="trash"
          size="sm"
          tone="danger"
          onClick={() =>
            removals.getState().request({ kind: 'message', id: message.id, workspaceId }, 'Message deleted.')
          }
        />
      </>
    ) : undefined;
  return (
    <MessageFrame
      dataMessageId={message.id}
      authorId={message.author.kind === 'member' ? message.author.userId : message.author.inputId}
      author={props.author}
      createdAt={message.createdAt}
      grouped={props.grouped}
      className={mentioned ? 'message-mentioned' : undefined}
      label={`${props.author} at ${timeFormat.format(message.createdAt)}`}
      badge={message.author.kind === 'input' ? <span className="message-badge">integration</span> : undefined}
      actions={actions}
    >
      {props.editing ? (
        <EditBox message={message} onDone={() => props.onEdit(false)} />
      ) : (
        message.body !== '' && (
          <MessageBody
            body={message.body}
            members={context.members}
            selfId={context.selfId}
            highlight={context.highlight}
            onOpenLink={(url, text) => void links.getState().open(url, text)}
            after={edited}
          />
        )
      )}
      {message.body === '' && edited}
      {files.map((file) => (
        <Attachment
          key={file.id}
          file={file}
          canRemove={file.uploaderId === context.selfId || moderator}
          onRemove={() =>
            removals.getState().request({ kind: 'file', id: file.id, workspaceId }, `${file.name} removed.`)
          }
        />
      ))}
    </MessageFrame>
  );
}

const PENDING_STATUS = {
  sending: 'Sending…',
  queued: 'Waiting for the connection. It will be sent when whoot is back online.',
} as const;

/** A message in the outbox, shown where it will land: pending (dimmed), or failed with why, Retry and Delete draft. */
export function PendingItem(props: {
  readonly entry: OutboxEntry;
  readonly author: string;
  readonly grouped: boolean;
  readonly context: MessageContext;
  readonly online: boolean;
}) {
  const { outbox, links } = useStores();
  const { entry } = props;
  const failed = entry.state === 'failed';
  const status = failed
    ? `Not sent: ${entry.error?.message ?? 'the server refused it.'}`
    : entry.state === 'sending' || props.online
      ? PENDING_STATUS.sending
      : PENDING_STATUS.queued;
  return (
    <MessageFrame
      authorId={props.context.selfId ?? entry.nonce}
      author={props.author}
      createdAt={entry.createdAt}
      grouped={props.grouped}
      className={failed ? 'message-failed' : 'message-pending'}
      label={`${props.author} at ${timeFormat.format(entry.createdAt)}, ${failed ? 'not sent' : 'not sent yet'}`}
    >
      {entry.body !== '' && (
        <MessageBody
          body={entry.body}
          members={props.context.members}
          selfId={props.context.selfId}
          highlight={props.context.highlight}
          onOpenLink={(url, text) => void links.getState().open(url, text)}
        />
      )}
      {entry.attachments.length > 0 && (
        <ul className="pending-files" aria-label="Files">
          {entry.attachments.map((file) => (
            <li key={file.id} dir="auto">
              {file.name}
            </li>
          ))}
        </ul>
      )}
      <p className={failed ? 'message-status message-status-failed' : 'message-status'}>
        <span className="message-status-text">{status}</span>
        {failed && (
          <>
            <button type="button" className="link-button" onClick={() => outbox.getState().retry(entry.nonce)}>
              Retry
            </button>
            <button type="button" className="link-button" onClick={() => outbox.getState().discard(entry.nonce)}>
              Delete draft
            </button>
          </>
        )}
      </p>
    </MessageFrame>
  );
}
