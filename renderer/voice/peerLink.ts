import type { IceCandidate, SessionDescription } from '../../shared/ws';
import type { VoiceClock } from './ports';

/** What the link sends to its peer through the signalling server. */
export type OutboundSignal = { description: SessionDescription } | { candidate: IceCandidate };

export interface PeerLinkOptions {
  readonly peerId: string;
  /**
   * Perfect negotiation's roles: on an offer collision the polite side rolls back and takes the other's offer, the
   * impolite side ignores the other's offer. The engine derives it from comparing peer ids, so exactly one side of
   * every pair is polite whoever joined first.
   */
  readonly polite: boolean;
  readonly pc: RTCPeerConnection;
  readonly send: (signal: OutboundSignal) => void;
  readonly clock: VoiceClock;
  /** Before an ICE restart: fresh ICE servers if the ones held are about to expire (null keeps the current). */
  readonly refreshIceServers: () => Promise<RTCConfiguration | null>;
  readonly onTrack: (track: MediaStreamTrack) => void;
  /** Runs after a remote offer is applied and before the answer is made: the answering side attaches its media. */
  readonly beforeAnswer?: () => Promise<void>;
  readonly onStateChange: () => void;
  readonly onError: (code: 'relay_unreachable' | 'credentials_rejected' | 'negotiation_failed') => void;
}

/** A 'disconnected' link usually recovers by itself within seconds; after this long it gets an ICE restart. */
export const DISCONNECTED_RESTART_MS = 4000;
/** Restarts after which a link still failing is reported as unreachable (it keeps trying with backoff). */
export const RESTARTS_BEFORE_REPORT = 2;
/** Negotiation retries (see recover()) before the user is told; each waits RECOVERY_BASE_MS longer than the last. */
export const FAILURES_BEFORE_REPORT = 3;
export const RECOVERY_BASE_MS = 300;

/**
 * One RTCPeerConnection to one remote member, negotiated with the W3C "perfect negotiation" pattern so that both
 * sides may add tracks, restart ICE or renegotiate at any time without glare: negotiationneeded makes an offer,
 * an incoming offer during our own is rolled back (polite) or ignored (impolite), and candidates for an ignored
 * offer are dropped quietly. Rollback is explicit because older libwebrtc builds (the bot's) lack the implicit one.
 */
