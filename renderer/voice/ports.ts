import type { AudioProcessing } from '../../shared/voicePreferences';
import type { Result } from '../../shared/result';
import type { ClientMessage, ServerMessage } from '../../shared/ws';
import type { IceServerEntry } from '../stores/voiceCredentialsStore';

/**
 * Everything the voice engine reaches outside itself. The app passes the browser's parts (RTCPeerConnection,
 * getUserMedia, Web Audio, the renderer's WSS client); the headless bot passes @roamhq/wrtc's and the `ws`
 * package's. The engine itself never touches a global, so one negotiation and teardown path serves both.
 */
export interface VoicePorts {
  /** The RTCPeerConnection constructor to use (window's, or @roamhq/wrtc's). */
  readonly createPeerConnection: (configuration: RTCConfiguration) => RTCPeerConnection;
  readonly microphone: MicrophonePort;
  readonly speakers: SpeakerPort;
  readonly signalling: SignallingPort;
  /** Short-lived ICE servers for one channel; main fetches them with a signed request (`voice.credentials`). */
  readonly credentials: (channelId: string) => Promise<Result<VoiceCredentials>>;
  readonly clock?: VoiceClock;
  /** Fires 'online' when the network comes back (window in the app): the engine restarts ICE at once. */
  readonly network?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
}

export interface VoiceCredentials {
  readonly iceServers: readonly IceServerEntry[];
  readonly iceTransportPolicy: 'relay' | 'all';
  /** Unix milliseconds after which the relay refuses these credentials for a new allocation. */
  readonly expiresAt: number;
}

export interface VoiceClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The timers of the page (or Node, in the bot); tests pass their own. */
export const realClock: VoiceClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** Audio processing the user can switch off one by one (users ask for AGC off in particular). */
export type { AudioProcessing };

export type MicrophoneErrorCode = 'denied' | 'not_found' | 'busy' | 'failed';

export class MicrophoneError extends Error {
  constructor(
    readonly code: MicrophoneErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MicrophoneError';
  }
}

export interface MicrophonePort {
  /** Opens the input (null: the system default). Rejects with MicrophoneError. */
  open(deviceId: string | null, processing: AudioProcessing): Promise<MediaStreamTrack>;
  /** Device ids of the audio inputs present now (for unplug/replug handling); null when the port cannot tell. */
  inputIds?(): Promise<readonly string[] | null>;
  /** Subscribes to device changes (navigator.mediaDevices 'devicechange'); returns the unsubscribe. */
  onDeviceChange?(listener: () => void): () => void;
  /**
   * A level meter on the microphone, read before mute and voice activity are applied (the engine gates by
   * disabling the sent track, so a meter on that track would read silence). Without one, the engine reads the
   * media-source level from RTCStats, which exists only while a peer is connected.
   */
  meter?(track: MediaStreamTrack): LevelMeter;
}

export interface LevelMeter {
  /** 0 to 1: the peak amplitude since the previous read. Resumes a paused meter (its next reads are real). */
  level(): number;
  /**
   * Stops the meter's work until the next level(): the engine reads the sender's media-source level instead while
   * the sent track is enabled, and needs this meter only while that track is disabled (muted, push-to-talk released,
   * voice gate closed), when the sender measures silence. Optional: a meter that costs nothing has none.
   */
  pause?(): void;
  stop(): void;
}

/** Where remote audio goes: Web Audio in the app (per-user gain up to 200 %, output device), a recorder in the bot. */
export interface SpeakerPort {
  attach(peerId: string, track: MediaStreamTrack): void;
  detach(peerId: string): void;
  /** 0 to 2 (0 % to 200 %). */
  setVolume(peerId: string, volume: number): void;
  setDeafened(deafened: boolean): void;
  /** null: the system default. Rejects when the device is gone. */
  setOutputDevice(deviceId: string | null): Promise<void>;
  /** Device ids of the audio outputs present now; null when the port cannot tell. */
  outputIds?(): Promise<readonly string[] | null>;
  /** 0 to 1: the peak of the peer's received audio since the last read, before volume and deafen; null if unknown. */
  level?(peerId: string): number | null;
  close(): void;
}

export type SignallingState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a connection closed for good: asked to, the session ended, the user was removed from the workspace. */
export type SignallingEndReason = 'stopped' | 'session_ended' | 'removed' | 'not_signed_in';

/** The renderer's WSS connection as the engine sees it: room messages out, room messages and state changes in. */
export interface SignallingPort {
  state(): SignallingState;
  /** This connection's peer id in rooms; new on every connection, null while not connected. */
  connectionId(): string | null;
  /** Who this connection is signed in as, null while not connected. */
  userId(): string | null;
  /** False when the socket is not open (the message is not queued: rooms are rejoined after a reconnect). */
  send(message: ClientMessage): boolean;
  onMessage(listener: (message: ServerMessage) => void): () => void;
  onStateChange(listener: (state: SignallingState) => void): () => void;
  /** Once closed for good, why (null before, or where the port cannot tell). */
  endReason?(): SignallingEndReason | null;
}
