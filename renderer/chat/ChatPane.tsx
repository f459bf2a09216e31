import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { ChannelChat } from './ChannelChat';
import './chat.css';
import { ChannelIcon } from '../components/ChannelIcon';

/**
 * The chat beside the voice panel: the workspace's channels with unread and mention counts (arrow keys move
 * between them), and the open channel's timeline.
 */
export function ChatPane() {
  const { chat, channels } = useStores();
  const list = useStore(channels, (state) => state.channels);
  const unread = useStore(chat, (state) => state.unread);
  const open = useStore(chat, (state) => state.channelId);
  const tabs = useRef<HTMLDivElement | null>(null);

  useEffect(() => {
    if (list.length === 0) return;
    if (open === null || !list.some((channel) => channel.id === open)) {
      const first = list.find((channel) => channel.kind === 'text') ?? list[0];
      if (first !== undefined) void chat.getState().open(first.id);
    }
  }, [chat, list, open]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const index = list.findIndex((channel) => channel.id === open);
    const next = list[(index + (event.key === 'ArrowRight' ? 1 : list.length - 1)) % list.length];
    if (next === undefined) return;
    event.preventDefault();
    void chat.getState().open(next.id);
    tabs.current?.querySelector<HTMLButtonElement>(`[data-channel-id="${next.id}"]`)?.focus();
  }

  if (list.length === 0) return null;
  return (
    <section className="chat-pane" aria-label="Chat">
      <div ref={tabs} className="chat-tabs" role="tablist" aria-label="Chat channels" onKeyDown={onKeyDown}>
        {list.map((channel) => {
          const counts = unread[channel.id];
          const selected = channel.id === open;
          return (
            <button
              key={channel.id}
              type="button"
              role="tab"
              data-channel-id={channel.id}
              aria-selected={selected}
              tabIndex={selected ? 0 : -1}
              className={selected ? 'chat-tab chat-tab-selected' : 'chat-tab'}
              onClick={() => void chat.getState().open(channel.id)}
            >
              <ChannelIcon kind={channel.kind} />
              {channel.name}
              {counts !== undefined && counts.unread > 0 && (
                <span
                  className={counts.mentions > 0 ? 'unread-badge unread-badge-mention' : 'unread-badge'}
                  aria-label={`${counts.unread} unread${counts.mentions > 0 ? `, ${counts.mentions} mentioning you` : ''}`}
                >
                  {counts.mentions > 0 ? `@${counts.mentions}` : counts.unread}
                </span>
              )}
            </button>
          );
        })}
      </div>
      {open !== null && <ChannelChat key={open} channelId={open} />}
    </section>
  );
}