export class PeerLink {
  readonly peerId: string;
  readonly pc: RTCPeerConnection;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private closed = false;
  private disconnectedTimer: unknown = null;
  private restarts = 0;
  private failures = 0;
  private receivedOffer = false;
  private recoveryTimer: unknown = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: PeerLinkOptions) {
    this.peerId = options.peerId;
    this.pc = options.pc;
    const { pc } = this;
    pc.addEventListener('negotiationneeded', () => void this.negotiate());
    pc.addEventListener('icecandidate', (event) => {
      const candidate = (event as RTCPeerConnectionIceEvent).candidate;
      // A null candidate is the end of gathering; the contract carries it as an empty candidate string.
      const init = candidate === null ? { candidate: '' } : candidate.toJSON();
      this.signal({
        candidate: {
          candidate: init.candidate ?? '',
          ...(init.sdpMid === undefined ? {} : { sdpMid: init.sdpMid }),
          ...(init.sdpMLineIndex === undefined ? {} : { sdpMLineIndex: init.sdpMLineIndex }),
          ...(init.usernameFragment === undefined ? {} : { usernameFragment: init.usernameFragment }),
        },
      });
    });
    pc.addEventListener('icecandidateerror', (event) => {
      // 401: the relay refused our credentials (expired or revoked); the next restart fetches fresh ones.
      const code = (event as RTCPeerConnectionIceErrorEvent).errorCode;
      if (code === 401 && pc.iceConnectionState !== 'connected') options.onError('credentials_rejected');
    });
    pc.addEventListener('track', (event) => options.onTrack((event as RTCTrackEvent).track));
    pc.addEventListener('iceconnectionstatechange', () => this.watchIce());
    pc.addEventListener('connectionstatechange', () => options.onStateChange());
  }

  /** A description or candidate from the peer, in arrival order (each waits for the one before it). */
  receive(signal: {
    description?: SessionDescription | undefined;
    candidate?: IceCandidate | undefined;
  }): Promise<void> {
    this.queue = this.queue
      .then(() => this.apply(signal))
      .catch(() => {
        if (!this.closed) this.options.onError('negotiation_failed');
      });
    return this.queue;
  }

  /** Starts an ICE restart now (network change, or a link that stays failed). */
  restartIce(): void {
    if (this.closed) return;
    void this.options.refreshIceServers().then((configuration) => {
      if (this.closed) return;
      if (configuration !== null) this.pc.setConfiguration(configuration);
      this.restarts += 1;
      if (typeof this.pc.restartIce === 'function') this.pc.restartIce();
      else void this.negotiate({ iceRestart: true });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disconnectedTimer !== null) this.options.clock.clearTimeout(this.disconnectedTimer);
    if (this.recoveryTimer !== null) this.options.clock.clearTimeout(this.recoveryTimer);
    this.disconnectedTimer = null;
    this.recoveryTimer = null;
    this.pc.close();
  }

  /**
   * A description that could not be applied (one that crossed with ours in flight, or arrived for an offer already
   * superseded) leaves the link wherever it was. Rather than hope the next negotiationneeded comes, the link rolls
   * back a stale local offer and offers again after a short, growing pause; the user hears of it only if that keeps
   * failing.
   */
  private recover(): void {
    if (this.closed) return;
    this.failures += 1;
    if (this.failures >= FAILURES_BEFORE_REPORT) this.options.onError('negotiation_failed');
    if (this.recoveryTimer !== null) return;
    this.recoveryTimer = this.options.clock.setTimeout(
      () => {
        this.recoveryTimer = null;
        if (this.closed || this.pc.connectionState === 'connected') return;
        const { signalingState } = this.pc;
        if (signalingState === 'have-local-offer') {
          void this.pc
            .setLocalDescription({ type: 'rollback' })
            .then(() => this.negotiate())
            .catch(() => this.recover());
        } else if (signalingState === 'stable') {
          void this.negotiate();
        }
      },
      RECOVERY_BASE_MS * Math.min(this.failures, 8),
    );
  }

  /** Whether the peer has made an offer on this link yet (the answering side waits for one). */
  hasReceivedOffer(): boolean {
    return this.receivedOffer;
  }

  isClosed(): boolean {
    return this.closed;
  }

  private signal(signal: OutboundSignal): void {
    if (!this.closed) this.options.send(signal);
  }

  private async negotiate(offerOptions?: RTCOfferOptions): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      const offer = await this.pc.createOffer(offerOptions);
      // Another description may have been applied while the offer was made; then this offer is stale.
      if (this.pc.signalingState !== 'stable' || this.closed) return;
      await this.pc.setLocalDescription(offer);
      this.sendLocalDescription();
    } catch {
      this.recover();
    } finally {
      this.makingOffer = false;
    }
  }

  private sendLocalDescription(): void {
    const local = this.pc.localDescription;
    if (local === null || (local.type !== 'offer' && local.type !== 'answer')) return;
    this.signal({ description: { type: local.type, sdp: local.sdp } });
  }

  private async apply(signal: { description?: SessionDescription | undefined; candidate?: IceCandidate | undefined }) {
    if (this.closed) return;
    const { pc } = this;
    if (signal.description !== undefined) {
      const description = signal.description;
      if (description.type === 'rollback') return;
      const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
      const collision = description.type === 'offer' && !readyForOffer;
      this.ignoreOffer = !this.options.polite && collision;
      if (this.ignoreOffer) return;
      // Only a local offer already set needs rolling back; one still being made is dropped by negotiate() itself.
      if (collision && pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      this.settingRemoteAnswer = description.type === 'answer';
      try {
        await pc.setRemoteDescription(description);
      } finally {
        this.settingRemoteAnswer = false;
      }
      if (description.type === 'offer') {
        this.receivedOffer = true;
        await this.options.beforeAnswer?.();
        await pc.setLocalDescription(await pc.createAnswer());
        this.sendLocalDescription();
      }
      return;
    }
    if (signal.candidate !== undefined) {
      try {
        if (signal.candidate.candidate === '') {
          await pc.addIceCandidate(undefined);
        } else {
          await pc.addIceCandidate(signal.candidate);
        }
      } catch (error) {
        // Candidates of an offer we ignored cannot apply; anything else is a real failure.
        if (!this.ignoreOffer && signal.candidate.candidate !== '') throw error;
      }
    }
  }

  private watchIce(): void {
    const state = this.pc.iceConnectionState;
    const { clock } = this.options;
    if (state === 'connected' || state === 'completed') {
      this.restarts = 0;
      this.failures = 0;
      if (this.disconnectedTimer !== null) clock.clearTimeout(this.disconnectedTimer);
      this.disconnectedTimer = null;
    } else if (state === 'disconnected') {
      if (this.disconnectedTimer === null) {
        this.disconnectedTimer = clock.setTimeout(() => {
          this.disconnectedTimer = null;
          if (this.pc.iceConnectionState === 'disconnected') this.restartIce();
        }, DISCONNECTED_RESTART_MS);
      }
    } else if (state === 'failed') {
      if (this.restarts >= RESTARTS_BEFORE_REPORT) this.options.onError('relay_unreachable');
      // Only the impolite side restarts, so one failure does not become two crossing restarts.
      if (!this.options.polite || this.restarts >= RESTARTS_BEFORE_REPORT) this.restartIce();
    }
    this.options.onStateChange();
  }
}
