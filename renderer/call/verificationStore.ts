import { createStore, type StoreApi } from 'zustand/vanilla';
import type { VoiceEngine } from '../voice/voiceEngine';

export type Verdict = 'match' | 'mismatch';

export interface VerificationState {
  /** What the user said after comparing the safety code aloud, by peer and code: a new code needs a new check. */
  readonly verdicts: Readonly<Record<string, { readonly code: string; readonly verdict: Verdict }>>;
  record(peerId: string, code: string, verdict: Verdict): void;
}

export type VerificationStore = StoreApi<VerificationState>;

/**
 * The user's own verification of the call (Element's "compare the numbers"): kept for the call and forgotten when it
 * ends, since every call negotiates new keys and so new codes.
 */
export function createVerificationStore(engine: VoiceEngine | null): { store: VerificationStore; dispose: () => void } {
  const store = createStore<VerificationState>()((set, get) => ({
    verdicts: {},
    record(peerId, code, verdict) {
      set({ verdicts: { ...get().verdicts, [peerId]: { code, verdict } } });
    },
  }));
  const dispose =
    engine?.store.subscribe((state, previous) => {
      if (state.channelId !== previous.channelId) store.setState({ verdicts: {} });
    }) ?? (() => undefined);
  return { store, dispose };
}

/**
 * `server`: the call goes through the server's media server (SFU), which decrypts it: encrypted on the way to the
 * server, not end to end, and there is no safety code to compare (docs/voice.md, "What each mode encrypts").
 */
export type EncryptionState = 'alone' | 'pending' | 'unverified' | 'verified' | 'failed' | 'server';

/** The call's encryption in one state, for the one word the call always shows. */
export function encryptionState(
  peers: readonly { peerId: string; safety: 'pending' | 'ready' | 'mismatch'; safetyCode: string | null }[],
  verdicts: VerificationState['verdicts'],
  mode: 'mesh' | 'sfu' | null = 'mesh',
): EncryptionState {
  if (mode === 'sfu') return 'server';
  if (peers.length === 0) return 'alone';
  const verdictOf = (peer: (typeof peers)[number]) => {
    const recorded = verdicts[peer.peerId];
    return recorded !== undefined && recorded.code === peer.safetyCode ? recorded.verdict : null;
  };
  if (peers.some((peer) => peer.safety === 'mismatch' || verdictOf(peer) === 'mismatch')) return 'failed';
  if (peers.some((peer) => peer.safety === 'pending')) return 'pending';
  return peers.every((peer) => verdictOf(peer) === 'match') ? 'verified' : 'unverified';
}
