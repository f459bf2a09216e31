import { createStore, type StoreApi } from 'zustand/vanilla';
import { fingerprintOfSdp, safetyCode, sameFingerprint } from '../../shared/safetyCode';
import { fail, ok, type Result } from '../../shared/result';
import type { CallMode, ClientMessage, RoomPeer, ServerMessage } from '../../shared/ws';
import {
  EMPTY_QUALITY,
  sentLevelFromReport,
  sentLevelOf,
  statsEntries,
  summarizeStats,
  type CallQuality,
  type StatsEntry,
} from './callStats';
import { effectiveDevice } from './deviceChoice';
import { PeerLink } from './peerLink';
import { SendGate, SilentTail } from './sendGate';
import { SfuCall } from './sfuCall';
import {
  MicrophoneError,
  realClock,
  type AudioProcessing,
  type LevelMeter,
  type SignallingState,
  type VoiceClock,
  type VoiceCredentials,
  type VoicePorts,
} from './ports';
import {
  createLevelGate,
  levelMoved,
  SPEAKING_HANGOVER_MS,
  SPEAKING_THRESHOLD,
  VOICE_HOLD_MS,
  thresholdFromDb,
  type LevelGate,
} from './voiceActivity';
import {
  clampVolume,
  initialVoiceState,
  microphoneLive,
  shouldTransmit,
  type InputMode,
  type PeerView,
  type VoiceError,
  type VoiceErrorCode,
  type VoiceState,
} from './voiceState';

export interface VoiceEngineOptions {
  /**
   * How often getStats is read while someone looks at the figures (watchQuality) or a peer's safety code is not
   * worked out yet. getStats builds a whole report per peer connection: the costliest thing a call polls.
   */
  readonly statsIntervalMs?: number;
  /** How often otherwise: enough for the voice bar's quality word and a late DTLS change. */
  readonly idleStatsIntervalMs?: number;
  /** How often the microphone meter is read for voice activity and the local speaking indicator. */
  readonly meterIntervalMs?: number;
  /** Fetch new credentials before an ICE restart when these expire within this many milliseconds. */
  readonly credentialRefreshMarginMs?: number;
  /** Told of each step of a join as it happens, once per join (bench:voice prints the breakdown). */
  readonly onJoinStep?: (step: JoinStep) => void;
}

/**
 * A join's steps: the TURN credentials and the microphone (fetched and opened side by side), the room joined over
 * WSS, then on the first peer link: our offer out, its answer applied, ICE connected over TURN, DTLS done.
 */
export type JoinStep =
  'credentials' | 'microphone' | 'room_joined' | 'offer_sent' | 'answer_applied' | 'ice_connected' | 'connected';

export interface VoiceEngine {
  readonly store: StoreApi<VoiceState>;
  /** Joins a voice channel (leaving the current one first). Resolves once the room is joined or refused. */
  join(channelId: string): Promise<Result<void>>;
  /** Leaves the channel: peer connections closed, microphone released, TURN credentials forgotten. */
  leave(): void;
  setMuted(muted: boolean): void;
  setDeafened(deafened: boolean): void;
  /** Push-to-talk key down (true) or up (false). */
  setTalking(talking: boolean): void;
  setInputMode(mode: InputMode): void;
  setSensitivityDb(db: number): void;
  setPeerVolume(userId: string, volume: number): void;
  setProcessing(processing: AudioProcessing): Promise<void>;
  setInputDevice(deviceId: string | null): Promise<void>;
  setOutputDevice(deviceId: string | null): Promise<void>;
  /** A moderator muted or unmuted this user (the relay enforces it; this shows it). */
  setServerMuted(serverMuted: boolean): void;
  /**
   * The user is about to join `channelId` (the pointer is on it, the channel list shows it): fetch its TURN
   * credentials now, so a join within their margin skips that round trip. Forgotten on leave.
   */
  prefetch(channelId: string): void;
  /**
   * Raw getStats of one peer, for diagnostics and tests: its mesh link, or in an SFU call the receiving link with
   * only that member's inbound audio.
   */
  peerStats(peerId: string): Promise<readonly Record<string, unknown>[]>;
  /** Raw getStats of every connection the call holds now (each mesh link, or the SFU's two links). */
  connectionStats(): Promise<readonly (readonly Record<string, unknown>[])[]>;
  /** The quality table is on screen: read stats every `statsIntervalMs` until the returned function is called. */
  watchQuality(): () => void;
  /**
   * A meter of the microphone is on screen (Settings during a call): the store's `localLevel` follows the level the
   * engine reads until the returned function is called. Otherwise the level stays inside the engine (the voice gate
   * and the speaking ring use it), so ten reads a second are not ten store updates for every subscriber.
   */
  watchLevel(): () => void;
  dispose(): void;
}

interface PeerRuntime {
  /** The mesh link to this member; null in an SFU call, where its audio comes on the SFU's receiving link. */
  readonly link: PeerLink | null;
  readonly userId: string;
  readonly speakingGate: LevelGate;
  quality: CallQuality | null;
  attached: boolean;
  safetyBusy: boolean;
}

interface Microphone {
  readonly track: MediaStreamTrack;
  readonly meter: LevelMeter | null;
  readonly deviceId: string | null;
}

/** How long the member already in the room waits for a newcomer's offer before offering itself. */
const ANSWERER_PATIENCE_MS = 3000;

/** How long after an unrequested room.left a move's room.joined may take before it counts as removal. */
const MOVE_GRACE_MS = 1500;

