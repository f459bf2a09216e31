import type { ClientMessage, IceCandidate, ServerMessage, SfuLink, SfuStream } from '../../shared/ws';
import { statsEntries, type StatsEntry } from './callStats';
import { DISCONNECTED_RESTART_MS, RESTARTS_BEFORE_REPORT } from './peerLink';
import type { VoiceClock } from './ports';

/**
 * How long the receiving link waits for the media server's new offer after asking for an ICE restart before it asks
 * again: Janus turns a restart down without a word while a renegotiation of that link is under way, and the request
 * itself can be lost with a signalling drop.
 */
const SUBSCRIBE_RESTART_PATIENCE_MS = 5000;
const SUBSCRIBE_RESTART_ASKS = 4;

/** The first ICE username fragment a description names (every m-line shares it with max-bundle). */
const iceUfragOf = (sdp: string) => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? null;

export type SfuServerMessage = Extract<
  ServerMessage,
  { type: 'sfu.answer' | 'sfu.offer' | 'sfu.candidate' | 'sfu.reset' }
>;

export interface SfuCallOptions {
  readonly channelId: string;
  readonly createPeerConnection: (configuration: RTCConfiguration) => RTCPeerConnection;
  readonly configuration: RTCConfiguration;
  readonly clock: VoiceClock;
  readonly send: (message: ClientMessage) => boolean;
  /** The microphone to send, or null (listen-only: the sending link carries an m-line without a track). */
  readonly microphone: MediaStreamTrack | null;
  /** Before an ICE restart: fresh ICE servers if the ones held are about to expire (null keeps the current). */
  readonly refreshIceServers: () => Promise<RTCConfiguration | null>;
  /** A member's audio arrived (or its track changed): one stream per member, as in a mesh. */
  readonly onStream: (peerId: string, track: MediaStreamTrack) => void;
  /** A member's audio is no longer received (they left, or stopped publishing). */
  readonly onStreamEnded: (peerId: string) => void;
  readonly onStateChange: () => void;
  readonly onError: (code: 'relay_unreachable' | 'credentials_rejected' | 'negotiation_failed') => void;
}

/**
 * A call through the server's media server (SFU): one sending link with the microphone on one audio m-line, and one
 * receiving link whose m-lines the server fills with the other members' audio (`sfu.offer` says which m-line is
 * whose). Each member's audio is still its own track, so per-member volume, levels and speaking rings work as in a
 * mesh. Both links are relay-only and restart ICE as a mesh link does (after 4 s disconnected, or failed).
 */
export class SfuCall {
  private publish: RTCPeerConnection;
  private microphone: MediaStreamTrack | null;
  private subscribe: RTCPeerConnection | null = null;
  private closed = false;
  /** Sending link: an offer is out and its answer not back yet; `restartPending` makes one more after it. */
  private offering = false;
  private restartPending = false;
  private receiving: Promise<void> = Promise.resolve();
  /** Candidates for the receiving link that arrived before its first offer. */
  private early: IceCandidate[] = [];
  /**
   * Candidates for the sending link that arrived while its answer was awaited: Janus trickles its candidate as soon
   * as it has one, which can overtake the answer on the way through the server. Added before the answer they would
   * be lost (no remote description), and with them the only pairs the relay lets through.
   */
  private publishEarly: IceCandidate[] = [];
  private streams: readonly SfuStream[] = [];
  private readonly attached = new Map<string, MediaStreamTrack>();
  private readonly timers = new Map<SfuLink, unknown>();
  /** While the receiving link waits for the offer its ICE restart asked for: the timer that asks again. */
  private restartWait: unknown = null;
  private readonly restarts = new Map<SfuLink, number>();

  constructor(private readonly options: SfuCallOptions) {
    this.microphone = options.microphone;
    this.publish = this.newSendingLink();
    void this.offer(false);
  }

