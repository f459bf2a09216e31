import { useStore } from 'zustand';
import type { Channel } from '../../shared/rest/endpoints';
import { memo, type ReactNode } from 'react';
import { sameMember, voiceMemberLabel, type CallMember } from '../call/callMembers';
import { useCallMembers } from '../call/useCallMembers';
import { VoiceBar } from '../call/VoiceBar';
import { Avatar } from '../components/Avatar';
import { Button, classes } from '../components/Button';
import { Icon } from '../components/Icon';
import { IconButton } from '../components/IconButton';
import type { Screen } from '../stores/navigationStore';
import { useStores } from '../storesContext';
import { ConnectionStatus } from './ConnectionStatus';
import { UserPanel } from './UserPanel';

/** The icons a member shows in the channel list and on their tile: server mute, deafen or mute. */
export function VoiceStateIcons({ member }: { member: CallMember }) {
  return (
    <span className="voice-icons" aria-hidden="true">
      {member.serverMuted && <Icon name="serverMute" size={16} className="voice-icon voice-icon-server" />}
      {member.selfDeafened ? (
        <Icon name="headphonesOff" size={16} className="voice-icon" />
      ) : member.selfMuted ? (
        <Icon name="micOff" size={16} className="voice-icon" />
      ) : null}
    </span>
  );
}

function unreadLabel(unread: number, mentions: number): string {
  return `${unread} unread${mentions > 0 ? `, ${mentions} mentioning you` : ''}`;
}

function TextChannelRow({ channel, current }: { channel: Channel; current: boolean }) {
  const { chat, navigation } = useStores();
  const counts = useStore(chat, (state) => state.unread[channel.id]);
  const unread = counts !== undefined && counts.unread > 0 && !current;
  return (
    <li>
      <a
        href={`#channel-${channel.id}`}
        className={classes('channel-link', unread && 'channel-link-unread')}
        aria-current={current ? 'page' : undefined}
        onClick={(event) => {
          event.preventDefault();
          navigation.getState().go('workspace');
          void chat.getState().open(channel.id);
        }}
      >
        <Icon name="hash" size={18} className="channel-link-icon" />
        <span className="channel-link-name">{channel.name}</span>
        {unread && (
          <span
            className={counts.mentions > 0 ? 'unread-badge unread-badge-mention' : 'unread-badge'}
            aria-label={unreadLabel(counts.unread, counts.mentions)}
          >
            {counts.mentions > 0 ? `@${counts.mentions}` : counts.unread}
          </span>
        )}
      </a>
    </li>
  );
}

/** One member under a voice channel; a speaking flip re-renders only that member's row. */
const VoiceMemberRow = memo(
  function VoiceMemberRow({ member }: { member: CallMember }) {
    return (
      <li className="voice-member" aria-label={voiceMemberLabel(member)}>
        <Avatar name={member.name} id={member.userId} size="sm" speaking={member.speaking} />
        <span className="voice-member-name">{member.name}</span>
        <VoiceStateIcons member={member} />
      </li>
    );
  },
  (before, after) => sameMember(before.member, after.member),
);

function VoiceChannelRow({ channel, current }: { channel: Channel; current: boolean }) {
  const { voice, chat, navigation } = useStores();
  const { members: list, here } = useCallMembers(channel.id);

  function open(): void {
    navigation.getState().go('workspace');
    void chat.getState().open(channel.id);
    // Discord's click: a voice channel you are not in is joined; the one you are in is shown.
    if (!here && voice !== null) void voice.join(channel.id);
  }

  // The pointer on the row (or focus) comes a few hundred milliseconds before the click: the join's credential round
  // trip happens then instead of after it.
  function prefetch(): void {
    if (!here) voice?.prefetch(channel.id);
  }

  return (
    <li>
      <button
        type="button"
        className={classes('channel-link', here && 'channel-link-connected')}
        aria-current={current ? 'page' : undefined}
        aria-label={here ? `${channel.name} (connected)` : `Join ${channel.name}`}
        disabled={voice === null}
        onClick={open}
        onPointerEnter={prefetch}
        onFocus={prefetch}
      >
        <Icon name="speaker" size={18} className="channel-link-icon" />
        <span className="channel-link-name">{channel.name}</span>
      </button>
      {list.length > 0 && (
        <ul className="voice-members" aria-label={`In ${channel.name}`}>
          {list.map((member) => (
            <VoiceMemberRow key={member.userId} member={member} />
          ))}
        </ul>
      )}
    </li>
  );
}

function ChannelGroup({
  id,
  title,
  count,
  children,
}: {
  id: string;
  title: string;
  count: number;
  children: ReactNode;
}) {
  if (count === 0) return null;
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`} className="channel-group-title">
        {title}
      </h3>
      <ul className="channel-items">{children}</ul>
    </section>
  );
}

/** The selected workspace's name, connection, channels (text, then voice with who is in each), the call, you. */
export function ChannelSidebar({ screen }: { screen: Screen }) {
  const { workspace, channels, chat, navigation, admin } = useStores();
  const selected = useStore(workspace, (state) => state.workspaces.find((item) => item.id === state.selectedId));
  const list = useStore(channels, (state) => state.channels);
  const loading = useStore(channels, (state) => state.loading);
  const error = useStore(channels, (state) => state.error);
  const open = useStore(chat, (state) => state.channelId);
  const manages = selected?.role === 'owner' || selected?.role === 'admin';
  const onWorkspace = screen === 'workspace';
  const text = list.filter((channel) => channel.kind === 'text');
  const voiceChannels = list.filter((channel) => channel.kind === 'voice');

  return (
    <aside className="channel-sidebar" aria-label="Channels and call">
      <header className="sidebar-header">
        <div className="sidebar-title-row">
          <h2 className="sidebar-title">{selected?.name ?? 'No workspace'}</h2>
          {manages && (
            <IconButton
              label="Admin"
              icon="admin"
              tooltip="bottom"
              aria-current={screen === 'admin' ? 'page' : undefined}
              onClick={() => navigation.getState().go('admin')}
            />
          )}
        </div>
        <ConnectionStatus />
      </header>
      <nav className="channel-nav" aria-label="Channels">
        <div role="alert" className="alert alert-compact">
          {error}
        </div>
        {selected !== undefined && list.length === 0 && (
          <div className="sidebar-empty">
            <p>{loading ? 'Loading channels…' : 'No channels yet.'}</p>
            {!loading && manages && (
              // An owner or admin of an empty workspace is one click from making its first channel.
              <Button
                size="sm"
                variant="secondary"
                onClick={() => {
                  navigation.getState().go('admin');
                  void admin.getState().open('channels');
                }}
              >
                <Icon name="plus" size={16} />
                Create a channel
              </Button>
            )}
          </div>
        )}
        <ChannelGroup id="text-channels" title="Text channels" count={text.length}>
          {text.map((channel) => (
            <TextChannelRow key={channel.id} channel={channel} current={onWorkspace && channel.id === open} />
          ))}
        </ChannelGroup>
        <ChannelGroup id="voice-channels" title="Voice channels" count={voiceChannels.length}>
          {voiceChannels.map((channel) => (
            <VoiceChannelRow key={channel.id} channel={channel} current={onWorkspace && channel.id === open} />
          ))}
        </ChannelGroup>
      </nav>
      <VoiceBar />
      <UserPanel screen={screen} />
    </aside>
  );
}