const MESSAGES: Record<VoiceErrorCode, string> = {
  removed_from_channel: 'You were removed from the voice channel by a moderator, or the channel was deleted.',
  microphone_denied: 'Microphone access is blocked. You joined listen-only: allow the microphone in Settings.',
  microphone_missing: 'No microphone was found. You joined listen-only.',
  microphone_busy: 'The microphone is in use by another application. You joined listen-only.',
  microphone_failed: 'The microphone could not be opened. You joined listen-only.',
  credentials_unavailable: 'Voice credentials could not be fetched from the server.',
  credentials_expired: 'Your voice credentials expired and could not be renewed. Rejoin the channel.',
  relay_unreachable: 'The voice relay cannot be reached. A firewall may block it; try "Test my connection".',
  signalling_unavailable: 'The connection to the server is down. Reconnecting…',
  join_refused: 'The server refused to let you into this channel.',
  negotiation_failed: 'Setting up audio with a member failed.',
  safety_mismatch:
    'The safety check failed for a member: the encryption keys do not match what was announced. Someone may be listening in.',
  session_ended: 'Your session ended. Sign in again to rejoin voice.',
  removed_from_workspace: 'You were removed from this workspace, so you left its voice channel.',
};

const error = (code: VoiceErrorCode): VoiceError => ({ code, message: MESSAGES[code] });

function microphoneErrorCode(cause: unknown): VoiceErrorCode {
  if (cause instanceof MicrophoneError) {
    return (
      {
        denied: 'microphone_denied',
        not_found: 'microphone_missing',
        busy: 'microphone_busy',
        failed: 'microphone_failed',
      } as const
    )[cause.code];
  }
  return 'microphone_failed';
}

/**
 * The voice engine: one RTCPeerConnection per remote member of the channel (a mesh), negotiated through the WSS
 * room, relay-only unless the channel allows direct paths. It owns the call's lifecycle end to end: join, the
 * controls, levels and quality, safety codes, rejoin after a signalling drop, ICE restart after a network change,
 * device changes, and a teardown that leaves nothing behind (peer connections closed, microphone released,
 * credentials forgotten). It touches no global: everything comes through `ports`.
 */
