import { useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { MESSAGE_MAX_CHARS } from '../../shared/chat';
import { IconButton } from '../components/IconButton';
import { useStores } from '../storesContext';
import { formatBytes } from './Attachment';

export interface ComposerProps {
  readonly channelName: string;
  /** The composer is empty and the reader pressed ArrowUp: edit their newest message. */
  readonly onEditLast: () => void;
}

/**
 * Where messages are written: the box grows with the text up to a limit (then scrolls), Enter sends, Shift+Enter
 * starts a new line, and Enter that ends an IME composition only confirms it. ArrowUp in an empty box edits the last
 * own message; files come from the upload button, a paste or a drop on the chat, and show their upload progress.
 * Sending hands the message to the outbox, so the box empties at once, online or not.
 */
export function Composer({ channelName, onEditLast }: ComposerProps) {
  const { chat } = useStores();
  const pending = useStore(chat, (state) => state.pending);
  const uploads = useStore(chat, (state) => state.uploads);
  const [text, setText] = useState('');
  const fileInput = useRef<HTMLInputElement | null>(null);
  const box = useRef<HTMLTextAreaElement | null>(null);
  const hintId = useId();
  const uploading = uploads.some((upload) => upload.state === 'sending');

  // Grow with the text: measured from the content each time it changes (the CSS max-height caps it).
  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    element.style.height = 'auto';
    element.style.height = `${element.scrollHeight + (element.offsetHeight - element.clientHeight)}px`;
  }, [text]);

  async function send(): Promise<void> {
    if (uploading || (text.trim() === '' && pending.length === 0)) return;
    const sent = await chat.getState().send(text);
    if (sent.ok) setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    // keyCode 229: the key went to an input method (some report composition only that way).
    const composing = event.nativeEvent.isComposing || event.keyCode === 229;
    if (event.key === 'Enter' && !event.shiftKey && !composing) {
      event.preventDefault();
      void send();
    } else if (event.key === 'ArrowUp' && text === '') {
      event.preventDefault();
      onEditLast();
    }
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>): void {
    const files = [...event.clipboardData.files];
    if (files.length === 0) return;
    event.preventDefault();
    void chat.getState().attach(files);
  }

  return (
    <div className="composer">
      {(pending.length > 0 || uploads.length > 0) && (
        <ul className="composer-files" aria-label="Files for the next message">
          {pending.map((file) => (
            <li key={file.id} className="composer-file">
              <span className="composer-file-name" dir="auto" title={file.name}>
                {file.name}
              </span>
              <span className="muted small">{formatBytes(file.size)}</span>
              <IconButton
                label={`Remove ${file.name} from the message`}
                icon="close"
                size="sm"
                onClick={() => chat.getState().dropPending(file.id)}
              />
            </li>
          ))}
          {uploads.map((upload) => (
            <li key={upload.id} className="composer-file">
              <span className="composer-file-name" dir="auto" title={upload.name}>
                {upload.name}
              </span>
              {upload.state === 'sending' ? (
                <progress max={upload.size} value={upload.sent} aria-label={`Uploading ${upload.name}`} />
              ) : (
                <span role="alert" className="alert-inline">
                  {upload.error}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <div className="composer-box">
        <IconButton label="Upload a file" icon="attach" onClick={() => fileInput.current?.click()} />
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Attach files"
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = '';
            if (files.length > 0) void chat.getState().attach(files);
          }}
        />
        <textarea
          ref={box}
          className="composer-input"
          aria-label={`Message #${channelName}`}
          aria-describedby={hintId}
          placeholder={`Message #${channelName}`}
          rows={1}
          maxLength={MESSAGE_MAX_CHARS * 2}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <IconButton label="Send message" icon="send" disabled={uploading} onClick={() => void send()} />
      </div>
      <p id={hintId} className="visually-hidden">
        Enter sends, Shift+Enter starts a new line.
      </p>
    </div>
  );
}
