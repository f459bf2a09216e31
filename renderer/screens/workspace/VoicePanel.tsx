import { useState } from 'react';
import { useStore } from 'zustand';
import type { Result } from '../../../shared/result';
import { useStores } from '../../storesContext';
import type { CallQuality } from '../../voice/callStats';
import type { PeerView, VoicePhase } from '../../voice/voiceState';
import { useVoice } from './useVoice';

const PHASE_TEXT: Record<VoicePhase, string> = {
  idle: 'Not in a voice channel',
  joining: 'Joining…',
  connected: 'Voice connected',
  reconnecting: 'Reconnecting…',
};

const figure = (value: number | null, unit: string, digits = 0) =>
  value === null ? '–' : `${value.toFixed(digits)} ${unit}`;

function QualityTable({ quality, name }: { quality: CallQuality | null; name: string }) {
  const path =
    quality === null || quality.localCandidateType === null
      ? 'not connected yet'
      : quality.relayed
        ? `relayed (${quality.relayProtocol ?? 'udp'})`
        : `direct (${quality.localCandidateType} / ${quality.remoteCandidateType ?? '?'})`;
  return (
    <table className="quality-table" aria-label={`Call quality with ${name}`}>
      <tbody>
        <tr>
          <th scope="row">Path</th>
          <td>{path}</td>
        </tr>
        <tr>
          <th scope="row">Round trip</th>
          <td>{figure(quality?.roundTripMs ?? null, 'ms')}</td>
        </tr>
        <tr>
          <th scope="row">Jitter</th>
          <td>{figure(quality?.jitterMs ?? null, 'ms', 1)}</td>
        </tr>
        <tr>
          <th scope="row">Packet loss</th>
          <td>{figure(quality?.lossPercent ?? null, '%', 1)}</td>
        </tr>
        <tr>
          <th scope="row">Bitrate in / out</th>
          <td>
            {figure(quality?.inboundKbps ?? null, 'kbit/s')} / {figure(quality?.outboundKbps ?? null, 'kbit/s')}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

/** Owners and admins moderate voice; the server checks the role again and enforces the result. */
function Moderation({ userId, name }: { userId: string; name: string }) {
  const { channels } = useStores();
  const muted = useStore(channels, (state) => state.serverMuted[userId] === true);
  const voiceChannels = useStore(channels, (state) => state.channels);
  const [target, setTarget] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const { setServerMute, moveToChannel } = channels.getState();
  const run = async (action: Promise<Result<unknown>>) => {
    const result = await action;
    setProblem(result.ok ? null : result.error.message);
  };
  return (
    <div className="moderation" role="group" aria-label={`Moderate ${name}`}>
      <button
        type="button"
        className="button button-small"
        aria-pressed={muted}
        onClick={() => void run(setServerMute(userId, !muted))}
      >
        Server mute
      </button>
      <label className="small">
        Move to{' '}
        <select value={target} onChange={(event) => setTarget(event.target.value)}>
          <option value="">choose a channel</option>
          {voiceChannels
            .filter((channel) => channel.kind === 'voice')
            .map((channel) => (
              <option key={channel.id} value={channel.id}>
                {channel.name}
              </option>
            ))}
        </select>
      </label>
      <button
        type="button"
        className="button button-small"
        disabled={target === ''}
        onClick={() => void run(moveToChannel(userId, target))}
      >
        Move
      </button>
      <button
        type="button"
        className="button button-small button-danger"
        onClick={() => void run(moveToChannel(userId, null))}
      >
        Disconnect
      </button>
      <span role="alert" className="alert-inline small">
        {problem}
      </span>
    </div>
  );
}

function CallMember({ peer }: { peer: PeerView }) {
  const { channels, voice, workspace } = useStores();
  const canModerate = useStore(workspace, (state) => {
    const role = state.workspaces.find((item) => item.id === state.selectedId)?.role;
    return role === 'owner' || role === 'admin';
  });
  const serverMuted = useStore(channels, (state) => state.serverMuted[peer.userId] === true);
  const name = useStore(channels, (state) => state.members[peer.userId]?.displayName ?? 'Unknown member');
  const volume = useVoice((state) => state.volumes[peer.userId] ?? 1);
  const [showQuality, setShowQuality] = useState(false);
  const percent = Math.round(volume * 100);

  return (
    <li className={peer.speaking ? 'call-member speaking' : 'call-member'} data-peer-id={peer.peerId}>
      <div className="call-member-head">
        <span className="avatar avatar-small" aria-hidden="true">
          {name.charAt(0).toUpperCase()}
        </span>
        <span className="call-member-name">{name}</span>
        <span className="muted small">
          {serverMuted
            ? 'muted by a moderator'
            : peer.speaking
              ? 'speaking'
              : peer.connectionState === 'connected'
                ? 'connected'
                : peer.connectionState}
        </span>
      </div>
      {canModerate && <Moderation userId={peer.userId} name={name} />}
      <label className="volume">
        <span>
          Volume for {name}: {percent}%
        </span>
        <input
          type="range"
          min={0}
          max={200}
          step={5}
          value={percent}
          onChange={(event) => voice?.setPeerVolume(peer.userId, Number(event.target.value) / 100)}
        />
      </label>
      <p className="safety-code">
        {peer.safety === 'mismatch' ? (
          <strong role="alert">Safety check failed with {name}: the encryption keys do not match.</strong>
        ) : peer.safetyCode === null ? (
          <span className="muted small">Safety code: waiting for the encrypted connection…</span>
        ) : (
          <>
            <span className="muted small">Safety code with {name} (compare it aloud): </span>
            <code aria-label={`Safety code with ${name}`}>{peer.safetyCode}</code>
          </>
        )}
      </p>
      <button
        type="button"
        className="button button-small"
        aria-expanded={showQuality}
        onClick={() => setShowQuality((shown) => !shown)}
      >
        Call quality
      </button>
      {showQuality && <QualityTable quality={peer.quality} name={name} />}
    </li>
  );
}

/** The call: state, controls, errors and the members with their volume, safety code and quality. */
export function VoicePanel() {
  const { voice, channels } = useStores();
  const channelId = useVoice((state) => state.channelId);
  const phase = useVoice((state) => state.phase);
  const error = useVoice((state) => state.error);
  const muted = useVoice((state) => state.muted);
  const deafened = useVoice((state) => state.deafened);
  const serverMuted = useVoice((state) => state.serverMuted);
  const inputMode = useVoice((state) => state.inputMode);
  const transmitting = useVoice((state) => state.transmitting);
  const microphoneOpen = useVoice((state) => state.microphoneOpen);
  const peers = useVoice((state) => state.peers);
  const channelName = useStore(channels, (state) => state.channels.find((item) => item.id === channelId)?.name);

  if (voice === null) {
    return (
      <section className="voice-panel" aria-label="Voice call">
        <p className="muted">Voice is not available in this window.</p>
      </section>
    );
  }

  const members = Object.values(peers);
  return (
    <section className="voice-panel" aria-label="Voice call">
      <div className="voice-status" role="status">
        <strong>{PHASE_TEXT[phase]}</strong>
        {channelName !== undefined && channelId !== null && <span className="muted"> · {channelName}</span>}
        {channelId !== null && (
          <span className="muted small">
            {' · '}
            {serverMuted
              ? 'muted by a moderator'
              : !microphoneOpen
                ? 'listen-only'
                : transmitting
                  ? 'sending'
                  : inputMode === 'pushToTalk'
                    ? 'push-to-talk: hold your key to talk'
                    : muted
                      ? 'muted'
                      : 'waiting for your voice'}
          </span>
        )}
      </div>
      <div role="alert" className="alert alert-inline">
        {error?.message}
      </div>
      {channelId !== null && (
        <div className="voice-controls">
          <button type="button" className="button" aria-pressed={muted} onClick={() => voice.setMuted(!muted)}>
            Mute
          </button>
          <button type="button" className="button" aria-pressed={deafened} onClick={() => voice.setDeafened(!deafened)}>
            Deafen
          </button>
          <button type="button" className="button button-danger" onClick={() => voice.leave()}>
            Leave channel
          </button>
        </div>
      )}
      {channelId !== null && (
        <ul className="call-members" aria-label="Call members">
          {members.length === 0 ? (
            <li className="muted small">Nobody else is here yet.</li>
          ) : (
            members.map((peer) => <CallMember key={peer.peerId} peer={peer} />)
          )}
        </ul>
      )}
    </section>
  );
}