export function createVoiceEngine(ports: VoicePorts, options: VoiceEngineOptions = {}): VoiceEngine {
  const clock: VoiceClock = ports.clock ?? realClock;
  const statsIntervalMs = options.statsIntervalMs ?? 500;
  const idleStatsIntervalMs = options.idleStatsIntervalMs ?? 5000;
  // Ten reads a second: a speaking ring lights within 100 ms, and each read is a few cheap calls, not a render.
  const meterIntervalMs = options.meterIntervalMs ?? 100;
  const refreshMarginMs = options.credentialRefreshMarginMs ?? 60_000;

  const store = createStore<VoiceState>()(() => initialVoiceState());
  const peers = new Map<string, PeerRuntime>();
  const voiceGate = createLevelGate({
    threshold: thresholdFromDb(store.getState().sensitivityDb),
    hangoverMs: VOICE_HOLD_MS,
  });
  const sendGate = new SendGate();
  /** Five 20 ms packets of silence after we stop talking, so no listener keeps our last loud level (SilentTail). */
  const silentTail = new SilentTail(100);
  const localSpeakingGate = createLevelGate({ threshold: SPEAKING_THRESHOLD, hangoverMs: SPEAKING_HANGOVER_MS });

  let credentials: VoiceCredentials | null = null;
  let microphone: Microphone | null = null;
  /** Bumped on every join and leave, so a slow step of an abandoned join cannot act on the new call. */
  let callGeneration = 0;
  let pendingJoin: { channelId: string; resolve: (result: Result<void>) => void } | null = null;
  let statsTimer: unknown = null;
  let meterTimer: unknown = null;
  let wasInRoom = false;
  /** The call through the server's media server, while the room is in SFU mode. */
  let sfu: SfuCall | null = null;
  /** Who is in the room (besides us), whatever the mode: the SFU call's members have no link of their own. */
  const roster = new Map<string, RoomPeer>();

  const patch = (partial: Partial<VoiceState>) => store.setState(partial);
  const patchPeer = (peerId: string, partial: Partial<PeerView>) => {
    const current = store.getState().peers[peerId];
    if (current === undefined) return;
    patch({ peers: { ...store.getState().peers, [peerId]: { ...current, ...partial } } });
  };

  // ---------------------------------------------------------------------------------------------------------------
  // Microphone and sending

  function applyTransmit(): void {
    const state = store.getState();
    const transmitting = microphone !== null && shouldTransmit(state, voiceGate.isOpen());
    if (microphone !== null) {
      if (microphone.meter?.pause === undefined) {
        // A meter that cannot sleep (the bot's reads its own frames) gains nothing from the sender's stats: a
        // disabled track, as before.
        microphone.track.enabled = transmitting;
      } else {
        const senders = microphoneSenders();
        const tail = silentTail.update(transmitting, clock.now());
        sendGate.update(senders, transmitting || tail);
        // Enabled while we send, and while every sender has confirmed it sends nothing (SendGate): the sender's
        // stats then keep the microphone's level for the voice gate. Otherwise disabled, so a sender that still
        // sends (a new link, @roamhq/wrtc's, the silent tail) sends silence. Muted, it is disabled whatever the
        // senders do. The peer connections and the relay allocations stay up either way.
        microphone.track.enabled = transmitting || (!tail && microphoneLive(state) && sendGate.holds(senders));
      }
    }
    if (transmitting !== state.transmitting) patch({ transmitting });
  }

  async function openMicrophone(deviceId: string | null): Promise<Microphone> {
    const present = ports.microphone.inputIds ? await ports.microphone.inputIds() : null;
    const device = effectiveDevice(deviceId, present);
    const track = await ports.microphone.open(device, store.getState().processing);
    track.enabled = false;
    // An unplugged device ends its track: fall back to the default at once.
    track.addEventListener('ended', () => void onDevicesChanged());
    const meter = ports.microphone.meter ? ports.microphone.meter(track) : null;
    return { track, meter, deviceId: device };
  }

  function releaseMicrophone(): void {
    const current = microphone;
    microphone = null;
    current?.meter?.stop();
    current?.track.stop();
    localLevel = 0;
    patch({ microphoneOpen: false, transmitting: false, localLevel: 0, localSpeaking: false });
  }

  async function replaceMicrophone(next: Microphone): Promise<void> {
    const previous = microphone;
    microphone = next;
    for (const peer of peers.values()) {
      for (const sender of peer.link?.pc.getSenders() ?? []) {
        if (sender.track === null || sender.track.kind === 'audio') await sender.replaceTrack(next.track);
      }
    }
    await sfu?.replaceMicrophone(next.track);
    previous?.meter?.stop();
    previous?.track.stop();
    patch({ microphoneOpen: true });
    applyTransmit();
  }

  async function onDevicesChanged(): Promise<void> {
    const state = store.getState();
    if (state.channelId === null) return;
    const generation = callGeneration;
    if (ports.speakers.outputIds) {
      const outputs = await ports.speakers.outputIds();
      await ports.speakers.setOutputDevice(effectiveDevice(state.outputDeviceId, outputs)).catch(() => undefined);
    }
    const present = ports.microphone.inputIds ? await ports.microphone.inputIds() : null;
    const wanted = effectiveDevice(state.inputDeviceId, present);
    const live = microphone !== null && microphone.track.readyState === 'live';
    if (live && microphone?.deviceId === wanted) return;
    try {
      const next = await openMicrophone(state.inputDeviceId);
      if (generation !== callGeneration) return void next.track.stop();
      await replaceMicrophone(next);
    } catch (cause) {
      if (generation === callGeneration) {
        releaseMicrophone();
        patch({ error: error(microphoneErrorCode(cause)) });
      }
    }
  }

  /** When the peers' rings were last read (clock ms): five times a second, whatever the meter's pace. */
  let ringsReadAt = Number.NEGATIVE_INFINITY;
  /**
   * The microphone's latest level, read ten times a second (five while we send); in the store only while a meter
   * watches it.
   */
  let localLevel = 0;
  const levelWatchers = watcherCount();

  /** Keeps the level and, while a meter is on screen, the store's copy when it moved enough to draw. */
  function setLocalLevel(level: number): void {
    localLevel = level;
    if (levelWatchers.any() && levelMoved(store.getState().localLevel, level)) patch({ localLevel: level });
  }

  /**
   * The level of what we send, from the sender's media-source stats, while the sent track is enabled: null until a
   * read has answered since the track was last enabled. The meter's own work (an analyser on a clone of the track)
   * is paused meanwhile; it is needed only while the track is disabled, when the sender measures silence.
   */
  let sentLevel: number | null = null;
  let sentLevelReading = false;
  /** The media-source stat's id in the sender's reports, once found: later reads fetch only it. */
  let sentLevelStatId: string | null = null;

  /** The senders of our microphone: one per link in a mesh call, the sending link's in an SFU call. */
  function microphoneSenders(): RTCRtpSender[] {
    if (sfu !== null) {
      const sender = sfu.microphoneSender();
      return sender === null ? [] : [sender];
    }
    const senders: RTCRtpSender[] = [];
    for (const runtime of peers.values()) {
      const sender = runtime.link?.pc.getSenders?.().find((candidate) => candidate.track !== null);
      if (sender !== undefined) senders.push(sender);
    }
    return senders;
  }

  function microphoneSender(): RTCRtpSender | null {
    return microphoneSenders()[0] ?? null;
  }

  function readSentLevel(): void {
    if (sentLevelReading) return;
    const sender = microphoneSender();
    if (sender === null || typeof sender.getStats !== 'function') return;
    sentLevelReading = true;
    sender.getStats().then(
      (report) => {
        sentLevelReading = false;
        if (microphone?.track.enabled !== true) return;
        const read = sentLevelFromReport(report, sentLevelStatId);
        sentLevelStatId = read?.id ?? null;
        sentLevel = read?.level ?? sentLevel;
      },
      () => {
        sentLevelReading = false;
      },
    );
  }

  function microphoneLevel(fallback: number): number {
    const meter = microphone?.meter;
    if (microphone === null || meter == null) return fallback;
    if (meter.pause === undefined) return meter.level();
    if (!microphone.track.enabled) {
      // Disabled during the silent tail and while the senders confirm they have stopped (a few milliseconds, at each
      // pause in speech): the last level stands, rather than waking the meter's Web Audio graph for one read.
      if (silentTail.sending(clock.now())) return fallback;
      if (microphoneLive(store.getState()) && sendGate.settling(microphoneSenders())) return fallback;
      sentLevel = null;
      return meter.level();
    }
    // One read a tick: five a second while we send (meterDelay), ten in a pause, where a read is how soon the first
    // word opens the gate.
    readSentLevel();
    if (sentLevel === null) return meter.level();
    meter.pause();
    return sentLevel;
  }

  function readMeter(): void {
    const now = clock.now();
    const state = store.getState();
    const level = microphoneLevel(localLevel);
    voiceGate.update(level, now);
    applyTransmit();
    const localSpeaking = localSpeakingGate.update(level, now) && store.getState().transmitting;
    setLocalLevel(level);
    if (localSpeaking !== state.localSpeaking) patch({ localSpeaking });
    // Peers' rings five times a second: asking the receiver is a synchronous trip to WebRTC's thread, the costliest
    // call left on the page's main thread in a call.
    if (now - ringsReadAt < meterIntervalMs * 1.5) return;
    ringsReadAt = now;
    for (const [peerId, runtime] of peers) {
      const peerLevel = ports.speakers.level?.(peerId) ?? receivedLevel(peerId, runtime);
      if (peerLevel === null) continue;
      const speaking = runtime.speakingGate.update(peerLevel, now);
      // A peer's level only lights its ring: the store changes when the ring does.
      if (store.getState().peers[peerId]?.speaking !== speaking) patchPeer(peerId, { speaking });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Peers

  function rtcConfiguration(held: VoiceCredentials): RTCConfiguration {
    return {
      iceServers: held.iceServers.map((entry) => ({
        urls: typeof entry.urls === 'string' ? entry.urls : [...entry.urls],
        ...(entry.username === undefined ? {} : { username: entry.username }),
        ...(entry.credential === undefined ? {} : { credential: entry.credential }),
      })),
      iceTransportPolicy: held.iceTransportPolicy,
      // Gathering (the TURN allocation) starts when the connection is made, not when the offer is: the member who
      // answers gathers while the newcomer's offer is on its way.
      iceCandidatePoolSize: 1,
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    };
  }

  async function freshConfiguration(): Promise<RTCConfiguration | null> {
    const channelId = store.getState().channelId;
    if (credentials === null || channelId === null) return null;
    if (credentials.expiresAt - clock.now() > refreshMarginMs) return null;
    const generation = callGeneration;
    const renewed = await ports.credentials(channelId);
    if (generation !== callGeneration) return null;
    if (!renewed.ok) {
      patch({ error: error('credentials_expired') });
      return null;
    }
    credentials = renewed.value;
    return rtcConfiguration(renewed.value);
  }

  /**
   * Who offers: the member who arrives (it learns of the others from room.joined) makes the first offer on each of
   * its links, and the members already there answer, attaching their microphone to the transceiver the offer
   * created. So a join never starts with two crossing offers; perfect negotiation still covers what can cross later
   * (ICE restarts, device changes), and an answering side that hears no offer in time offers itself.
   */
  function attachMedia(pc: RTCPeerConnection): void {
    // A new sender is not held by the send gate yet: in a pause, the track is disabled for it at once.
    if (microphone !== null) pc.addTrack(microphone.track);
    // Listen-only still needs an audio m-line to receive on.
    else pc.addTransceiver('audio', { direction: 'recvonly' });
    applyTransmit();
  }

  async function answerWithMedia(pc: RTCPeerConnection): Promise<void> {
    if (microphone === null) return;
    const track = microphone.track;
    const audio = pc.getTransceivers().find((transceiver) => transceiver.receiver.track.kind === 'audio');
    if (audio === undefined || audio.sender.track !== null) return;
    audio.direction = 'sendrecv';
    await audio.sender.replaceTrack(track);
    applyTransmit();
  }

  function addView(peer: RoomPeer, connectionState: RTCPeerConnectionState): void {
    patch({
      peers: {
        ...store.getState().peers,
        [peer.peerId]: {
          peerId: peer.peerId,
          userId: peer.userId,
          connectionState,
          speaking: false,
          quality: null,
          safetyCode: null,
          safety: 'pending',
          safetyCheckedByStats: false,
        },
      },
    });
  }

  function newRuntime(userId: string, link: PeerLink | null): PeerRuntime {
    return {
      userId,
      link,
      speakingGate: createLevelGate({ threshold: SPEAKING_THRESHOLD, hangoverMs: SPEAKING_HANGOVER_MS }),
      quality: null,
      attached: false,
      safetyBusy: false,
    };
  }

  function ensurePeer(peer: RoomPeer, channelId: string, initiator: boolean): PeerRuntime | null {
    const existing = peers.get(peer.peerId);
    if (existing !== undefined) return existing;
    const localPeerId = ports.signalling.connectionId();
    if (credentials === null || localPeerId === null || peer.peerId === localPeerId) return null;
    // The same member's other connection in this room (another device, or this one's previous connection that a
    // node which died has not been swept out yet) is never linked: hearing oneself is echo, and every link holds
    // TURN allocations that count against the member's quota at the relay, which ghosts would use up. Through the
    // SFU its stream has no member to be attached to, so it is not played either.
    if (peer.userId === ports.signalling.userId()) return null;
    if (store.getState().mode === 'sfu') {
      // Its audio comes on the SFU's receiving link; the member only needs a place in the call.
      const runtime = newRuntime(peer.userId, null);
      peers.set(peer.peerId, runtime);
      addView(peer, sfu?.connectionState() ?? 'new');
      return runtime;
    }
    const pc = ports.createPeerConnection(rtcConfiguration(credentials));
    traceLink(pc);
    const link: PeerLink = new PeerLink({
      peerId: peer.peerId,
      polite: localPeerId < peer.peerId,
      pc,
      clock,
      send: (signal) => ports.signalling.send({ type: 'signal', channelId, to: peer.peerId, ...signal }),
      refreshIceServers: freshConfiguration,
      onTrack: (track) => {
        ports.speakers.attach(peer.peerId, track);
        ports.speakers.setVolume(peer.peerId, store.getState().volumes[peer.userId] ?? 1);
        runtime.attached = true;
      },
      beforeAnswer: () => answerWithMedia(pc),
      onStateChange: () => patchPeer(peer.peerId, { connectionState: pc.connectionState }),
      onError: (code) => patch({ error: error(code === 'credentials_rejected' ? 'credentials_expired' : code) }),
    });
    const runtime = newRuntime(peer.userId, link);
    peers.set(peer.peerId, runtime);
    addView(peer, pc.connectionState);
    if (initiator) {
      attachMedia(pc);
    } else {
      const generation = callGeneration;
      clock.setTimeout(() => {
        // The newcomer's offer should have come by now; if not (lost, or it left and came back), offer ourselves.
        if (generation !== callGeneration || link.isClosed() || link.hasReceivedOffer()) return;
        if (pc.getTransceivers().length === 0) attachMedia(pc);
      }, ANSWERER_PATIENCE_MS);
    }
    return runtime;
  }

  function dropPeer(peerId: string): void {
    const runtime = peers.get(peerId);
    if (runtime === undefined) return;
    peers.delete(peerId);
    runtime.link?.close();
    ports.speakers.detach(peerId);
    const { [peerId]: _gone, ...rest } = store.getState().peers;
    patch({ peers: rest });
  }

  function dropAllPeers(): void {
    for (const peerId of [...peers.keys()]) dropPeer(peerId);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Modes: a mesh of links, or one call through the server's media server

  function startSfu(channelId: string): void {
    if (sfu !== null || credentials === null) return;
    const generation = callGeneration;
    const call = new SfuCall({
      channelId,
      createPeerConnection: ports.createPeerConnection,
      // The media server is reached through the relay only, whatever the channel allows for a mesh.
      configuration: { ...rtcConfiguration(credentials), iceTransportPolicy: 'relay' },
      clock,
      send: (message) => ports.signalling.send(message),
      microphone: microphone?.track ?? null,
      refreshIceServers: async () => {
        const fresh = await freshConfiguration();
        return fresh === null ? null : { ...fresh, iceTransportPolicy: 'relay' };
      },
      onStream: (peerId, track) => {
        const runtime = peers.get(peerId);
        if (generation !== callGeneration || runtime === undefined) return;
        ports.speakers.attach(peerId, track);
        ports.speakers.setVolume(peerId, store.getState().volumes[runtime.userId] ?? 1);
        runtime.attached = true;
      },
      onStreamEnded: (peerId) => {
        const runtime = peers.get(peerId);
        if (runtime !== undefined) runtime.attached = false;
        ports.speakers.detach(peerId);
      },
      onStateChange: () => {
        if (sfu !== call) return;
        const connectionState = call.connectionState();
        for (const peerId of peers.keys()) patchPeer(peerId, { connectionState });
      },
      onError: (code) => patch({ error: error(code === 'credentials_rejected' ? 'credentials_expired' : code) }),
    });
    sfu = call;
  }

  function stopSfu(): void {
    const call = sfu;
    sfu = null;
    call?.close();
  }

  /**
   * The room's mode: an SFU call replaces every mesh link (each member keeps its place in the call), and a mesh
   * replaces the SFU call with a link per member, the larger peer id of each pair offering (so two members never
   * offer at once).
   */
  function enterMode(mode: CallMode, channelId: string, newcomer: boolean): void {
    const previous = store.getState().mode;
    if (previous !== mode) {
      dropAllPeers();
      stopSfu();
      patch({ mode });
    }
    if (mode === 'sfu') startSfu(channelId);
    const localPeerId = ports.signalling.connectionId() ?? '';
    for (const peer of roster.values()) ensurePeer(peer, channelId, newcomer || localPeerId > peer.peerId);
  }

  async function updateSafety(peerId: string, runtime: PeerRuntime): Promise<void> {
    const view = store.getState().peers[peerId];
    if (view === undefined || view.safety !== 'pending' || runtime.safetyBusy || runtime.link === null) return;
    const { pc } = runtime.link;
    if (runtime.quality?.dtlsState === 'failed') {
      // DTLS checks the peer's certificate against the fingerprint its description announced: a failure here is
      // what a signalling server rewriting fingerprints to sit in the middle looks like.
      patchPeer(peerId, { safety: 'mismatch', safetyCode: null });
      patch({ error: error('safety_mismatch') });
      return;
    }
    if (pc.connectionState !== 'connected') return;
    const local = fingerprintOfSdp(pc.localDescription?.sdp ?? '');
    const remote = fingerprintOfSdp(pc.remoteDescription?.sdp ?? '');
    if (local === null || remote === null) return;
    const announcedLocal = runtime.quality?.localCertificate ?? null;
    const announcedRemote = runtime.quality?.remoteCertificate ?? null;
    // The descriptions say what was announced; the certificate stats say what DTLS actually used.
    const checked = announcedLocal !== null && announcedRemote !== null;
    if (checked && (!sameFingerprint(local, announcedLocal) || !sameFingerprint(remote, announcedRemote))) {
      patchPeer(peerId, { safety: 'mismatch', safetyCode: null, safetyCheckedByStats: true });
      patch({ error: error('safety_mismatch') });
      return;
    }
    runtime.safetyBusy = true;
    try {
      const code = await safetyCode(local, remote);
      if (peers.get(peerId) === runtime) {
        patchPeer(peerId, { safety: 'ready', safetyCode: code, safetyCheckedByStats: checked });
      }
    } finally {
      runtime.safetyBusy = false;
    }
  }

  async function readStats(): Promise<void> {
    await Promise.all(
      [...peers.entries()].map(async ([peerId, runtime]) => {
        const call = sfu;
        if (runtime.link?.isClosed() ?? call === null) return;
        let entries: StatsEntry[];
        try {
          entries =
            runtime.link === null
              ? await (call as SfuCall).memberStats(peerId)
              : statsEntries(await runtime.link.pc.getStats());
        } catch {
          return;
        }
        if (peers.get(peerId) !== runtime) return;
        const summary = summarizeStats(entries, runtime.quality ?? EMPTY_QUALITY);
        // Through the SFU the far end is the server's media server on its private address: what relay-only
        // promises (nobody learns our address) holds when our end is the relay's.
        const quality =
          runtime.link === null ? { ...summary, relayed: summary.localCandidateType === 'relay' } : summary;
        runtime.quality = quality;
        if (ports.speakers.level === undefined && receivedLevel(peerId, runtime) === null) {
          // Without a level of its own, the stats' received level lights the speaking ring.
          const speaking = runtime.speakingGate.update(quality.audioLevel, clock.now());
          patchPeer(peerId, { quality, speaking, connectionState: connectionStateOf(runtime) });
        } else {
          patchPeer(peerId, { quality, connectionState: connectionStateOf(runtime) });
        }
        if (microphone?.meter == null) {
          const level = sentLevelOf(entries);
          if (level !== null) setLocalLevel(level);
        }
        await updateSafety(peerId, runtime);
      }),
    );
  }

  function connectionStateOf(runtime: PeerRuntime): RTCPeerConnectionState {
    return runtime.link?.pc.connectionState ?? sfu?.connectionState() ?? 'new';
  }

  /**
   * The level of what a peer sends, as the browser measured it on receipt (RTCRtpReceiver's synchronization
   * sources: a few numbers libwebrtc keeps anyway), instead of an analyser per member in Web Audio, which costs
   * audio-thread work on every 128-sample frame. Used where the speaker port has no meter of its own (the app's;
   * the bot's recorder has one). Null where the peer connection has no such API, or keeps no sources with a level
   * (@roamhq/wrtc answers with none): the stats answer instead. In an SFU call the receiver is the one of the
   * receiving link's m-line that carries that member.
   */
  function receivedLevel(peerId: string, runtime: PeerRuntime): number | null {
    const receiver = runtime.link === null ? sfu?.memberReceiver(peerId) : runtime.link.pc.getReceivers?.()[0];
    if (receiver == null || typeof receiver.getSynchronizationSources !== 'function') return null;
    const source = receiver.getSynchronizationSources()[0];
    return source?.audioLevel ?? null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Signalling

  function onSignallingMessage(message: ServerMessage): void {
    const channelId = store.getState().channelId;
    switch (message.type) {
      case 'room.joined': {
        if (channelId === null) return;
        // A moderator's move arrives as room.joined for another channel: follow it.
        if (message.channelId !== channelId) patch({ channelId: message.channelId });
        wasInRoom = true;
        step('room_joined');
        patch({ phase: 'connected' });
        // A mute or deafen while the join was on its way: the server drops a repeat of what it has.
        announceVoiceState();
        roster.clear();
        for (const peer of message.peers) roster.set(peer.peerId, peer);
        // A repeated room.joined (a snapshot after a gap) keeps the links of members still there.
        for (const peerId of [...peers.keys()]) if (!roster.has(peerId)) dropPeer(peerId);
        enterMode(message.mode, message.channelId, true);
        settleJoin(ok(undefined));
        return;
      }
      case 'room.mode': {
        if (message.channelId !== channelId || store.getState().phase !== 'connected') return;
        patch({ modeReason: message.reason });
        enterMode(message.mode, message.channelId, false);
        return;
      }
      case 'sfu.answer':
      case 'sfu.offer':
      case 'sfu.candidate':
      case 'sfu.reset':
        if (message.channelId === channelId) sfu?.receive(message);
        return;
      case 'room.left': {
        if (message.channelId !== channelId) return;
        // Not asked for by us (we forget the channel before sending room.leave): a moderator moved us (room.joined
        // for the new channel follows at once) or took us out of voice, or the channel was deleted.
        dropAllPeers();
        stopSfu();
        roster.clear();
        patch({ phase: 'joining' });
        const generation = callGeneration;
        clock.setTimeout(() => {
          if (generation === callGeneration && store.getState().phase === 'joining' && !pendingJoin) {
            teardown(error('removed_from_channel'));
          }
        }, MOVE_GRACE_MS);
        return;
      }
      case 'room.peerJoined':
        if (message.channelId !== channelId) return;
        roster.set(message.peer.peerId, message.peer);
        ensurePeer(message.peer, message.channelId, false);
        return;
      case 'room.peerLeft':
        if (message.channelId !== channelId) return;
        roster.delete(message.peerId);
        dropPeer(message.peerId);
        return;
      case 'signal': {
        if (message.channelId !== channelId) return;
        const runtime = peers.get(message.from);
        if (runtime?.link == null) return;
        void runtime.link.receive({ description: message.description, candidate: message.candidate });
        return;
      }
      case 'error': {
        if (pendingJoin !== null && (message.code === 'not_found' || message.code === 'room_full')) {
          const joining = pendingJoin.channelId;
          settleJoin(fail('join_refused', MESSAGES.join_refused));
          if (store.getState().channelId === joining) teardown(error('join_refused'));
        }
        return;
      }
      default:
        return;
    }
  }

  function onSignallingState(state: SignallingState): void {
    const channelId = store.getState().channelId;
    if (channelId === null) return;
    if (state === 'reconnecting') {
      // The server drops a closed connection from its room, so the other members close their links to us: ours go
      // too, and the call is rebuilt with the new connection's peer id once signalling is back.
      dropAllPeers();
      stopSfu();
      roster.clear();
      patch({ phase: 'reconnecting', error: error('signalling_unavailable') });
    } else if (state === 'open') {
      if (wasInRoom) patch({ rejoins: store.getState().rejoins + 1 });
      patch({ phase: 'joining', error: null });
      ports.signalling.send(roomJoin(channelId));
    } else if (state === 'closed') {
      // Closed for good: say why, unless the app simply let go of the workspace (switched, or signed out).
      const reason = ports.signalling.endReason === undefined ? 'session_ended' : ports.signalling.endReason();
      if (reason === 'removed') teardown(error('removed_from_workspace'));
      else if (reason === 'session_ended' || reason === 'not_signed_in') teardown(error('session_ended'));
      else teardown(null);
    }
  }

  /** A join carries the user's mute and deafen, so the room never shows them unmuted for a moment. */
  function roomJoin(channelId: string): ClientMessage {
    const { muted, deafened } = store.getState();
    return { type: 'room.join', channelId, selfMuted: muted, selfDeafened: deafened };
  }

  /** Tells the room about a mute or deafen change; a join or rejoin carries it otherwise. */
  function announceVoiceState(): void {
    const { channelId, phase, muted, deafened } = store.getState();
    if (channelId === null || phase !== 'connected') return;
    ports.signalling.send({ type: 'voice.state', channelId, selfMuted: muted, selfDeafened: deafened });
  }

  function settleJoin(result: Result<void>): void {
    const pending = pendingJoin;
    pendingJoin = null;
    pending?.resolve(result);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Lifecycle

  const qualityWatchers = watcherCount();

  /** Fast while the figures are watched or a safety code is still to come; slow otherwise. */
  function nextStatsDelay(): number {
    // Through the SFU there is no safety code to wait for (docs/voice.md).
    const waiting =
      store.getState().mode !== 'sfu' &&
      Object.values(store.getState().peers).some((peer) => peer.safety === 'pending');
    return qualityWatchers.any() || waiting ? statsIntervalMs : idleStatsIntervalMs;
  }

  function scheduleStats(delay: number): void {
    if (statsTimer !== null) clock.clearTimeout(statsTimer);
    statsTimer = clock.setTimeout(() => {
      statsTimer = null;
      void readStats().finally(() => {
        if (meterTimer !== null && statsTimer === null) scheduleStats(nextStatsDelay());
      });
    }, delay);
  }

  /**
   * Ten ticks a second, five while we send on the sender's stats: those are read five times a second (a report costs
   * WebRTC's thread and the page's), and the voice gate holds 300 ms past the last loud read anyway, so a tick
   * between two reads would only judge the same level again.
   */
  function meterDelay(): number {
    return store.getState().transmitting && sentLevel !== null ? meterIntervalMs * 2 : meterIntervalMs;
  }

  function scheduleMeter(delay: number): void {
    const timer: unknown = clock.setTimeout(() => {
      try {
        readMeter();
      } finally {
        // Even if this read threw, as an interval would go on; unless the call stopped the timers meanwhile.
        if (meterTimer === timer) scheduleMeter(meterDelay());
      }
    }, delay);
    meterTimer = timer;
  }

  function startTimers(): void {
    if (meterTimer === null) scheduleMeter(meterIntervalMs);
    if (statsTimer === null) scheduleStats(statsIntervalMs);
  }

  function stopTimers(): void {
    if (statsTimer !== null) clock.clearTimeout(statsTimer);
    if (meterTimer !== null) clock.clearTimeout(meterTimer);
    statsTimer = null;
    meterTimer = null;
  }

  /** Everything a call holds goes: peers, microphone, credentials, timers. `reason` is shown when not a plain leave. */
  function teardown(reason: VoiceError | null): void {
    callGeneration += 1;
    const channelId = store.getState().channelId;
    if (channelId !== null) {
      // Forget the channel first, so the server's room.left echo is not mistaken for a moderator's move.
      patch({ channelId: null });
      ports.signalling.send({ type: 'room.leave', channelId });
    }
    settleJoin(fail(reason?.code ?? 'left', reason?.message ?? 'Left the channel.'));
    dropAllPeers();
    stopSfu();
    roster.clear();
    releaseMicrophone();
    credentials = null;
    wasInRoom = false;
    stopTimers();
    patch({
      phase: 'idle',
      peers: {},
      talking: false,
      mode: null,
      modeReason: null,
      ...(reason === null ? {} : { error: reason }),
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Join steps and prefetched credentials

  let stepsSeen = new Set<JoinStep>();
  function step(name: JoinStep): void {
    if (options.onJoinStep === undefined || stepsSeen.has(name)) return;
    stepsSeen.add(name);
    options.onJoinStep(name);
  }

  /** The first link of a join reports its negotiation and connection steps. */
  function traceLink(pc: RTCPeerConnection): void {
    if (options.onJoinStep === undefined || stepsSeen.has('connected')) return;
    pc.addEventListener('signalingstatechange', () => {
      if (pc.signalingState === 'have-local-offer') step('offer_sent');
      else if (pc.signalingState === 'stable' && stepsSeen.has('offer_sent')) step('answer_applied');
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      if (pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed') step('ice_connected');
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') step('connected');
    });
  }

  let prefetched: { channelId: string; answer: ReturnType<VoicePorts['credentials']> } | null = null;

  /** A prefetched answer for this channel while its credentials have their margin left, else a fresh fetch. */
  async function credentialsFor(channelId: string): ReturnType<VoicePorts['credentials']> {
    const early = prefetched;
    prefetched = null;
    if (early !== null && early.channelId === channelId) {
      const answer = await early.answer;
      if (answer.ok && answer.value.expiresAt - clock.now() > refreshMarginMs) return answer;
    }
    return ports.credentials(channelId);
  }

  async function join(channelId: string): Promise<Result<void>> {
    if (store.getState().channelId !== null) teardown(null);
    const generation = ++callGeneration;
    stepsSeen = new Set();
    patch({ channelId, phase: 'joining', error: null, peers: {}, modeReason: null });
    // Credentials (a signed round trip to the server), the microphone and the output device do not wait for each
    // other: a join costs the slowest of them, not their sum.
    const fetching = credentialsFor(channelId).then((answer) => {
      step('credentials');
      return answer;
    });
    const opening = openMicrophone(store.getState().inputDeviceId).then(
      (opened) => {
        step('microphone');
        return { opened, cause: null };
      },
      (cause: unknown) => ({ opened: null, cause }),
    );
    const output = ports.speakers.setOutputDevice(store.getState().outputDeviceId).catch(() => undefined);
    const [fetched, mic] = await Promise.all([fetching, opening, output]);
    const dropMicrophone = () => {
      mic.opened?.meter?.stop();
      mic.opened?.track.stop();
    };
    if (generation !== callGeneration) {
      dropMicrophone();
      return fail('left', 'Left the channel.');
    }
    if (!fetched.ok) {
      dropMicrophone();
      teardown(error('credentials_unavailable'));
      return fetched;
    }
    credentials = fetched.value;
    let micProblem: VoiceError | null = null;
    if (mic.opened !== null) {
      microphone = mic.opened;
      patch({ microphoneOpen: true });
    } else {
      micProblem = error(microphoneErrorCode(mic.cause));
    }
    if (micProblem !== null) patch({ error: micProblem, microphoneOpen: false });
    ports.speakers.setDeafened(store.getState().deafened);
    startTimers();
    applyTransmit();
    const joined = new Promise<Result<void>>((resolve) => {
      pendingJoin = { channelId, resolve };
    });
    // When signalling is down, the join goes out as soon as it is back (onSignallingState 'open').
    if (ports.signalling.state() === 'open') ports.signalling.send(roomJoin(channelId));
    else patch({ phase: 'reconnecting', error: error('signalling_unavailable') });
    const result = await joined;
    if (result.ok && micProblem !== null) patch({ error: micProblem });
    return result;
  }

  const unsubscribers = [
    ports.signalling.onMessage(onSignallingMessage),
    ports.signalling.onStateChange(onSignallingState),
    ports.microphone.onDeviceChange?.(() => void onDevicesChanged()) ?? (() => undefined),
  ];
  const onOnline = () => {
    for (const runtime of peers.values()) runtime.link?.restartIce();
    sfu?.restartIce();
  };
  ports.network?.addEventListener('online', onOnline);

  return {
    store,
    join,
    leave() {
      prefetched = null;
      teardown(null);
    },
    setMuted(muted) {
      if (muted === store.getState().muted) return;
      patch({ muted });
      applyTransmit();
      announceVoiceState();
    },
    setDeafened(deafened) {
      if (deafened === store.getState().deafened) return;
      patch({ deafened });
      ports.speakers.setDeafened(deafened);
      applyTransmit();
      announceVoiceState();
    },
    setTalking(talking) {
      patch({ talking });
      applyTransmit();
    },
    setInputMode(inputMode) {
      patch({ inputMode, talking: false });
      applyTransmit();
    },
    setSensitivityDb(db) {
      patch({ sensitivityDb: db });
      voiceGate.setThreshold(thresholdFromDb(db));
    },
    setPeerVolume(userId, volume) {
      const clamped = clampVolume(volume);
      patch({ volumes: { ...store.getState().volumes, [userId]: clamped } });
      for (const [peerId, runtime] of peers) if (runtime.userId === userId) ports.speakers.setVolume(peerId, clamped);
    },
    async setProcessing(processing) {
      patch({ processing });
      if (microphone === null) return;
      // Constraints change the capture pipeline, so the microphone is reopened and swapped in on every peer.
      const generation = callGeneration;
      const next = await openMicrophone(store.getState().inputDeviceId);
      if (generation !== callGeneration) return void next.track.stop();
      await replaceMicrophone(next);
    },
    async setInputDevice(deviceId) {
      patch({ inputDeviceId: deviceId });
      if (microphone === null || store.getState().channelId === null) return;
      const generation = callGeneration;
      const next = await openMicrophone(deviceId);
      if (generation !== callGeneration) return void next.track.stop();
      await replaceMicrophone(next);
    },
    async setOutputDevice(deviceId) {
      patch({ outputDeviceId: deviceId });
      await ports.speakers.setOutputDevice(deviceId);
    },
    setServerMuted(serverMuted) {
      patch({ serverMuted });
      applyTransmit();
    },
    async peerStats(peerId) {
      const runtime = peers.get(peerId);
      if (runtime === undefined) return [];
      if (runtime.link !== null) return statsEntries(await runtime.link.pc.getStats());
      return sfu === null ? [] : sfu.memberStats(peerId);
    },
    async connectionStats() {
      if (sfu !== null) return sfu.linkStats();
      return Promise.all(
        [...peers.values()].flatMap((runtime) =>
          runtime.link === null ? [] : [runtime.link.pc.getStats().then(statsEntries)],
        ),
      );
    },
    prefetch(channelId) {
      if (store.getState().channelId === channelId || prefetched?.channelId === channelId) return;
      prefetched = { channelId, answer: ports.credentials(channelId) };
      // A failed prefetch is only a missed shortcut: the join fetches again and reports its own failure.
      void prefetched.answer.catch(() => undefined);
    },
    watchLevel() {
      const release = levelWatchers.add();
      if (levelMoved(store.getState().localLevel, localLevel)) patch({ localLevel });
      return release;
    },
    watchQuality() {
      const release = qualityWatchers.add();
      // Fresh figures now, not at the end of a slow interval.
      if (meterTimer !== null) scheduleStats(0);
      return release;
    },
    dispose() {
      prefetched = null;
      teardown(null);
      for (const unsubscribe of unsubscribers) unsubscribe();
      ports.network?.removeEventListener('online', onOnline);
      ports.speakers.close();
    },
  };
}

/** How many are watching something: each `add` counts one until the function it returns is called (once). */
function watcherCount() {
  let count = 0;
  return {
    any: () => count > 0,
    add(): () => void {
      count += 1;
      let watching = true;
      return () => {
        if (!watching) return;
        watching = false;
        count -= 1;
      };
    },
  };
}