  /** The state the call shows for every member: the receiving link's (the sending link's until it exists). */
  connectionState(): RTCPeerConnectionState {
    return (this.subscribe ?? this.publish).connectionState;
  }

  /** Whom the receiving link carries now. */
  peerIds(): string[] {
    return this.streams.map((stream) => stream.peerId);
  }

  receive(message: SfuServerMessage): void {
    if (this.closed || message.channelId !== this.options.channelId) return;
    switch (message.type) {
      case 'sfu.answer':
        void this.answered(message.sdp);
        return;
      case 'sfu.offer':
        this.receiving = this.receiving
          .then(() => this.offered(message.sdp, message.streams))
          .catch(() => {
            if (!this.closed) this.options.onError('negotiation_failed');
          });
        return;
      case 'sfu.candidate':
        if (message.link === 'publish') this.publishCandidate(message.candidate);
        else this.receiving = this.receiving.then(() => this.subscribeCandidate(message.candidate));
        return;
      case 'sfu.reset':
        if (message.link === 'publish') this.resetSending();
        else this.receiving = this.receiving.then(() => this.resetReceiving());
        return;
    }
  }

  async replaceMicrophone(track: MediaStreamTrack): Promise<void> {
    this.microphone = track;
    for (const sender of this.publish.getSenders()) await sender.replaceTrack(track);
  }

  /** Restarts ICE on both links now (network change), with fresh ICE servers if the held ones expire soon. */
  restartIce(): void {
    this.restartLink('publish');
    this.restartLink('subscribe');
  }

  /** The sender of our microphone on the sending link (its media-source stats carry the sent level). */
  microphoneSender(): RTCRtpSender | null {
    return this.publish.getSenders().find((sender) => sender.track !== null) ?? null;
  }

  /** The receiver of the receiving link's m-line that carries a member's audio now, or null. */
  memberReceiver(peerId: string): RTCRtpReceiver | null {
    const mid = this.streams.find((stream) => stream.peerId === peerId)?.mid;
    if (mid === undefined || this.subscribe === null) return null;
    return this.subscribe.getTransceivers().find((transceiver) => transceiver.mid === mid)?.receiver ?? null;
  }

  /** Raw stats of the receiving link for one member: the shared transport, and only that member's inbound audio. */
  async memberStats(peerId: string): Promise<StatsEntry[]> {
    const mids = new Set(this.streams.filter((stream) => stream.peerId === peerId).map((stream) => stream.mid));
    if (this.subscribe === null || mids.size === 0) return [];
    const entries = statsEntries(await this.subscribe.getStats());
    return entries.filter((entry) => entry.type !== 'inbound-rtp' || mids.has(String(entry['mid'])));
  }

