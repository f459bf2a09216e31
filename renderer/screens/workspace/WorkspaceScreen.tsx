import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { CallView } from '../../call/CallView';
import { ChannelChat } from '../../chat/ChannelChat';
import { Icon } from '../../components/Icon';
import { IconButton } from '../../components/IconButton';
import { ScreenHeading } from '../../components/ScreenHeading';
import { MemberList } from '../../shell/MemberList';
import { useStores } from '../../storesContext';
import '../../chat/chat.css';

/**
 * The main pane for the selected channel: a text channel's chat, or a voice channel's call view (its chat beside it
 * on request). The channel is chosen in the sidebar; the first text channel opens by default.
 */
export function WorkspaceScreen() {
  const { chat, channels } = useStores();
  const list = useStore(channels, (state) => state.channels);
  const loading = useStore(channels, (state) => state.loading);
  const openId = useStore(chat, (state) => state.channelId);
  const channel = list.find((candidate) => candidate.id === openId);
  const [membersShown, setMembersShown] = useState(false);
  const [callChatShown, setCallChatShown] = useState(false);

  useEffect(() => {
    if (list.length === 0) return;
    if (openId === null || !list.some((candidate) => candidate.id === openId)) {
      const first = list.find((candidate) => candidate.kind === 'text') ?? list[0];
      if (first !== undefined) void chat.getState().open(first.id);
    }
  }, [chat, list, openId]);

  const voiceChannel = channel?.kind === 'voice';
  const sideShown = voiceChannel ? callChatShown : membersShown;

  return (
    <section className="screen workspace-screen" aria-labelledby="workspace-heading">
      <header className="pane-header">
        <Icon name={voiceChannel ? 'speaker' : 'hash'} size={22} className="pane-header-icon" />
        <ScreenHeading id="workspace-heading">{channel?.name ?? (loading ? 'Loading…' : 'No channel')}</ScreenHeading>
        <div className="pane-header-actions">
          {channel !== undefined &&
            (voiceChannel ? (
              <IconButton
                label="Chat"
                icon="chat"
                tooltip="bottom"
                pressed={callChatShown}
                onClick={() => setCallChatShown((shown) => !shown)}
              />
            ) : (
              <IconButton
                label="Member list"
                icon="members"
                tooltip="left"
                pressed={membersShown}
                onClick={() => setMembersShown((shown) => !shown)}
              />
            ))}
        </div>
      </header>
      <div className={sideShown ? 'pane-body pane-body-with-side' : 'pane-body'}>
        <div className="pane-main">
          {channel === undefined ? (
            <div className="call-empty">
              <p className="empty-title">{loading ? 'Loading channels…' : 'Pick a channel on the left.'}</p>
            </div>
          ) : voiceChannel ? (
            <CallView channel={channel} />
          ) : (
            <div className="chat-pane">
              <ChannelChat key={channel.id} channelId={channel.id} />
            </div>
          )}
        </div>
        {sideShown &&
          (voiceChannel && channel !== undefined ? (
            <div className="pane-side chat-pane" aria-label={`Chat in ${channel.name}`} role="region">
              <ChannelChat key={channel.id} channelId={channel.id} />
            </div>
          ) : (
            <MemberList />
          ))}
      </div>
    </section>
  );
}
