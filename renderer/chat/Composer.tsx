import { useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { MESSAGE_MAX_CHARS } from '../../shared/chat';
import { useStores } from '../storesContext';
import { formatBytes } from './Attachment';

export interface ComposerProps {
  readonly channelName: string;
  /** The composer is empty and the reader pressed ArrowUp: edit their newest message. */
  readonly onEditLast: () => void;
}

/**
 * Where messages are written: Enter sends, Shift+Enter starts a new line, ArrowUp in an empty box edits the last
 * own message; files come from the attach button, a paste or a drop on the chat, and show their upload progress.
 */
export function Composer({ channelName, onEditLast }: ComposerProps) {
  const { chat } = useStores();
  const pending = useStore(chat, (state) => state.pending);
  const uploads = useStore(chat, (state) => state.uploads);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const uploading = uploads.some((upload) => upload.state === 'sending');

  async function send(): Promise<void> {
    if (sending || uploading || (text.trim() === '' && pending.length === 0)) return;
    setSending(true);
    const sent = await chat.getState().send(text);
    setSending(false);
    if (sent.ok) setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
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
              <span dir="auto">{file.name}</span> <span className="muted small">{formatBytes(file.size)}</span>
              <button
                type="button"
                className="button button-small"
                onClick={() => chat.getState().dropPending(file.id)}
              >
                Remove {file.name} from the message
              </button>
            </li>
          ))}
          {uploads.map((upload) => (
            <li key={upload.id} className="composer-file">
              <span dir="auto">{upload.name}</span>{' '}
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
      <div className="composer-row">
        <button type="button" className="button" onClick={() => fileInput.current?.click()}>
          Attach
        </button>
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
          className="composer-input"
          aria-label={`Message #${channelName}`}
          placeholder={`Message #${channelName}`}
          rows={2}
          maxLength={MESSAGE_MAX_CHARS * 2}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <button
          type="button"
          className="button button-primary"
          disabled={sending || uploading}
          onClick={() => void send()}
        >
          Send
        </button>
      </div>
    </div>
  );
}
