import { useStore } from 'zustand';
import { Button } from '../components/Button';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { useVoice } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import type { PeerView } from '../voice/voiceState';

function PeerCode({ peer, name }: { peer: PeerView; name: string }) {
  const { verification } = useStores();
  const recorded = useStore(verification, (state) => state.verdicts[peer.peerId]);
  const verdict = recorded !== undefined && recorded.code === peer.safetyCode ? recorded.verdict : null;

  if (peer.safety === 'mismatch') {
    return (
      <li className="verify-peer verify-peer-failed">
        <p className="verify-peer-name">{name}</p>
        <p role="alert" className="verify-warning">
          <Icon name="warning" size={18} />
          Safety check failed with {name}: the encryption keys do not match what was announced. Someone may be listening
          in. Leave the call and tell your admin.
        </p>
      </li>
    );
  }
  if (peer.safetyCode === null) {
    return (
      <li className="verify-peer">
        <p className="verify-peer-name">{name}</p>
        <p className="muted">Waiting for the encrypted connection…</p>
      </li>
    );
  }
  const groups = peer.safetyCode.split(' ');
  return (
    <li className="verify-peer">
      <p className="verify-peer-name">{name}</p>
      <div className="safety-code" role="group" aria-label={`Safety code with ${name}`}>
        <code>
          {groups.map((group, index) => (
            <span key={index} className="safety-group">
              {group}
              {index < groups.length - 1 ? ' ' : ''}
            </span>
          ))}
        </code>
      </div>
      {verdict === 'match' ? (
        <p className="verify-result verify-result-good">
          <Icon name="check" size={18} /> You confirmed these numbers match.
        </p>
      ) : verdict === 'mismatch' ? (
        <p className="verify-result verify-result-bad" role="alert">
          <Icon name="warning" size={18} /> You said these numbers differ: someone may be listening in. Leave the call.
        </p>
      ) : (
        <div className="verify-actions">
          <Button
            size="sm"
            variant="primary"
            onClick={() => verification.getState().record(peer.peerId, peer.safetyCode ?? '', 'match')}
          >
            They match
          </Button>
          <Button
            size="sm"
            onClick={() => verification.getState().record(peer.peerId, peer.safetyCode ?? '', 'mismatch')}
          >
            They don&apos;t match
          </Button>
        </div>
      )}
    </li>
  );
}

/**
 * Element's "compare the numbers", for a call: what to compare, with whom, and why it proves something. Each code is
 * derived from both ends' DTLS certificate fingerprints, so anyone relaying the call with their own keys changes it.
 */
export function VerifyCallDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  // Closed, it reads nothing: the engine's state changes several times a second during a call.
  return open ? <OpenVerifyDialog onClose={onClose} /> : null;
}

function OpenVerifyDialog({ onClose }: { onClose: () => void }) {
  const { channels } = useStores();
  const peers = useVoice((state) => state.peers);
  const mode = useVoice((state) => state.mode);
  const members = useStore(channels, (state) => state.members);
  const list = Object.values(peers);
  if (mode === 'sfu') return <ServerEncryptedCall open onClose={onClose} />;
  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title="Verify this call"
      description={
        <>
          <p>
            Read the numbers aloud with each person, in the call itself. They are made from the encryption keys of your
            device and theirs, so they are the same on both screens unless someone in between (even the server) is
            relaying the call with keys of their own.
          </p>
          <p>If the numbers match, only the two of you hold the keys. If they differ, leave the call.</p>
        </>
      }
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      {list.length === 0 ? (
        <p className="muted">Nobody else is in the call yet, so there is nothing to compare.</p>
      ) : (
        <ul className="verify-list" aria-label="Safety codes">
          {list.map((peer) => (
            <PeerCode key={peer.peerId} peer={peer} name={members[peer.userId]?.displayName ?? 'Unknown member'} />
          ))}
        </ul>
      )}
    </Dialog>
  );
}

/**
 * A call through the server's media server has no safety code: its keys end at the server, so comparing numbers
 * could only prove the link to the server, and showing any would claim more than that. Say so, and why.
 */
function ServerEncryptedCall({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="lg"
      title="This call is encrypted to the server"
      description={
        <>
          <p>
            This channel is large, so its audio goes through the server&apos;s media server: each device sends its voice
            there once, and the server forwards it to everyone else. Audio is encrypted between your device and the
            server, and the server can hear the call.
          </p>
          <p>
            There are no safety codes to compare in this mode: they could only prove your link to the server, not to the
            other people. Smaller calls connect device to device, encrypted end to end, with safety codes.
          </p>
        </>
      }
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <p className="muted">
        <Icon name="lock" size={18} /> Encrypted to server
      </p>
    </Dialog>
  );
}