  /** Raw stats of both links (what this member sends and everything it receives). */
  async linkStats(): Promise<StatsEntry[][]> {
    const links = [this.publish, ...(this.subscribe === null ? [] : [this.subscribe])];
    return Promise.all(links.map(async (pc) => statsEntries(await pc.getStats())));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers.values()) this.options.clock.clearTimeout(timer);
    this.timers.clear();
    this.stopRestartWait();
    for (const peerId of [...this.attached.keys()]) this.options.onStreamEnded(peerId);
    this.attached.clear();
    this.publish.close();
    this.subscribe?.close();
  }

  // -------------------------------------------------------------------------------------------------------------

  private newSendingLink(): RTCPeerConnection {
    const pc = this.options.createPeerConnection(this.options.configuration);
    this.watch('publish', pc);
    pc.addTransceiver(this.microphone ?? 'audio', { direction: 'sendonly' });
    return pc;
  }

  /** The server dropped the sending link: a new connection, and a new offer that publishes anew. */
  private resetSending(): void {
    this.clearTimer('publish');
    const old = this.publish;
    this.publish = this.newSendingLink();
    old.close();
    this.publishEarly = [];
    this.offering = false;
    this.restartPending = false;
    void this.offer(false);
  }

  /** The server dropped the receiving link: its next offer starts a new connection. */
  private resetReceiving(): void {
    this.clearTimer('subscribe');
    this.subscribe?.close();
    this.subscribe = null;
    this.early = [];
    this.streams = [];
    for (const peerId of [...this.attached.keys()]) this.options.onStreamEnded(peerId);
    this.attached.clear();
    this.options.onStateChange();
  }

  private clearTimer(link: SfuLink): void {
    const timer = this.timers.get(link);
    if (timer !== undefined) this.options.clock.clearTimeout(timer);
    this.timers.delete(link);
  }

  private async offer(iceRestart: boolean): Promise<void> {
    if (this.closed) return;
    if (this.offering) {
      this.restartPending ||= iceRestart;
      return;
    }
    this.offering = true;
    try {
      const pc = this.publish;
      const offer = await pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
      if (this.closed || pc !== this.publish) return;
      await pc.setLocalDescription(offer);
      const sdp = pc.localDescription?.sdp ?? offer.sdp ?? '';
      this.options.send({ type: 'sfu.offer', channelId: this.options.channelId, sdp });
    } catch {
      this.offering = false;
      if (!this.closed) this.options.onError('negotiation_failed');
    }
  }

  private publishCandidate(candidate: IceCandidate): void {
    if (this.publish.signalingState === 'have-local-offer') this.publishEarly.push(candidate);
    else void this.addCandidate(this.publish, candidate);
  }

  private async answered(sdp: string): Promise<void> {
    const pc = this.publish;
    if (pc.signalingState !== 'have-local-offer') return;
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp });
      for (const candidate of this.publishEarly.splice(0)) await this.addCandidate(pc, candidate);
    } catch {
      if (!this.closed) this.options.onError('negotiation_failed');
    }
    this.offering = false;
    if (this.restartPending) {
      this.restartPending = false;
      void this.offer(true);
    }
  }

  private async offered(sdp: string, streams: readonly SfuStream[]): Promise<void> {
    if (this.closed) return;
    // New ICE credentials are the restart that was asked for; another offer (a member came or went) is not.
    if (iceUfragOf(sdp) !== iceUfragOf(this.subscribe?.remoteDescription?.sdp ?? '')) this.stopRestartWait();
    if (this.subscribe === null) {
      this.subscribe = this.options.createPeerConnection(this.options.configuration);
      this.watch('subscribe', this.subscribe);
    }
    const pc = this.subscribe;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    for (const candidate of this.early.splice(0)) await this.addCandidate(pc, candidate);
    await pc.setLocalDescription(await pc.createAnswer());
    if (this.closed) return;
    this.options.send({ type: 'sfu.answer', channelId: this.options.channelId, sdp: pc.localDescription?.sdp ?? '' });
    this.streams = streams;
    this.attachStreams(pc);
  }

  /** Hands each member's track to the speakers, and takes away those no longer received. */
  private attachStreams(pc: RTCPeerConnection): void {
    const live = new Map<string, MediaStreamTrack>();
    for (const { mid, peerId } of this.streams) {
      const transceiver = pc.getTransceivers().find((candidate) => candidate.mid === mid);
      if (transceiver !== undefined) live.set(peerId, transceiver.receiver.track);
    }
    for (const peerId of [...this.attached.keys()]) {
      if (!live.has(peerId)) {
        this.attached.delete(peerId);
        this.options.onStreamEnded(peerId);
      }
    }
    for (const [peerId, track] of live) {
      if (this.attached.get(peerId) === track) continue;
      this.attached.set(peerId, track);
      this.options.onStream(peerId, track);
    }
  }

  private async subscribeCandidate(candidate: IceCandidate): Promise<void> {
    if (this.subscribe === null || this.subscribe.remoteDescription === null) {
      this.early.push(candidate);
      return;
    }
    await this.addCandidate(this.subscribe, candidate);
  }

  private async addCandidate(pc: RTCPeerConnection, candidate: IceCandidate): Promise<void> {
    try {
      await pc.addIceCandidate(candidate.candidate === '' ? undefined : candidate);
    } catch {
      // A candidate of a description already replaced (an ICE restart crossed it) cannot apply: nothing lost.
    }
  }

  private watch(link: SfuLink, pc: RTCPeerConnection): void {
    pc.addEventListener('icecandidate', (event) => {
      const candidate = (event as RTCPeerConnectionIceEvent).candidate;
      const init = candidate === null ? { candidate: '' } : candidate.toJSON();
      if (this.closed) return;
      this.options.send({
        type: 'sfu.candidate',
        channelId: this.options.channelId,
        link,
        candidate: {
          candidate: init.candidate ?? '',
          ...(init.sdpMid === undefined ? {} : { sdpMid: init.sdpMid }),
          ...(init.sdpMLineIndex === undefined ? {} : { sdpMLineIndex: init.sdpMLineIndex }),
        },
      });
    });
    pc.addEventListener('icecandidateerror', (event) => {
      const code = (event as RTCPeerConnectionIceErrorEvent).errorCode;
      if (code === 401 && pc.iceConnectionState !== 'connected') this.options.onError('credentials_rejected');
    });
    // Tracks are attached from the offer's stream list (attachStreams), where the mid says whose they are.
    pc.addEventListener('connectionstatechange', () => this.options.onStateChange());
    pc.addEventListener('iceconnectionstatechange', () => this.watchIce(link, pc));
  }

  private watchIce(link: SfuLink, pc: RTCPeerConnection): void {
    // A link replaced after a reset may still report its last states.
    if (this.closed || pc !== (link === 'publish' ? this.publish : this.subscribe)) return;
    const { clock } = this.options;
    const state = pc.iceConnectionState;
    const timer = this.timers.get(link);
    if (state === 'connected' || state === 'completed') {
      this.restarts.set(link, 0);
      if (timer !== undefined) clock.clearTimeout(timer);
      this.timers.delete(link);
    } else if (state === 'disconnected' && timer === undefined) {
      this.timers.set(
        link,
        clock.setTimeout(() => {
          this.timers.delete(link);
          if (pc.iceConnectionState === 'disconnected') this.restartLink(link);
        }, DISCONNECTED_RESTART_MS),
      );
    } else if (state === 'failed') {
      if ((this.restarts.get(link) ?? 0) >= RESTARTS_BEFORE_REPORT) this.options.onError('relay_unreachable');
      this.restartLink(link);
    }
    this.options.onStateChange();
  }

  private restartLink(link: SfuLink): void {
    if (this.closed) return;
    if (link === 'subscribe' && this.subscribe === null) return;
    void this.options.refreshIceServers().then((configuration) => {
      if (this.closed) return;
      if (configuration !== null) {
        this.publish.setConfiguration(configuration);
        this.subscribe?.setConfiguration(configuration);
      }
      this.restarts.set(link, (this.restarts.get(link) ?? 0) + 1);
      // The sending link offers anew; the receiving link's offers come from the server, so it asks for one.
      if (link === 'publish') void this.offer(true);
      else this.askForRestart(SUBSCRIBE_RESTART_ASKS);
    });
  }

  /** Asks the server for a new offer with an ICE restart on the receiving link, again if none comes in time. */
  private askForRestart(asksLeft: number): void {
    this.stopRestartWait();
    if (this.closed || asksLeft <= 0) return;
    this.options.send({ type: 'sfu.restart', channelId: this.options.channelId });
    this.restartWait = this.options.clock.setTimeout(() => {
      this.restartWait = null;
      this.askForRestart(asksLeft - 1);
    }, SUBSCRIBE_RESTART_PATIENCE_MS);
  }

  private stopRestartWait(): void {
    if (this.restartWait !== null) this.options.clock.clearTimeout(this.restartWait);
    this.restartWait = null;
  }
}
