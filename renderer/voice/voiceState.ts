import type { CallMode, CallModeReason } from '../../shared/voiceRoomState';
import type { CallQuality } from './callStats';
import {
  DEFAULT_PROCESSING,
  DEFAULT_SENSITIVITY_DB,
  MAX_PEER_VOLUME,
  type AudioProcessing,
} from '../../shared/voicePreferences';

export type VoicePhase = 'idle' | 'joining' | 'connected' | 'reconnecting';
export type InputMode = 'voiceActivity' | 'pushToTalk';

export type VoiceErrorCode =
  | 'microphone_denied'
  | 'microphone_missing'
  | 'microphone_busy'
  | 'microphone_failed'
  | 'credentials_unavailable'
  | 'credentials_expired'
  | 'relay_unreachable'
  | 'signalling_unavailable'
  | 'join_refused'
  | 'negotiation_failed'
  | 'safety_mismatch'
  | 'removed_from_channel'
  | 'removed_from_workspace'
  | 'session_ended';

export interface VoiceError {
  readonly code: VoiceErrorCode;
  readonly message: string;
}

export type SafetyStatus = 'pending' | 'ready' | 'mismatch';

export interface PeerView {
  readonly peerId: string;
  readonly userId: string;
  readonly connectionState: RTCPeerConnectionState;
  readonly speaking: boolean;
  readonly quality: CallQuality | null;
  /** Six groups of five digits, identical on both ends of an untampered call. */
  readonly safetyCode: string | null;
  readonly safety: SafetyStatus;
  /** Whether the DTLS certificate stats confirmed the fingerprints the descriptions carried. */
  readonly safetyCheckedByStats: boolean;
}

export interface VoiceState {
  readonly channelId: string | null;
  readonly phase: VoicePhase;
  /**
   * How the call carries audio: `mesh` (a link per member, encrypted end to end) or `sfu` (through the server's
   * media server, encrypted to the server); null when not in a call.
   */
  readonly mode: CallMode | null;
  /** Why the mode last changed during this call (null: it is what the room had when we joined). */
  readonly modeReason: CallModeReason | null;
  /** The latest problem worth telling the user; cleared on the next successful join. */
  readonly error: VoiceError | null;
  readonly peers: Readonly<Record<string, PeerView>>;
  readonly muted: boolean;
  readonly deafened: boolean;
  /** Muted by a moderator: enforced by the relay, shown here so the user knows why nobody hears them. */
  readonly serverMuted: boolean;
  readonly inputMode: InputMode;
  /** Push-to-talk key held (or toggled on). */
  readonly talking: boolean;
  /** Voice-activity threshold in dBFS. */
  readonly sensitivityDb: number;
  /** Whether the microphone is actually being sent right now (mute, mode and voice activity combined). */
  readonly transmitting: boolean;
  /** The microphone's level, 0 to 1: kept here only while a meter watches it (VoiceEngine.watchLevel). */
  readonly localLevel: number;
  readonly localSpeaking: boolean;
  /** False when joined listen-only because the microphone could not be opened. */
  readonly microphoneOpen: boolean;
  /** Per-user volume, 0 to 2, kept across calls and reconnections. */
  readonly volumes: Readonly<Record<string, number>>;
  readonly processing: AudioProcessing;
  readonly inputDeviceId: string | null;
  readonly outputDeviceId: string | null;
  /** How many times signalling came back and the call was rejoined without the user doing anything. */
  readonly rejoins: number;
}

export function initialVoiceState(): VoiceState {
  return {
    channelId: null,
    phase: 'idle',
    mode: null,
    modeReason: null,
    error: null,
    peers: {},
    muted: false,
    deafened: false,
    serverMuted: false,
    inputMode: 'voiceActivity',
    talking: false,
    sensitivityDb: DEFAULT_SENSITIVITY_DB,
    transmitting: false,
    localLevel: 0,
    localSpeaking: false,
    microphoneOpen: false,
    volumes: {},
    processing: DEFAULT_PROCESSING,
    inputDeviceId: null,
    outputDeviceId: null,
    rejoins: 0,
  };
}

/** Whether the microphone should be sent, from the controls and (in voice-activity mode) the gate. */
/** Whether the microphone may be heard at all: not muted, deafened or muted by the server. */
export function microphoneLive(state: Pick<VoiceState, 'muted' | 'deafened' | 'serverMuted'>): boolean {
  // Deafened implies muted, as in Discord and Mumble: you should not talk into a call you cannot hear.
  return !(state.muted || state.deafened || state.serverMuted);
}

export function shouldTransmit(
  state: Pick<VoiceState, 'muted' | 'deafened' | 'serverMuted' | 'inputMode' | 'talking'>,
  voiceActive: boolean,
): boolean {
  if (!microphoneLive(state)) return false;
  return state.inputMode === 'pushToTalk' ? state.talking : voiceActive;
}

export function clampVolume(volume: number): number {
  if (!Number.isFinite(volume)) return 1;
  return Math.min(MAX_PEER_VOLUME, Math.max(0, volume));
}
