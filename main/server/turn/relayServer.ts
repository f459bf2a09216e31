import { randomBytes } from 'node:crypto';
import type { RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { turnCredentialFor } from '../auth/turnCredentials';
import { isPublicAddress } from './addressPolicy';
import { sfuPeerMatcher, type SfuPeer } from './sfuPeers';
import {
  peerKeyOf,
  type Allocation,
  type ChannelBinding,
  type ClientLink,
  type HeldCheck,
  type PeerMemo,
  type Permission,
  type PeerRoute,
} from './allocation';
import {
  startStreamListener,
  startUdpListener,
  UDP_BUFFER_BYTES,
  type StreamListener,
  type TlsMaterial,
  type UdpListener,
} from './clientTransports';
import { authenticate, type AuthenticatedRequest, type LongTermAuthOptions } from './longTermAuth';
import { createNonceIssuer } from './nonces';
import { passesServerMute } from './mediaDemux';
import { createAllocationQuota, createByteRateLimiter, type QuotaDecision } from './rateLimits';
import { createRelayCounters, type RefusalReason, type RelayStats } from './relayCounters';
import { createRelayedPorts, relayedPortsOn } from './relayedPorts';
import { bindRelaySocket, closeQuietly, type RelayPortRange } from './relaySockets';
import {
  batchedUdpAvailable,
  ipv4KeyOf,
  ipv4LinkKey,
  startBatchedUdpListener,
  type BatchedDatagramSource,
  type BatchedUdpListener,
} from './batchedUdpListener';
import {
  readAddressFamily,
  readChannelNumber,
  readEvenPort,
  readRequestedTransport,
  readUint32,
  readXorAddress,
  writeErrorCode,
  writeText,
  writeUint32,
  writeUnknownAttributes,
  writeXorAddress,
} from './stun/attributes';
import { channelDataHeader, isChannelNumber, streamPaddingFor } from './stun/channelData';
import { Attr, ErrorCode, StunClass, StunMethod, TRANSPORT_UDP } from './stun/constants';
import { canonicalIp, ipFamily, type TransportAddress } from './stun/ipAddress';
import {
  encodeStun,
  getAttribute,
  getAttributes,
  looksLikeStun,
  parseStun,
  type OutgoingAttribute,
  type StunMessage,
} from './stun/message';
import { createStreamFramer } from './stun/streamFramer';

/**
 * The bundled TURN relay (RFC 8656 over RFC 8489 STUN): UDP, TCP and TLS listeners, long-term credentials with TURN
 * REST usernames, allocations bound to whoot sessions, an SSRF-safe peer policy, quotas and a byte-rate cap.
 * The server composition (serverApp.ts) or relayCli.ts creates one; nothing here reads files or the environment.
 */
export interface RelayLimits {
  /** Allocations one user may hold at once (486 beyond). */
  readonly maxAllocationsPerUser: number;
  /** Allocations the relay holds at once (508 beyond). */
  readonly maxAllocations: number;
  /** Per allocation and per direction, application bytes per second; excess packets are dropped and counted. */
  readonly bandwidthBytesPerSecond: number;
  /** How far a sender may run ahead of the rate; defaults to one second's worth (at least 64 KiB, one datagram). */
  readonly burstBytes?: number;
  /** Concurrent TCP plus TLS connections per listener. */
  readonly maxStreamConnections: number;
}

export interface RelayOptions {
  readonly realm: string;
  /** The TURN REST secret (relaySecretText), or several while rotating (newest first), or a getter for rotation. */
  readonly secret: string | readonly string[] | (() => readonly string[]);
  readonly listen: {
    readonly host: string;
    /**
     * Share the ports with other sockets that set it too (SO_REUSEPORT, Linux): the workers of relayWorkers.ts.
     * The kernel then hands each client 4-tuple (and each TCP connection) to one of them.
     */
    readonly reusePort?: boolean;
    /**
     * Read the UDP listener with recvmmsg/sendmmsg (batchedUdpListener.ts): true requires it, false uses Node's
     * dgram, absent uses it where the addon loads (Linux builds) and dgram elsewhere.
     */
    readonly batchedUdp?: boolean;
    /** 0 picks a free port; null or absent leaves the listener off. */
    readonly udpPort?: number | null;
    readonly tcpPort?: number | null;
    readonly tls?: (TlsMaterial & { readonly port: number }) | null;
  };
  /** Where relayed sockets bind, and the range they take ports from (the whole ephemeral range if absent). */
  readonly relay: { readonly address: string; readonly portRange?: RelayPortRange | null };
  /**
   * The session check, with the session id and user id of the TURN username: false (the session ended, was never
   * issued, or is another user's) refuses Allocate with 401 and ends the allocation on Refresh. A rejection means
   * it cannot tell (store or server unreachable): Allocate then answers 500 and allocates nothing (fail closed),
   * while Refresh keeps an allocation whose session was checked when it started (a blip must not drop live calls).
   * Absent: every session is live.
   */
  readonly isSessionLive?: (sessionId: string, userId: string) => Promise<boolean>;
  /**
   * Moderation: whether the user's outgoing media must be dropped (server mute). Asked at Allocate and on
   * `mediaPolicyChanged(userId)`, never per packet. Absent: nobody's media is blocked.
   */
  readonly isMediaBlocked?: (userId: string) => boolean;
  readonly limits?: Partial<RelayLimits>;
  /**
   * IPs exempt from the peer address policy, like coturn's --allow-loopback-peers: for benchmarks and interop tests
   * with a local echo peer. Never set in production; the policy exists because of what such peers can reach.
   */
  readonly allowedPeers?: readonly string[];
  /**
   * The SFU (Janus) this relay's clients reach on a loopback or private address: exactly its IP and media ports are
   * allowed, like the relay's own allocations, and nothing else of those ranges (sfuPeers.ts).
   */
  readonly sfuPeers?: readonly SfuPeer[];
  /**
   * Also accept channel numbers 0x5000-0x7FFF in ChannelBind, as RFC 5766 did and coturn still does. RFC 8656
   * reserved them; coturn's own turnutils_uclient picks numbers from the old range, so benchmarks and interop tests
   * against it need this. Browsers (libwebrtc) count up from 0x4000 and never need it.
   */
  readonly legacyChannelNumbers?: boolean;
  /**
   * How long a NONCE stays valid (NONCE_TTL_SECONDS bounds); after it a request gets 438 and a fresh nonce, one extra
   * round trip. Shorter narrows the window in which a captured request can be replayed from the same 5-tuple.
   */
  readonly nonceTtlSeconds?: number;
  /** SOFTWARE in responses; null sends none. */
  readonly software?: string | null;
  /** Milliseconds; tests move it to expire nonces, credentials and allocations without sleeping. */
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Set by relayWorkers.ts when this relay is one of several worker threads sharing its listening ports. */
  readonly pool?: RelayPoolMember;
}

/**
 * What one worker of a multi-core relay shares with the others (relayWorkers.ts): the listeners bind with
 * SO_REUSEPORT, so the kernel spreads clients over the workers by their 4-tuple and each client's allocation lives on
 * one worker; what must agree across workers comes from here.
 */
export interface RelayPoolMember {
  /** relayedPorts.ts: which relayed ports are live on any worker (the peer policy's own-address exception). */
  readonly relayedPorts: SharedArrayBuffer;
  /** This worker's counters (relayCounters.ts layout), summed by the pool for stats(). */
  readonly counters: SharedArrayBuffer;
  /** Per-user and total allocation quotas, kept by the pool for every worker. */
  readonly quota: {
    tryAcquire(userId: string, sessionId: string): Promise<QuotaDecision>;
    release(userId: string, sessionId: string): void;
  };
  /** The NONCE key, the same on every worker, so a nonce stays valid whichever worker reads it. */
  readonly nonceKey: Uint8Array;
  /**
   * False until every worker has bound the shared ports; a datagram from a new client is dropped until then. The
   * kernel hashes a client's 4-tuple over the sockets bound at that moment: a client served while a worker was still
   * starting would be moved to that worker when it bound, and every request after its Allocate would find no
   * allocation there (437). A client retransmits, so it is answered once the pool is whole.
   */
  readonly admitsClients: () => boolean;
}

export type { RelayStats } from './relayCounters';

export interface Relay {
  readonly addresses: {
    readonly udp: { host: string; port: number } | null;
    readonly tcp: { host: string; port: number } | null;
    readonly tls: { host: string; port: number } | null;
  };
  stats(): RelayStats;
  /** Deletes every allocation of the session at once (sign-out, revocation); returns how many went. */
  endSession(sessionId: string): number;
  /**
   * The answer of `isMediaBlocked(userId)` may have changed (muted, unmuted, joined or left a voice room): asks it
   * again for the user's allocations, effective from their next packet. Returns how many are now blocked.
   */
  mediaPolicyChanged(userId: string): number;
  /** Removes expired allocations, permissions and channels now (the relay also does it every second). */
  sweep(): void;
  close(): Promise<void>;
}

export const DEFAULT_LIFETIME_SECONDS = 600;
/** coturn's default stale-nonce is 600 s too; below 30 s clients spend more round trips on 438 than on requests. */
export const NONCE_TTL_SECONDS = { min: 30, max: 3600, default: 600 } as const;
export const MAX_LIFETIME_SECONDS = 3600;
export const PERMISSION_LIFETIME_SECONDS = 300;
export const CHANNEL_LIFETIME_SECONDS = 600;
/** RFC 8656 section 14.6: a channel number that expired stays out of use for five minutes. */
const CHANNEL_COOLDOWN_MS = 300_000;
const RESERVATION_LIFETIME_MS = 30_000;
const STREAM_IDLE_MS = 30_000;
/** Past this much unsent data on a stream, packets are dropped rather than queued: voice that late is useless. */
const STREAM_HIGH_WATER_BYTES = 256 * 1024;
const LOG_LINES_PER_SECOND = 20;
/**
 * Both ends of a call send their first ICE checks as soon as they learn each other's candidates, and each end's
 * permission for the other comes with the same news: a check often reaches the receiving allocation a few
 * milliseconds before its owner's CreatePermission, is dropped, and the call waits for the next check (about 100 ms
 * in libwebrtc). So a STUN packet from a peer without a permission waits this long for one, and is delivered only
 * if its receiver permits that peer meanwhile; media and anything else is never held.
 */
const HELD_CHECK_MS = 500;
const HELD_CHECKS_PER_ALLOCATION = 16;

export const DEFAULT_LIMITS: RelayLimits = {
  // A mesh member holds an allocation per other member, TURN URL and network interface: 40 carries the default
  // mesh/SFU line (6) for dual-stack clients with UDP and TCP (4 x 5 = 20) and a mesh-only server's rooms of up to
  // 11 such members (21 on one interface). One user still holds at most 4 % of the default total.
  maxAllocationsPerUser: 40,
  maxAllocations: 1000,
  bandwidthBytesPerSecond: 256 * 1024,
  maxStreamConnections: 2000,
};

/** Comprehension-required attributes a TURN request may carry; anything else below 0x8000 earns a 420. */
const UNDERSTOOD = new Set<number>([
  Attr.USERNAME,
  Attr.REALM,
  Attr.NONCE,
  Attr.MESSAGE_INTEGRITY,
  Attr.MESSAGE_INTEGRITY_SHA256,
  Attr.LIFETIME,
  Attr.REQUESTED_TRANSPORT,
  Attr.REQUESTED_ADDRESS_FAMILY,
  Attr.XOR_PEER_ADDRESS,
  Attr.DATA,
  Attr.CHANNEL_NUMBER,
  Attr.EVEN_PORT,
  Attr.RESERVATION_TOKEN,
  // Accepted and ignored: Node cannot set DF on a datagram, and the ICE attributes mean nothing to a relay.
  Attr.DONT_FRAGMENT,
  Attr.PRIORITY,
  Attr.USE_CANDIDATE,
  // BANDWIDTH (RFC 5766 drafts), sent by turnutils_uclient -a.
  0x0010,
]);

interface Reservation {
  readonly socket: UdpSocket;
  readonly port: number;
  readonly expiresAt: number;
}

export async function createRelay(options: RelayOptions): Promise<Relay> {
  const now = options.now ?? Date.now;
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const software = options.software === undefined ? 'whoot relay' : options.software;
  const relayAddress = canonicalIp(options.relay.address);
  const relayFamily = ipFamily(options.relay.address);
  if (relayAddress === null || relayFamily === null) throw new TypeError('relay.address must be an IP address');
  const portRange = options.relay.portRange ?? null;
  if (portRange !== null && !(portRange.min >= 1 && portRange.min <= portRange.max && portRange.max <= 65535)) {
    throw new RangeError('relay.portRange must be 1-65535 with min <= max');
  }
  const { secret } = options;
  const fixedSecrets: readonly string[] =
    typeof secret === 'string' ? [secret] : typeof secret === 'function' ? [] : secret;
  const secrets = typeof secret === 'function' ? secret : () => fixedSecrets;
  // A bad secret is a configuration mistake: fail at start, not on the first client's packet.
  for (const each of secrets()) turnCredentialFor(each, 'check');
  const nonceTtlSeconds = options.nonceTtlSeconds ?? NONCE_TTL_SECONDS.default;
  if (
    !Number.isInteger(nonceTtlSeconds) ||
    nonceTtlSeconds < NONCE_TTL_SECONDS.min ||
    nonceTtlSeconds > NONCE_TTL_SECONDS.max
  ) {
    throw new RangeError(
      `nonceTtlSeconds must be an integer from ${NONCE_TTL_SECONDS.min} to ${NONCE_TTL_SECONDS.max}`,
    );
  }
  const legacyChannels = options.legacyChannelNumbers ?? false;
  const isSessionLive = options.isSessionLive ?? (async () => true);
  const isMediaBlocked = options.isMediaBlocked ?? (() => false);
  const allowedPeers = new Set((options.allowedPeers ?? []).map((ip) => canonicalIp(ip) ?? ip));
  const isSfuPeer = sfuPeerMatcher(options.sfuPeers ?? []);
  const log = rateLimitedLog(options.log ?? ((line) => console.log(`[whoot relay] ${line}`)), now);

  const pool = options.pool ?? null;
  const counters = createRelayCounters(pool?.counters);
  const localQuota = createAllocationQuota({ perUser: limits.maxAllocationsPerUser, total: limits.maxAllocations });
  const quota: RelayPoolMember['quota'] = pool?.quota ?? {
    tryAcquire: async (userId) => localQuota.tryAcquire(userId),
    release: (userId) => void localQuota.release(userId),
  };
  const nonces = createNonceIssuer({ ttlSeconds: nonceTtlSeconds, now, ...(pool ? { key: pool.nonceKey } : {}) });
  const authOptions: LongTermAuthOptions = { realm: options.realm, secrets, nonces, now };

  const allocations = new Set<Allocation>();
  /** Relayed port -> allocation of this relay process: packets between two of them skip the kernel. */
  const localByPort = new Map<number, Allocation>();
  /** Relayed ports live on any worker: the exception list of the peer policy, checked per packet. */
  const ownPorts = pool ? relayedPortsOn(pool.relayedPorts) : createRelayedPorts();
  /**
   * Moves on at every change of allocations, permissions or channels in this process: routes cached on channel
   * bindings (PeerRoute) are reused while it, and the shared port set's version, stay put.
   */
  let version = 0;
  /** UDP clients with an allocation, by address then port: the per-datagram lookup without building a key. */
  const udpLinks = new Map<string, Map<number, ClientLink>>();
  /** The IPv4 ones again by `ipv4 * 65536 + port`: the batched listener's lookup, without an address string. */
  const udpLinksV4 = new Map<number, ClientLink>();
  const reservations = new Map<string, Reservation>();
  /** Sessions ended while an Allocate for them was in flight: the Allocate must not complete. */
  const sessionEnds = new Map<string, { count: number; at: number }>();
  const streamSockets = new Set<Socket>();
  let closed = false;

  const refuse = (reason: RefusalReason, link: ClientLink, what: string, code?: number) => {
    counters.refused(reason);
    // The client's address and the reason only: never the username, nonce or integrity.
    log(
      `refused ${what} from ${link.transport}:${link.remote.address}:${link.remote.port}: ${reason}${code ? ` (${code})` : ''}`,
    );
  };

  // ---- sending ------------------------------------------------------------------------------------------------

  const sendResponse = (
    link: ClientLink,
    request: StunMessage,
    cls: typeof StunClass.success | typeof StunClass.error,
    attributes: OutgoingAttribute[],
    auth: Pick<AuthenticatedRequest, 'key' | 'integrity'> | null,
  ): Buffer => {
    if (software !== null) attributes.push({ type: Attr.SOFTWARE, value: writeText(software) });
    const bytes = encodeStun(
      { method: request.method, cls, transactionId: request.transactionId, attributes },
      {
        ...(auth ? { integrity: { key: auth.key, kind: auth.integrity } } : {}),
        // Binding answers always carry it (ICE keep-alives check it); TURN answers when the client used it.
        fingerprint: request.fingerprint || request.method === StunMethod.binding,
      },
    );
    link.sendOne(bytes);
    return bytes;
  };

  const sendError = (
    link: ClientLink,
    request: StunMessage,
    code: number,
    auth: Pick<AuthenticatedRequest, 'key' | 'integrity'> | null,
    extra: OutgoingAttribute[] = [],
  ) =>
    sendResponse(
      link,
      request,
      StunClass.error,
      [{ type: Attr.ERROR_CODE, value: writeErrorCode(code) }, ...extra],
      auth,
    );

  const sendChallenge = (link: ClientLink, request: StunMessage, code: number) =>
    sendError(link, request, code, null, [
      { type: Attr.REALM, value: writeText(options.realm) },
      { type: Attr.NONCE, value: writeText(nonces.issue(link.id)) },
    ]);

  // ---- allocation lifecycle ---------------------------------------------------------------------------------

  const registerUdpLink = (link: ClientLink) => {
    let ports = udpLinks.get(link.remote.address);
    if (ports === undefined) udpLinks.set(link.remote.address, (ports = new Map()));
    ports.set(link.remote.port, link);
    const key = ipv4KeyOf(link.remote);
    if (key !== null) udpLinksV4.set(key, link);
  };

  const unregisterUdpLink = (link: ClientLink) => {
    const ports = udpLinks.get(link.remote.address);
    if (ports?.get(link.remote.port) !== link) return;
    ports.delete(link.remote.port);
    if (ports.size === 0) udpLinks.delete(link.remote.address);
    const key = ipv4KeyOf(link.remote);
    if (key !== null) udpLinksV4.delete(key);
  };

  const endAllocation = (allocation: Allocation, why: string) => {
    if (allocation.ended) return;
    allocation.ended = true;
    allocations.delete(allocation);
    localByPort.delete(allocation.relayed.port);
    ownPorts.delete(allocation.relayed.port);
    version += 1;
    quota.release(allocation.userId, allocation.sessionId);
    counters.allocationEnded();
    closeQuietly(allocation.socket);
    if (allocation.link.allocation === allocation) allocation.link.allocation = null;
    if (allocation.link.transport === 'udp') unregisterUdpLink(allocation.link);
    log(`allocation ${allocation.relayed.address}:${allocation.relayed.port} ended (${why})`);
  };

  /** One of this relay's live relayed transport addresses (on any worker). */
  const isOwnRelayed = (ip: string, port: number) => ip === relayAddress && ownPorts.has(port);
  /**
   * The two exceptions to the peer policy, both held to their ports: this relay's own relayed addresses, and the
   * SFU's address and media ports (sfuPeers.ts). Nothing else of the private ranges opens up.
   */
  const isExceptedPeer = (ip: string, port: number) => isOwnRelayed(ip, port) || isSfuPeer(ip, port);

  /**
   * The address policy for a peer. Addresses the policy refuses pass only as one of this relay's own relayed
   * transport addresses (`ownOnly`): the port the request names must be a live allocation's, so the exception
   * never opens another UDP service on the relay host. RFC 8656 permissions are per IP and ignore the port; here the
   * port decides whether a loopback or private IP is allowed at all (section 9.1 lets a server refuse peers by
   * policy), and the per-packet check holds every packet to live allocations' ports as well. The SFU's address
   * and media ports (`sfuPeers`) are the one other exception, held to its ports the same way.
   */
  const judgePeer = (
    ip: string,
    port: number,
  ): { ok: true; ownOnly: boolean } | { ok: false; reason: RefusalReason } => {
    if (allowedPeers.has(ip)) return { ok: true, ownOnly: false };
    const open = isPublicAddress(ip);
    if (open.ok) return { ok: true, ownOnly: false };
    return isExceptedPeer(ip, port) ? { ok: true, ownOnly: true } : { ok: false, reason: `peer_${open.reason}` };
  };

  const desiredLifetime = (message: StunMessage): number | null => {
    const value = getAttribute(message, Attr.LIFETIME);
    if (value === undefined) return DEFAULT_LIFETIME_SECONDS;
    const requested = readUint32(value);
    if (requested === null) return null;
    if (requested === 0) return 0;
    return Math.max(DEFAULT_LIFETIME_SECONDS, Math.min(requested, MAX_LIFETIME_SECONDS));
  };

  // ---- requests -----------------------------------------------------------------------------------------------

  const unknownComprehensionRequired = (message: StunMessage): number[] =>
    message.attributes.map((a) => a.type).filter((type) => type < 0x8000 && !UNDERSTOOD.has(type));

  /**
   * RFC 8489 section 7.3.1: a request with comprehension-required attributes this relay does not know is answered
   * with 420 and UNKNOWN-ATTRIBUTES, never processed. Returns true when it was refused (the answer is sent).
   */
  const refusedUnknownAttributes = (
    link: ClientLink,
    message: StunMessage,
    what: string,
    auth: Pick<AuthenticatedRequest, 'key' | 'integrity'> | null,
  ): boolean => {
    const unknown = unknownComprehensionRequired(message);
    if (unknown.length === 0) return false;
    refuse('bad_request', link, what, ErrorCode.unknownAttribute);
    sendError(link, message, ErrorCode.unknownAttribute, auth, [
      { type: Attr.UNKNOWN_ATTRIBUTES, value: writeUnknownAttributes(unknown) },
    ]);
    return true;
  };

  /** Authentication plus the 420 check; on failure the answer is already sent. */
  const authorise = (link: ClientLink, message: StunMessage, what: string, requireUnexpired: boolean) => {
    const outcome = authenticate(message, link.id, authOptions, requireUnexpired);
    if (!outcome.ok) {
      if (outcome.reason !== null) refuse(outcome.reason, link, what, outcome.code);
      if (outcome.challenge) sendChallenge(link, message, outcome.code);
      else sendError(link, message, outcome.code, null);
      return null;
    }
    return refusedUnknownAttributes(link, message, what, outcome.value) ? null : outcome.value;
  };

  /** Requests on an existing allocation: same 5-tuple (437 otherwise) and same credentials (441 otherwise). */
  const allocationFor = (link: ClientLink, message: StunMessage, what: string) => {
    const auth = authorise(link, message, what, false);
    if (auth === null) return null;
    const allocation = link.allocation;
    if (allocation === null || allocation.ended) {
      refuse('allocation_mismatch', link, what, ErrorCode.allocationMismatch);
      sendError(link, message, ErrorCode.allocationMismatch, auth);
      return null;
    }
    if (allocation.username !== auth.username) {
      // Another user's credentials on this 5-tuple (441): counted with the other credential failures.
      refuse('bad_credentials', link, what, ErrorCode.wrongCredentials);
      sendError(link, message, ErrorCode.wrongCredentials, auth);
      return null;
    }
    return { auth, allocation };
  };

  const handleAllocate = async (link: ClientLink, message: StunMessage) => {
    const auth = authorise(link, message, 'allocate', true);
    if (auth === null) return;
    const existing = link.allocation;
    if (existing !== null && !existing.ended) {
      if (existing.allocateTransaction === message.transactionId.toString('hex'))
        link.sendOne(existing.allocateResponse);
      else {
        refuse('allocation_mismatch', link, 'allocate', ErrorCode.allocationMismatch);
        sendError(link, message, ErrorCode.allocationMismatch, auth);
      }
      return;
    }
    if (link.allocating) return;
    const transportValue = getAttribute(message, Attr.REQUESTED_TRANSPORT);
    const transport = transportValue === undefined ? null : readRequestedTransport(transportValue);
    if (transport === null) {
      refuse('bad_request', link, 'allocate', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    if (transport !== TRANSPORT_UDP) {
      refuse('unsupported_transport', link, 'allocate', ErrorCode.unsupportedTransport);
      sendError(link, message, ErrorCode.unsupportedTransport, auth);
      return;
    }
    const familyValue = getAttribute(message, Attr.REQUESTED_ADDRESS_FAMILY);
    const family = familyValue === undefined ? relayFamily : readAddressFamily(familyValue);
    const evenValue = getAttribute(message, Attr.EVEN_PORT);
    const even = evenValue === undefined ? null : readEvenPort(evenValue);
    const tokenValue = getAttribute(message, Attr.RESERVATION_TOKEN);
    const lifetime = desiredLifetime(message);
    if (
      family === null ||
      (evenValue !== undefined && even === null) ||
      (tokenValue !== undefined && (tokenValue.length !== 8 || evenValue !== undefined || familyValue !== undefined)) ||
      lifetime === null
    ) {
      refuse('bad_request', link, 'allocate', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    if (family !== relayFamily) {
      refuse('address_family', link, 'allocate', ErrorCode.addressFamilyNotSupported);
      sendError(link, message, ErrorCode.addressFamilyNotSupported, auth);
      return;
    }

    link.allocating = true;
    // Known while the allocation is made (the session check and the quota are asynchronous), so an Allocate the
    // client retransmits meanwhile reaches this link and waits, instead of making a second allocation for the same
    // 5-tuple: that one replaced the first, which leaked until it expired, holding a port and a quota slot, and the
    // client's later requests reached an allocation it had not been told about (437).
    if (link.transport === 'udp') registerUdpLink(link);
    const endsBefore = sessionEnds.get(auth.sessionId)?.count ?? 0;
    let acquired = false;
    try {
      let live: boolean;
      try {
        live = await isSessionLive(auth.sessionId, auth.userId);
      } catch {
        refuse('session_check_failed', link, 'allocate', ErrorCode.serverError);
        sendError(link, message, ErrorCode.serverError, auth);
        return;
      }
      if (!live) {
        refuse('revoked_session', link, 'allocate', ErrorCode.unauthorized);
        sendChallenge(link, message, ErrorCode.unauthorized);
        return;
      }
      const granted = await quota.tryAcquire(auth.userId, auth.sessionId);
      if (!granted.ok) {
        const code =
          granted.reason === 'user_quota' ? ErrorCode.allocationQuotaReached : ErrorCode.insufficientCapacity;
        refuse(granted.reason, link, 'allocate', code);
        sendError(link, message, code, auth);
        return;
      }
      acquired = true;
      let socket: UdpSocket;
      let port: number;
      let token: Buffer | null = null;
      const tokenKey = tokenValue?.toString('hex');
      const reservation = tokenKey === undefined ? undefined : reservations.get(tokenKey);
      if (tokenKey !== undefined) {
        if (reservation === undefined || reservation.expiresAt <= now()) {
          refuse('bad_request', link, 'allocate', ErrorCode.insufficientCapacity);
          sendError(link, message, ErrorCode.insufficientCapacity, auth);
          return;
        }
        reservations.delete(tokenKey);
        ({ socket, port } = reservation);
      } else {
        const bound = await bindRelaySocket(relayAddress, portRange, {
          even: even !== null,
          reserveNext: even?.reserveNext ?? false,
        });
        if (bound === null) {
          refuse('total_limit', link, 'allocate', ErrorCode.insufficientCapacity);
          sendError(link, message, ErrorCode.insufficientCapacity, auth);
          return;
        }
        ({ socket, port } = bound);
        if (bound.reserved !== null) {
          token = randomBytes(8);
          reservations.set(token.toString('hex'), { ...bound.reserved, expiresAt: now() + RESERVATION_LIFETIME_MS });
          bound.reserved.socket.on('error', () => undefined);
        }
      }
      if (closed || link.closed || (sessionEnds.get(auth.sessionId)?.count ?? 0) !== endsBefore) {
        closeQuietly(socket);
        if (!closed && !link.closed) {
          refuse('revoked_session', link, 'allocate', ErrorCode.unauthorized);
          sendChallenge(link, message, ErrorCode.unauthorized);
        }
        return;
      }
      const relayed: TransportAddress = { family: relayFamily, address: relayAddress, port };
      const attributes: OutgoingAttribute[] = [
        { type: Attr.XOR_RELAYED_ADDRESS, value: writeXorAddress(relayed, message.transactionId) },
        { type: Attr.LIFETIME, value: writeUint32(lifetime) },
        { type: Attr.XOR_MAPPED_ADDRESS, value: writeXorAddress(link.remote, message.transactionId) },
      ];
      if (token !== null) attributes.push({ type: Attr.RESERVATION_TOKEN, value: token });
      const rate = {
        bytesPerSecond: limits.bandwidthBytesPerSecond,
        burstBytes: limits.burstBytes ?? Math.max(limits.bandwidthBytesPerSecond, 65_536),
        now,
      };
      const response = sendResponse(link, message, StunClass.success, attributes, auth);
      const allocation: Allocation = {
        link,
        username: auth.username,
        userId: auth.userId,
        sessionId: auth.sessionId,
        key: auth.key,
        socket,
        relayed,
        expiresAt: now() + lifetime * 1000,
        permissions: new Map(),
        channels: new Map(),
        channelByPeer: new Map(),
        toPeer: createByteRateLimiter(rate),
        toClient: createByteRateLimiter(rate),
        allocateTransaction: message.transactionId.toString('hex'),
        allocateResponse: response,
        mediaBlocked: isMediaBlocked(auth.userId),
        ended: false,
        fromPeer: null,
        heldChecks: null,
      };
      acquired = false;
      allocations.add(allocation);
      link.allocation = allocation;
      if (link.transport === 'udp') registerUdpLink(link);
      localByPort.set(port, allocation);
      ownPorts.add(port);
      version += 1;
      counters.allocationCreated();
      socket.on('error', () => undefined);
      socket.on('message', (data: Buffer, from: RemoteInfo) =>
        fromPeer(
          allocation,
          data,
          from.family === 'IPv6' ? (canonicalIp(from.address) ?? from.address) : from.address,
          from.port,
        ),
      );
    } finally {
      link.allocating = false;
      if (link.transport === 'udp' && link.allocation === null) unregisterUdpLink(link);
      if (acquired) quota.release(auth.userId, auth.sessionId);
    }
  };

  const handleRefresh = async (link: ClientLink, message: StunMessage) => {
    const found = allocationFor(link, message, 'refresh');
    if (found === null) return;
    const { auth, allocation } = found;
    const lifetime = desiredLifetime(message);
    if (lifetime === null) {
      refuse('bad_request', link, 'refresh', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    if (lifetime === 0) {
      endAllocation(allocation, 'refresh 0');
      sendResponse(link, message, StunClass.success, [{ type: Attr.LIFETIME, value: writeUint32(0) }], auth);
      return;
    }
    const live = await isSessionLive(allocation.sessionId, allocation.userId).catch(() => null);
    if (live === null) {
      log(`session check failed on refresh from ${link.transport}:${link.remote.address}; allocation kept`);
    } else if (!live) {
      endAllocation(allocation, 'session ended');
      refuse('revoked_session', link, 'refresh', ErrorCode.unauthorized);
      sendChallenge(link, message, ErrorCode.unauthorized);
      return;
    }
    if (allocation.ended) return;
    allocation.expiresAt = now() + lifetime * 1000;
    sendResponse(link, message, StunClass.success, [{ type: Attr.LIFETIME, value: writeUint32(lifetime) }], auth);
  };

  /** Reads and judges one XOR-PEER-ADDRESS; on failure answers and returns null. */
  const peerFrom = (
    link: ClientLink,
    message: StunMessage,
    value: Buffer,
    auth: AuthenticatedRequest,
    what: string,
  ) => {
    const peer = readXorAddress(value, message.transactionId);
    if (peer === null) {
      refuse('bad_request', link, what, ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return null;
    }
    // Policy before family: a forbidden address is refused as forbidden (403) whatever this relay's family.
    const verdict = judgePeer(peer.address, peer.port);
    if (!verdict.ok) {
      refuse(verdict.reason, link, what, ErrorCode.forbidden);
      sendError(link, message, ErrorCode.forbidden, auth);
      return null;
    }
    if (peer.family !== relayFamily) {
      refuse('address_family', link, what, ErrorCode.peerAddressFamilyMismatch);
      sendError(link, message, ErrorCode.peerAddressFamilyMismatch, auth);
      return null;
    }
    return { peer, ownOnly: verdict.ownOnly };
  };

  const handleCreatePermission = (link: ClientLink, message: StunMessage) => {
    const found = allocationFor(link, message, 'create-permission');
    if (found === null) return;
    const { auth, allocation } = found;
    const values = getAttributes(message, Attr.XOR_PEER_ADDRESS);
    if (values.length === 0) {
      refuse('bad_request', link, 'create-permission', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    const peers: { peer: TransportAddress; ownOnly: boolean }[] = [];
    for (const value of values) {
      // All or nothing (RFC 8656 section 10.2): one refused peer installs none.
      const judged = peerFrom(link, message, value, auth, 'create-permission');
      if (judged === null) return;
      peers.push(judged);
    }
    const expiresAt = now() + PERMISSION_LIFETIME_SECONDS * 1000;
    for (const { peer, ownOnly } of peers) allocation.permissions.set(peer.address, { expiresAt, ownOnly });
    version += 1;
    sendResponse(link, message, StunClass.success, [], auth);
    releaseChecks(allocation, now());
  };

  const handleChannelBind = (link: ClientLink, message: StunMessage) => {
    const found = allocationFor(link, message, 'channel-bind');
    if (found === null) return;
    const { auth, allocation } = found;
    const channelValue = getAttribute(message, Attr.CHANNEL_NUMBER);
    const peerValue = getAttribute(message, Attr.XOR_PEER_ADDRESS);
    const channel = channelValue === undefined ? null : readChannelNumber(channelValue);
    const inRange =
      channel !== null && (isChannelNumber(channel) || (legacyChannels && channel >= 0x4000 && channel <= 0x7fff));
    if (channel === null || peerValue === undefined || !inRange) {
      refuse('bad_request', link, 'channel-bind', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    const judged = peerFrom(link, message, peerValue, auth, 'channel-bind');
    if (judged === null) return;
    const { peer, ownOnly } = judged;
    const at = now();
    const peerKey = peerKeyOf(peer.address, peer.port);
    const byNumber = allocation.channels.get(channel);
    const byPeer = allocation.channelByPeer.get(peerKey);
    // RFC 8656 section 11.2: a number is bound to one peer and a peer to one number, for the binding's life.
    if (
      (byNumber !== undefined && byNumber.peerKey !== peerKey) ||
      (byPeer !== undefined && byPeer.channel !== channel)
    ) {
      refuse('bad_request', link, 'channel-bind', ErrorCode.badRequest);
      sendError(link, message, ErrorCode.badRequest, auth);
      return;
    }
    const binding: ChannelBinding = byNumber ?? { channel, peer, peerKey, expiresAt: 0, route: null };
    binding.expiresAt = at + CHANNEL_LIFETIME_SECONDS * 1000;
    allocation.channels.set(channel, binding);
    allocation.channelByPeer.set(peerKey, binding);
    const permission = allocation.permissions.get(peer.address);
    allocation.permissions.set(peer.address, {
      expiresAt: Math.max(permission?.expiresAt ?? 0, at + PERMISSION_LIFETIME_SECONDS * 1000),
      ownOnly: permission === undefined ? ownOnly : permission.ownOnly && ownOnly,
    });
    version += 1;
    sendResponse(link, message, StunClass.success, [], auth);
    releaseChecks(allocation, at);
  };

  // ---- data path ----------------------------------------------------------------------------------------------
  // Per packet: no string keys, no closures, no buffers beyond what the socket hands us where the shape allows. What
  // a channel's peer means (permission, own address, local allocation, its channel back) is worked out once per
  // change of the relay's state (PeerRoute) instead of per packet.

  const routeTo = (allocation: Allocation, address: string, port: number): PeerRoute => {
    const local = address === relayAddress ? localByPort.get(port) : undefined;
    const back = local === undefined ? undefined : allocation.relayed;
    return {
      version,
      sharedVersion: ownPorts.version(),
      permission: allocation.permissions.get(address),
      peerIsOwn: isExceptedPeer(address, port),
      local,
      reversePermission: back === undefined ? undefined : local?.permissions.get(back.address),
      reverseChannel: back === undefined ? undefined : local?.channelByPeer.get(peerKeyOf(back.address, back.port)),
    };
  };

  const routeOf = (allocation: Allocation, binding: ChannelBinding): PeerRoute => {
    const cached = binding.route;
    if (cached !== null && cached.version === version && cached.sharedVersion === ownPorts.version()) return cached;
    return (binding.route = routeTo(allocation, binding.peer.address, binding.peer.port));
  };

  const permitted = (permission: Permission | undefined, peerIsOwn: boolean, at: number) =>
    permission !== undefined && permission.expiresAt > at && (!permission.ownOnly || peerIsOwn);

  const refuseUnpermitted = () => {
    counters.dropped('noPermission');
    counters.refused('no_permission');
  };

  /** A packet from a peer `allocation` has not permitted: an ICE check waits for the permission, anything else goes. */
  const holdCheck = (allocation: Allocation, address: string, port: number, data: Buffer, at: number) => {
    if (!looksLikeStun(data)) {
      refuseUnpermitted();
      return;
    }
    const held = (allocation.heldChecks ??= []);
    while (held.length > 0 && (held[0]?.until ?? 0) <= at) {
      held.shift();
      refuseUnpermitted();
    }
    if (held.length >= HELD_CHECKS_PER_ALLOCATION) {
      refuseUnpermitted();
      return;
    }
    // A copy: the buffer the packet arrived in is reused or handed on.
    held.push({ address, port, data: Buffer.from(data), until: at + HELD_CHECK_MS });
  };

  /** After a permission or channel is installed: deliver the held checks it now lets in, drop the expired ones. */
  const releaseChecks = (allocation: Allocation, at: number) => {
    const held = allocation.heldChecks;
    if (held === null) return;
    allocation.heldChecks = null;
    const waiting: HeldCheck[] = [];
    for (const check of held) {
      if (check.until <= at) {
        refuseUnpermitted();
      } else if (permitted(allocation.permissions.get(check.address), isExceptedPeer(check.address, check.port), at)) {
        toClient(
          allocation,
          check.data,
          check.address,
          check.port,
          allocation.channelByPeer.get(peerKeyOf(check.address, check.port)),
          at,
        );
      } else {
        waiting.push(check);
      }
    }
    if (waiting.length > 0) allocation.heldChecks = waiting;
  };

  /**
   * Client to peer. `framed` is the whole ChannelData packet the data came in (header included) when there is one:
   * handed to another allocation of this relay that has a channel back, only its channel number changes (the length
   * is the same), so it leaves as the buffer it arrived in.
   */
  const relayToPeer = (
    allocation: Allocation,
    peer: { address: string; port: number },
    data: Buffer,
    route: PeerRoute,
    at: number,
    framed: Buffer | null,
  ) => {
    if (!permitted(route.permission, route.peerIsOwn, at)) {
      counters.dropped('noPermission');
      counters.refused('no_permission');
      return;
    }
    // Before the byte budget: a muted sender's dropped media must not eat the rate its RTCP and DTLS need.
    if (allocation.mediaBlocked && !passesServerMute(data)) {
      counters.dropped('serverMuted');
      counters.refused('server_muted');
      return;
    }
    if (!allocation.toPeer.tryConsume(data.length)) {
      counters.dropped('bandwidth');
      counters.refused('bandwidth');
      return;
    }
    counters.relayed('client_to_peer', data.length);
    const local = route.local;
    if (local !== undefined) {
      // Both ends on this relay (the usual call): hand the packet to the other allocation as if it had come through
      // the kernel from our relayed address. Same checks on arrival, half the syscalls.
      if (local.ended) return;
      if (!permitted(route.reversePermission, true, at)) {
        holdCheck(local, allocation.relayed.address, allocation.relayed.port, data, at);
        return;
      }
      const channel = route.reverseChannel;
      if (framed !== null && channel !== undefined && channel.expiresAt > at && !local.link.stream) {
        if (!local.toClient.tryConsume(data.length)) {
          counters.dropped('bandwidth');
          counters.refused('bandwidth');
          return;
        }
        framed.writeUInt16BE(channel.channel, 0);
        local.link.sendOne(framed);
        counters.relayed('peer_to_client', data.length);
        return;
      }
      toClient(local, data, allocation.relayed.address, allocation.relayed.port, channel, at);
      return;
    }
    // A copy: a datagram from the batched listener lives in its receive buffer, and dgram may queue the send.
    allocation.socket.send(Buffer.from(data), peer.port, peer.address);
  };

  const handleSend = (link: ClientLink, message: StunMessage) => {
    const allocation = link.allocation;
    const peerValue = getAttribute(message, Attr.XOR_PEER_ADDRESS);
    const data = getAttribute(message, Attr.DATA);
    // Indications get no answer (RFC 8656 section 11.2): a bad one is dropped.
    if (allocation === null) {
      counters.dropped('noAllocation');
      return;
    }
    if (peerValue === undefined || data === undefined) {
      counters.dropped('malformed');
      return;
    }
    const peer = readXorAddress(peerValue, message.transactionId);
    if (peer === null) {
      counters.dropped('malformed');
      return;
    }
    relayToPeer(allocation, peer, data, routeTo(allocation, peer.address, peer.port), now(), null);
  };

  const handleChannelFromClient = (link: ClientLink, packet: Buffer) => {
    const allocation = link.allocation;
    if (packet.length < 4) {
      counters.dropped('malformed');
      return;
    }
    // A client keeps sending on its 5-tuple until it notices its allocation ended (e.g. at sign-out): not hostile.
    if (allocation === null) {
      counters.dropped('noAllocation');
      return;
    }
    const at = now();
    const channel = packet.readUInt16BE(0);
    const length = packet.readUInt16BE(2);
    const binding = allocation.channels.get(channel);
    if (binding === undefined || 4 + length > packet.length || binding.expiresAt <= at) {
      counters.dropped('malformed');
      return;
    }
    const framed = packet.length === 4 + length ? packet : packet.subarray(0, 4 + length);
    relayToPeer(allocation, binding.peer, framed.subarray(4), routeOf(allocation, binding), at, framed);
  };

  /** Peer data to the client: on the peer's channel when it has a live one, else as a Data indication. */
  const toClient = (
    allocation: Allocation,
    data: Buffer,
    address: string,
    port: number,
    binding: ChannelBinding | undefined,
    at: number,
  ) => {
    if (!allocation.toClient.tryConsume(data.length)) {
      counters.dropped('bandwidth');
      counters.refused('bandwidth');
      return;
    }
    const link = allocation.link;
    // An expired binding (kept through its cooldown) no longer carries data: the peer's packets go as Data.
    if (binding !== undefined && binding.expiresAt > at) {
      const header = channelDataHeader(binding.channel, data.length);
      const pad = link.stream ? streamPaddingFor(data.length) : 0;
      link.send(pad === 0 ? [header, data] : [header, data, Buffer.alloc(pad)]);
    } else {
      const transactionId = randomBytes(12);
      link.sendOne(
        encodeStun({
          method: StunMethod.data,
          cls: StunClass.indication,
          transactionId,
          attributes: [
            { type: Attr.XOR_PEER_ADDRESS, value: writeXorAddress({ address, port }, transactionId) },
            { type: Attr.DATA, value: data },
          ],
        }),
      );
    }
    counters.relayed('peer_to_client', data.length);
  };

  /** What the relayed socket needs about the peer a datagram came from; the last answer is kept on the allocation. */
  const peerMemo = (allocation: Allocation, address: string, port: number): PeerMemo => {
    const memo = allocation.fromPeer;
    if (
      memo !== null &&
      memo.port === port &&
      memo.address === address &&
      memo.version === version &&
      memo.sharedVersion === ownPorts.version()
    ) {
      return memo;
    }
    return (allocation.fromPeer = {
      address,
      port,
      version,
      sharedVersion: ownPorts.version(),
      permission: allocation.permissions.get(address),
      peerIsOwn: isExceptedPeer(address, port),
      channel: allocation.channelByPeer.get(peerKeyOf(address, port)),
    });
  };

  /** A datagram from a peer on an allocation's relayed socket. */
  const fromPeer = (allocation: Allocation, data: Buffer, address: string, port: number) => {
    if (allocation.ended) return;
    const at = now();
    const memo = peerMemo(allocation, address, port);
    if (!permitted(memo.permission, memo.peerIsOwn, at)) {
      holdCheck(allocation, address, port, data, at);
      return;
    }
    toClient(allocation, data, address, port, memo.channel, at);
  };

  // ---- dispatch -----------------------------------------------------------------------------------------------

  const handleStun = (link: ClientLink, packet: Buffer) => {
    const parsed = parseStun(packet);
    if (!parsed.ok) {
      // Not answerable: without a parsed header there is no transaction to answer.
      counters.dropped('malformed');
      return;
    }
    const message = parsed.message;
    if (message.cls === StunClass.indication) {
      if (message.method === StunMethod.send) handleSend(link, message);
      return;
    }
    if (message.cls !== StunClass.request) return;
    switch (message.method) {
      case StunMethod.binding:
        // Binding needs no credentials, but the 420 rule holds for every request (RFC 8489 section 14).
        if (refusedUnknownAttributes(link, message, 'binding', null)) return;
        sendResponse(
          link,
          message,
          StunClass.success,
          [{ type: Attr.XOR_MAPPED_ADDRESS, value: writeXorAddress(link.remote, message.transactionId) }],
          null,
        );
        return;
      case StunMethod.allocate:
        void handleAllocate(link, message).catch((error: unknown) => log(`allocate failed: ${String(error)}`));
        return;
      case StunMethod.refresh:
        void handleRefresh(link, message).catch((error: unknown) => log(`refresh failed: ${String(error)}`));
        return;
      case StunMethod.createPermission:
        handleCreatePermission(link, message);
        return;
      case StunMethod.channelBind:
        handleChannelBind(link, message);
        return;
      default:
        refuse('bad_request', link, `method ${message.method}`, ErrorCode.badRequest);
        sendError(link, message, ErrorCode.badRequest, null);
    }
  };

  const handlePacket = (link: ClientLink, packet: Buffer) => {
    try {
      const first = packet[0] ?? 0xff;
      if (first >= 0x40 && first < 0x80) handleChannelFromClient(link, packet);
      else if (first < 0x40) handleStun(link, packet);
      else counters.dropped('malformed');
    } catch (error) {
      // A bug here must cost one packet, not the relay (or the server it is embedded in).
      counters.refused('other');
      log(`packet from ${link.transport}:${link.remote.address}:${link.remote.port} failed: ${String(error)}`);
    }
  };

  // ---- listeners ----------------------------------------------------------------------------------------------

  let udp: Pick<UdpListener, 'port' | 'close'> | null = null;
  let dgramListener: UdpListener | null = null;
  let batchedListener: BatchedUdpListener | null = null;
  /** The batched listener counts its own reads and sends; stats() shows them (relayCounters.ts, `udp`). */
  const copyUdpTotals = () => {
    if (batchedListener !== null) counters.udpListener(batchedListener.stats());
  };
  let tcp: StreamListener | null = null;
  let tls: StreamListener | null = null;
  let connectionCount = 0;
  const host = options.listen.host;
  const reusePort = options.listen.reusePort ?? false;

  /** A datagram from a client this relay holds no allocation for yet: a new link (dropped while the pool starts). */
  const fromNewUdpClient = (data: Buffer, sender: Pick<ClientLink, 'remote' | 'send' | 'sendOne'>) => {
    if (options.pool !== undefined && !options.pool.admitsClients()) return;
    const remote = sender.remote;
    const link: ClientLink = {
      id: `udp|${remote.address}|${remote.port}`,
      transport: 'udp',
      remote,
      stream: false,
      send: sender.send,
      sendOne: sender.sendOne,
      allocation: null,
      allocating: false,
      closed: false,
    };
    handlePacket(link, data);
  };

  const onDatagram = (listener: () => UdpListener | null) => (data: Buffer, from: RemoteInfo) => {
    const known = udpLinks.get(from.address)?.get(from.port);
    if (known !== undefined) {
      handlePacket(known, data);
      return;
    }
    const socket = listener()?.socket;
    if (socket === undefined) return;
    const address = from.family === 'IPv6' ? (canonicalIp(from.address) ?? from.address) : from.address;
    fromNewUdpClient(data, {
      remote: { family: from.family === 'IPv6' ? 6 : 4, address, port: from.port },
      send: (parts) => socket.send(parts as Buffer[], from.port, from.address),
      sendOne: (packet) => socket.send(packet, from.port, from.address),
    });
  };

  /**
   * The batched listener's datagrams are views of its receive buffer, valid during this call only. ChannelData is
   * handled in place (its paths copy whatever they keep or queue); STUN is copied first, since Allocate and Refresh
   * go on after an await and keep parts of the message.
   */
  const onBatchedDatagram = (data: Buffer, from: BatchedDatagramSource) => {
    const known =
      from.family === 4
        ? udpLinksV4.get(ipv4LinkKey(from.ipv4, from.port))
        : udpLinks.get(from.address())?.get(from.port);
    const first = data[0] ?? 0xff;
    const packet = first < 0x40 ? Buffer.from(data) : data;
    if (known !== undefined) handlePacket(known, packet);
    else fromNewUdpClient(packet, from.sender());
  };

  const onConnection = (transport: 'tcp' | 'tls') => (socket: Socket) => {
    if (closed || socket.remoteAddress === undefined || socket.remotePort === undefined) {
      socket.destroy();
      return;
    }
    streamSockets.add(socket);
    counters.streamConnections(streamSockets.size);
    connectionCount += 1;
    const address = canonicalIp(socket.remoteAddress) ?? socket.remoteAddress;
    const link: ClientLink = {
      id: `${transport}|${connectionCount}|${address}|${socket.remotePort}`,
      transport,
      remote: { family: socket.remoteFamily === 'IPv6' ? 6 : 4, address, port: socket.remotePort },
      stream: true,
      send: (parts) => {
        if (socket.destroyed || socket.writableLength > STREAM_HIGH_WATER_BYTES) return;
        socket.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
      },
      sendOne: (packet) => {
        if (socket.destroyed || socket.writableLength > STREAM_HIGH_WATER_BYTES) return;
        socket.write(packet);
      },
      allocation: null,
      allocating: false,
      closed: false,
    };
    // No channel can be bound before an allocation, so a connection that never held one sends STUN only: bytes that
    // read as ChannelData there are another protocol (an HTTP request, a port scan) and end it at once.
    let allocated = false;
    const framer = createStreamFramer({ channelDataAllowed: () => (allocated ||= link.allocation !== null) });
    socket.setNoDelay(true);
    socket.setTimeout(STREAM_IDLE_MS, () => {
      // A connection that never allocated is someone holding a socket open for nothing.
      if (link.allocation === null) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const error = framer.push(chunk, (_kind, frame) => handlePacket(link, frame));
      if (error !== null) {
        counters.dropped('malformed');
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      link.closed = true;
      streamSockets.delete(socket);
      counters.streamConnections(streamSockets.size);
      // RFC 8656 section 3.1: over TCP the allocation lives as long as its connection.
      if (link.allocation !== null) endAllocation(link.allocation, 'connection closed');
    });
  };

  try {
    if (options.listen.udpPort !== undefined && options.listen.udpPort !== null) {
      const batched = options.listen.batchedUdp ?? batchedUdpAvailable();
      if (batched) {
        udp = batchedListener = startBatchedUdpListener(
          host,
          options.listen.udpPort,
          onBatchedDatagram,
          reusePort,
          UDP_BUFFER_BYTES,
        );
      } else {
        udp = dgramListener = await startUdpListener(
          host,
          options.listen.udpPort,
          onDatagram(() => dgramListener),
          reusePort,
        );
      }
    }
    if (options.listen.tcpPort !== undefined && options.listen.tcpPort !== null) {
      tcp = await startStreamListener(
        host,
        options.listen.tcpPort,
        null,
        limits.maxStreamConnections,
        onConnection('tcp'),
        reusePort,
      );
    }
    if (options.listen.tls) {
      tls = await startStreamListener(
        host,
        options.listen.tls.port,
        options.listen.tls,
        limits.maxStreamConnections,
        onConnection('tls'),
        reusePort,
      );
    }
  } catch (error) {
    await Promise.all([udp?.close(), tcp?.close(), tls?.close()]);
    throw error;
  }

  // ---- housekeeping -------------------------------------------------------------------------------------------

  const sweep = () => {
    const at = now();
    for (const allocation of [...allocations]) {
      if (allocation.expiresAt <= at) {
        endAllocation(allocation, 'expired');
        continue;
      }
      for (const [ip, permission] of allocation.permissions) {
        if (permission.expiresAt <= at) {
          allocation.permissions.delete(ip);
          version += 1;
        }
      }
      for (const [channel, binding] of allocation.channels) {
        // Kept (unusable) through the cooldown so the number cannot move to another peer at once.
        if (binding.expiresAt + CHANNEL_COOLDOWN_MS <= at) {
          allocation.channels.delete(channel);
          allocation.channelByPeer.delete(binding.peerKey);
          version += 1;
        }
      }
    }
    for (const [token, reservation] of reservations) {
      if (reservation.expiresAt <= at) {
        closeQuietly(reservation.socket);
        reservations.delete(token);
      }
    }
    for (const [sessionId, ended] of sessionEnds) if (ended.at + 60_000 <= at) sessionEnds.delete(sessionId);
    // Once a second, so a pool's sum (which reads the workers' shared counters) is at most that far behind.
    copyUdpTotals();
  };
  const timer = setInterval(sweep, 1000);
  timer.unref();

  const hostPort = (listener: { port: number } | null) => (listener === null ? null : { host, port: listener.port });

  return {
    addresses: { udp: hostPort(udp), tcp: hostPort(tcp), tls: hostPort(tls) },
    stats: () => {
      copyUdpTotals();
      return counters.snapshot();
    },
    endSession(sessionId) {
      const previous = sessionEnds.get(sessionId);
      sessionEnds.set(sessionId, { count: (previous?.count ?? 0) + 1, at: now() });
      let ended = 0;
      for (const allocation of [...allocations]) {
        if (allocation.sessionId !== sessionId) continue;
        endAllocation(allocation, 'session ended');
        ended += 1;
      }
      return ended;
    },
    mediaPolicyChanged(userId) {
      let blocked = 0;
      for (const allocation of allocations) {
        if (allocation.userId !== userId) continue;
        allocation.mediaBlocked = isMediaBlocked(userId);
        if (allocation.mediaBlocked) blocked += 1;
      }
      return blocked;
    },
    sweep,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const allocation of [...allocations]) endAllocation(allocation, 'relay closing');
      for (const reservation of reservations.values()) closeQuietly(reservation.socket);
      reservations.clear();
      await Promise.all([udp?.close(), tcp?.close(), tls?.close()]);
    },
  };
}

/** At most LOG_LINES_PER_SECOND lines, then one line saying how many were held back: a flood must not fill disks. */
function rateLimitedLog(write: (line: string) => void, now: () => number): (line: string) => void {
  let windowStart = 0;
  let lines = 0;
  let suppressed = 0;
  return (line) => {
    const at = now();
    if (at - windowStart >= 1000) {
      if (suppressed > 0) write(`${suppressed} log lines suppressed`);
      windowStart = at;
      lines = 0;
      suppressed = 0;
    }
    if (lines >= LOG_LINES_PER_SECOND) {
      suppressed += 1;
      return;
    }
    lines += 1;
    write(line);
  };
}
