import { useState } from 'react';
import { useStore } from 'zustand';
import { classes } from '../components/Button';
import { Icon } from '../components/Icon';
import { IconButton } from '../components/IconButton';
import { useVoice } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import type { VoiceErrorCode, VoicePhase } from '../voice/voiceState';
import { CallQualityDialog, qualityWord } from './CallQualityDialog';
import { EncryptionBadge } from './EncryptionBadge';

/** Errors that end a call by themselves: still worth saying after it ended. */
const CALL_ENDING: ReadonlySet<VoiceErrorCode> = new Set([
  'removed_from_channel',
  'removed_from_workspace',
  'session_ended',
  'credentials_unavailable',
  'credentials_expired',
  'join_refused',
]);

const PHASE_TEXT: Record<VoicePhase, string> = {
  idle: 'Not in a voice channel',
  joining: 'Joining…',
  connected: 'Voice connected',
  reconnecting: 'Voice reconnecting…',
};

/**
 * Discord's "Voice connected" bar at the foot of the sidebar, there whatever the main pane shows: the call's state
 * and channel (which opens the call view), its quality (which opens the table), and mute, deafen and leave.
 */
export function VoiceBar() {
  const { voice, channels, chat, navigation } = useStores();
  const channelId = useVoice((state) => state.channelId);
  const phase = useVoice((state) => state.phase);
  const error = useVoice((state) => state.error);
  const muted = useVoice((state) => state.muted);
  const deafened = useVoice((state) => state.deafened);
  const serverMuted = useVoice((state) => state.serverMuted);
  const inputMode = useVoice((state) => state.inputMode);
  const transmitting = useVoice((state) => state.transmitting);
  const microphoneOpen = useVoice((state) => state.microphoneOpen);
  // One word, so a stats tick that leaves it unchanged redraws nothing.
  const quality = useVoice((state) => qualityWord(Object.values(state.peers).map((peer) => peer.quality)));
  const channelName = useStore(channels, (state) => state.channels.find((item) => item.id === channelId)?.name);
  const [showQuality, setShowQuality] = useState(false);
  // The connection's own status says when the server is away; the voice bar does not repeat it as an error.
  const shownError = error?.code === 'signalling_unavailable' ? null : error;

  if (voice === null) return null;
  if (channelId === null) {
    // Out of a call, only why the call ended is news; a problem from during the call is over with it.
    const ended = shownError !== null && CALL_ENDING.has(shownError.code) ? shownError : null;
    return ended === null ? null : (
      <section className="voice-bar voice-bar-ended" aria-label="Voice">
        <p role="alert" className="voice-bar-error">
          {ended.message}
        </p>
      </section>
    );
  }

  // States the user chose or was put in. The voice gate opening and closing with each phrase is not one of them: the
  // status is a live region, and it would be read out at every pause.
  const settled = serverMuted
    ? 'muted by a moderator'
    : !microphoneOpen
      ? 'listen-only'
      : deafened
        ? 'deafened'
        : muted
          ? 'muted'
          : null;
  const announced = settled ?? (inputMode === 'pushToTalk' ? 'push-to-talk' : 'voice activity');
  const idle = inputMode === 'pushToTalk' ? 'push-to-talk: hold your key' : 'waiting for your voice';

  return (
    <section className="voice-bar" aria-label="Voice">
      <div className="voice-bar-top">
        <div className="voice-bar-state">
          <p role="status" className={classes('voice-bar-status', `voice-phase-${phase}`)}>
            <span className="voice-bar-phase">{PHASE_TEXT[phase]}</span>
            <span className="visually-hidden"> · {channelName}</span>
            <span className="visually-hidden"> ({announced})</span>
          </p>
          <button
            type="button"
            className="voice-bar-channel"
            onClick={() => {
              navigation.getState().go('workspace');
              void chat.getState().open(channelId);
            }}
          >
            {channelName ?? 'Voice channel'}
          </button>
          <span className="voice-bar-detail" aria-hidden="true">
            {settled ?? (
              // Both words stay laid out in one cell and the gate only shows one: a flip at every pause repaints
              // them, with no layout of the bar (or of the page around it).
              <span className="voice-bar-gate">
                <span className={classes(!transmitting && 'voice-bar-gate-off')}>sending</span>
                <span className={classes(transmitting && 'voice-bar-gate-off')}>{idle}</span>
              </span>
            )}
          </span>
        </div>
        <button
          type="button"
          className={classes('quality-button', 'has-tooltip', `quality-${quality}`)}
          aria-label="Call quality"
          onClick={() => setShowQuality(true)}
        >
          <Icon name="signal" size={20} />
          <span className="tooltip tooltip-top" aria-hidden="true">
            Call quality: {quality}
          </span>
        </button>
      </div>
      <div className="voice-bar-encryption">
        <EncryptionBadge compact />
      </div>
      <div role="alert" className="voice-bar-error">
        {shownError?.message}
      </div>
      <div className="voice-bar-controls">
        <IconButton
          label="Mute"
          icon={muted || deafened ? 'micOff' : 'mic'}
          pressed={muted}
          onClick={() => voice.setMuted(!muted)}
        />
        <IconButton
          label="Deafen"
          icon={deafened ? 'headphonesOff' : 'headphones'}
          pressed={deafened}
          onClick={() => voice.setDeafened(!deafened)}
        />
        <IconButton label="Leave channel" icon="hangUp" tone="danger" onClick={() => voice.leave()} />
      </div>
      <CallQualityDialog open={showQuality} onClose={() => setShowQuality(false)} />
    </section>
  );
}
