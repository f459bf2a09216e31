import { useEffect } from 'react';
import { useStore } from 'zustand';
import { Dialog } from '../components/Dialog';
import { useVoice } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import type { CallQuality } from '../voice/callStats';

const figure = (value: number | null, unit: string, digits = 0) =>
  value === null ? '–' : `${value.toFixed(digits)} ${unit}`;

function QualityTable({ quality, name, viaServer }: { quality: CallQuality | null; name: string; viaServer: boolean }) {
  const path =
    quality === null || quality.localCandidateType === null
      ? 'not connected yet'
      : quality.relayed
        ? `relayed${viaServer ? ' to the media server' : ''} (${quality.relayProtocol ?? 'udp'})`
        : `direct (${quality.localCandidateType} / ${quality.remoteCandidateType ?? '?'})`;
  const rows: readonly (readonly [string, string])[] = [
    ['Path', path],
    ['Round trip', figure(quality?.roundTripMs ?? null, 'ms')],
    ['Jitter', figure(quality?.jitterMs ?? null, 'ms', 1)],
    ['Packet loss', figure(quality?.lossPercent ?? null, '%', 1)],
    [
      'Bitrate in / out',
      `${figure(quality?.inboundKbps ?? null, 'kbit/s')} / ${figure(quality?.outboundKbps ?? null, 'kbit/s')}`,
    ],
  ];
  return (
    <table className="quality-table" aria-label={`Call quality with ${name}`}>
      <caption>{name}</caption>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The call's quality per member, opened from the voice bar's signal indicator: there when asked for, not always.
 * Only while it is open does the engine read stats twice a second (watchQuality), and only then does anything
 * re-render for each new figure.
 */
export function CallQualityDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return open ? <OpenQualityDialog onClose={onClose} /> : null;
}

function OpenQualityDialog({ onClose }: { onClose: () => void }) {
  const { channels, voice } = useStores();
  useEffect(() => voice?.watchQuality(), [voice]);
  const peers = useVoice((state) => state.peers);
  const viaServer = useVoice((state) => state.mode === 'sfu');
  const members = useStore(channels, (state) => state.members);
  const list = Object.values(peers);
  return (
    <Dialog
      open
      onClose={onClose}
      title="Call quality"
      description={
        viaServer
          ? "Measured on each member's audio as the server's media server forwards it, every half second. Relayed means your address stays hidden."
          : 'Measured on each encrypted connection of this call, every half second. Relayed means your address stays hidden.'
      }
    >
      {list.length === 0 ? (
        <p className="muted">Nobody else is connected yet.</p>
      ) : (
        <div className="quality-tables">
          {list.map((peer) => (
            <QualityTable
              key={peer.peerId}
              quality={peer.quality}
              viaServer={viaServer}
              name={members[peer.userId]?.displayName ?? 'Unknown member'}
            />
          ))}
        </div>
      )}
    </Dialog>
  );
}

/** A signal-bars figure for the voice bar: the worst member's round trip and loss, in one word. */
export function qualityWord(qualities: readonly (CallQuality | null)[]): 'good' | 'fair' | 'poor' | 'unknown' {
  const known = qualities.filter((quality): quality is CallQuality => quality?.roundTripMs != null);
  if (known.length === 0) return 'unknown';
  const worstRtt = Math.max(...known.map((quality) => quality.roundTripMs ?? 0));
  const worstLoss = Math.max(...known.map((quality) => quality.lossPercent ?? 0));
  if (worstRtt > 400 || worstLoss > 5) return 'poor';
  if (worstRtt > 150 || worstLoss > 1) return 'fair';
  return 'good';
}
