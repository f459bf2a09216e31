import { useStore } from 'zustand';
import { classes } from '../components/Button';
import { Icon, type IconName } from '../components/Icon';
import { sameRecords, useVoice, useVoiceWith } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import { encryptionState, type EncryptionState } from './verificationStore';

const LOOK: Record<EncryptionState, { icon: IconName; word: string; tone: string }> = {
  alone: { icon: 'lock', word: 'Encrypted', tone: 'neutral' },
  pending: { icon: 'lock', word: 'Securing…', tone: 'neutral' },
  unverified: { icon: 'lock', word: 'Not verified', tone: 'warn' },
  verified: { icon: 'lockCheck', word: 'Verified', tone: 'good' },
  failed: { icon: 'lockBroken', word: 'Verification failed', tone: 'bad' },
  // Through the SFU: encrypted to the server, which can hear the call. Said as plainly as the other states.
  server: { icon: 'lock', word: 'Encrypted to server', tone: 'warn' },
};

/** The call's encryption state, always on screen, in one word and an icon. */
export function useEncryptionState(): EncryptionState {
  const { verification } = useStores();
  const peers = useVoiceWith(
    (state) => Object.values(state.peers).map(({ peerId, safety, safetyCode }) => ({ peerId, safety, safetyCode })),
    sameRecords,
  );
  const connected = useVoice((state) => state.phase === 'connected');
  const mode = useVoice((state) => state.mode);
  const verdicts = useStore(verification, (state) => state.verdicts);
  // Between connections there is nothing encrypted to speak of yet: the peers come back with new keys.
  return connected ? encryptionState(peers, verdicts, mode) : 'pending';
}

export function EncryptionBadge({ compact = false }: { compact?: boolean }) {
  const state = useEncryptionState();
  const look = LOOK[state];
  return (
    <span className={classes('encryption-badge', `encryption-${look.tone}`, compact && 'encryption-compact')}>
      <Icon name={look.icon} size={16} />
      <span>
        {compact ? null : <span className="visually-hidden">Encryption: </span>}
        {look.word}
      </span>
    </span>
  );
}
