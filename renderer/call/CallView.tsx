import { memo, useState } from 'react';
import { useStore } from 'zustand';
import type { Channel } from '../../shared/rest/endpoints';
import type { CallMode, CallModeReason } from '../../shared/voiceRoomState';
import { Avatar } from '../components/Avatar';
import { Button, classes } from '../components/Button';
import { MenuButton, useMenu } from '../components/Menu';
import { useVoice } from '../screens/workspace/useVoice';
import { VoiceStateIcons } from '../shell/ChannelSidebar';
import { useStores } from '../storesContext';
import { sameMember, voiceMemberLabel, type CallMember } from './callMembers';
import { useCallMembers } from './useCallMembers';
import { EncryptionBadge } from './EncryptionBadge';
import { MemberMenu } from './MemberMenu';
import { VerifyCallDialog } from './VerifyCallDialog';

interface CallTileProps {
  readonly member: CallMember;
  readonly channelId: string;
  readonly stale: boolean;
}

function CallTileView({ member, channelId, stale }: CallTileProps) {
  const menu = useMenu();
  const status = member.self
    ? 'you'
    : stale
      ? 'last seen here'
      : member.connection !== null && member.connection !== 'connected'
        ? member.connection === 'new'
          ? 'connecting'
          : member.connection
        : null;
  const canOpenMenu = !member.self && !stale;
  return (
    <li
      className={classes('call-tile', member.speaking && !stale && 'call-tile-speaking', stale && 'call-tile-stale')}
      aria-label={voiceMemberLabel(member)}
      {...(canOpenMenu ? menu.contextMenuProps : {})}
    >
      <Avatar name={member.name} id={member.userId} size="xl" speaking={member.speaking && !stale} />
      <div className="call-tile-foot">
        <span className="call-tile-name">{member.name}</span>
        <VoiceStateIcons member={member} />
        {canOpenMenu && (
          <MenuButton
            label={`Options for ${member.name}`}
            expanded={menu.anchor !== null}
            onOpen={(element) => menu.open({ element })}
          />
        )}
      </div>
      {status !== null && <span className="call-tile-status">{status}</span>}
      {menu.anchor !== null && (
        <MemberMenu member={member} channelId={channelId} anchor={menu.anchor} onClose={menu.close} />
      )}
    </li>
  );
}

/** A speaking flip re-renders only the tile of the member who flipped. */
const CallTile = memo(
  CallTileView,
  (before, after) =>
    before.channelId === after.channelId && before.stale === after.stale && sameMember(before.member, after.member),
);

const MODE_CHANGES: Record<CallModeReason, Record<CallMode, string>> = {
  size: {
    sfu: 'This call grew large, so its audio now goes through the server. A short gap is normal.',
    mesh: 'This call is small again, so members now connect to each other directly. A short gap is normal.',
  },
  policy: {
    sfu: 'An admin set this channel to send audio through the server.',
    mesh: 'An admin set this channel to connect members directly.',
  },
  sfu_unavailable: {
    sfu: "The server's media server stopped; this call reconnected.",
    mesh: "The server's media server stopped, so members now connect to each other directly until it is back.",
  },
  sfu_restored: {
    sfu: "The server's media server is back, and this call uses it again.",
    mesh: "The server's media server is back.",
  },
};

/**
 * How the call carries audio, when it is through the server (with what that means for encryption), and what just
 * changed: a live region, so a switch is announced without moving focus.
 */
function CallModeNotice({ mode, reason }: { mode: CallMode | null; reason: CallModeReason | null }) {
  if (mode === null) return null;
  const change = reason === null ? null : MODE_CHANGES[reason][mode];
  if (mode === 'mesh' && change === null) return null;
  return (
    <p className="call-notice" role="status">
      {mode === 'sfu' ? 'Large channel: audio goes through the server, encrypted to the server. ' : ''}
      {change}
    </p>
  );
}

/**
 * The call view (Slack huddles, Discord's voice stage): a tile per member including yourself, with speaking rings and
 * voice-state icons everyone sees, each member's menu, the call's encryption state and the Verify call dialog.
 * While the connection is down it keeps the last members it knew, greyed, instead of claiming the room is empty.
 */
export function CallView({ channel }: { channel: Channel }) {
  const { voice, realtime } = useStores();
  const { members: list, here } = useCallMembers(channel.id);
  const online = useStore(realtime.store, (state) => state.state === 'open');
  const phase = useVoice((state) => state.phase);
  const mode = useVoice((state) => state.mode);
  const modeReason = useVoice((state) => state.modeReason);
  const [verifying, setVerifying] = useState(false);
  const stale = !online || (here && phase === 'reconnecting');

  return (
    <section className="call-view" aria-label={`Call in ${channel.name}`}>
      <header className="call-header">
        <p className="muted small">
          {here ? 'You are in this call.' : list.length > 0 ? `${list.length} in this call` : 'Nobody is here yet.'}
        </p>
        {here && (
          <div className="call-security">
            <EncryptionBadge />
            <Button size="sm" onClick={() => setVerifying(true)}>
              Verify call
            </Button>
          </div>
        )}
      </header>
      {stale && list.length > 0 && (
        <p className="call-notice">Showing who was here when the connection dropped; whoot is reconnecting.</p>
      )}
      {here && !stale && <CallModeNotice mode={mode} reason={modeReason} />}
      {list.length === 0 ? (
        <div className="call-empty">
          <p className="empty-title">Nobody is in {channel.name} yet.</p>
          <p className="muted">Join, and others see you here.</p>
        </div>
      ) : (
        <ul className={classes('call-tiles', `call-tiles-${Math.min(list.length, 4)}`)} aria-label="Call members">
          {list.map((member) => (
            <CallTile key={member.userId} member={member} channelId={channel.id} stale={stale} />
          ))}
        </ul>
      )}
      {!here && voice !== null && (
        <div className="call-join">
          <Button variant="primary" onClick={() => void voice.join(channel.id)}>
            Join voice
          </Button>
        </div>
      )}
      <VerifyCallDialog open={verifying} onClose={() => setVerifying(false)} />
    </section>
  );
}
