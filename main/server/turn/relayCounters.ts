/**
 * Relay counters for the admin endpoint (issue 4, "Observability"). Plain numbers in one typed array, updated on the hot path; the
 * admin endpoint reads `snapshot()`, a fresh plain object it may serialise as it likes.
 *
 * Nothing here can hold a credential: refusal reasons come from a closed list (anything else is counted as
 * 'other'), and no method takes a username, user id, session id or address. Per-user figures, if ever wanted,
 * belong in a separate view with its own access rules.
 */
import type { PeerRefusalReason } from './addressPolicy';

export const PEER_REFUSAL_REASONS = [
  'loopback',
  'private',
  'cgn',
  'link_local',
  'multicast',
  'unique_local',
  'unspecified',
  'documentation',
  'reserved',
  'malformed',
] as const satisfies readonly PeerRefusalReason[];

/** Every reason the relay refuses or drops something for; peer-address refusals carry the `peer_` prefix. */
export const REFUSAL_REASONS = [
  ...PEER_REFUSAL_REASONS.map((r) => `peer_${r}` as const),
  // Long-term credentials and session binding (401, 438, 441). The first 401 challenge every client gets is not a
  // refusal and is not counted.
  'bad_credentials',
  'expired_credentials',
  'wrong_realm',
  'stale_nonce',
  'revoked_session',
  // The session check could not answer (store or server unreachable): Allocate got 500, nothing was allocated.
  'session_check_failed',
  // Quotas and caps (486, 508, and packets dropped over the per-allocation byte rate).
  'user_quota',
  'total_limit',
  'bandwidth',
  // Moderation: a server-muted user's RTP, dropped on the way out (ICE, DTLS and RTCP still pass).
  'server_muted',
  // Protocol (400, 437, 442, 443, and peer data without a permission, silently dropped per RFC 8656 §11).
  'bad_request',
  'allocation_mismatch',
  'unsupported_transport',
  'address_family',
  'no_permission',
  'other',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Client→peer is what clients send out through the relay (Send indications, ChannelData); peer→client comes back. */
export type RelayDirection = 'client_to_peer' | 'peer_to_client';

export interface RelayCountersSnapshot {
  allocations: { active: number; created: number; ended: number };
  relayed: Record<RelayDirection, { packets: number; bytes: number }>;
  refusals: Record<RefusalReason, number>;
}

/** Packets dropped without an answer, by why (RFC 8656: indications and ChannelData are never answered). */
export const DROP_KINDS = ['bandwidth', 'noPermission', 'noAllocation', 'malformed', 'serverMuted'] as const;
export type DropKind = (typeof DROP_KINDS)[number];

export interface RelayStats extends RelayCountersSnapshot {
  readonly droppedPackets: {
    readonly bandwidth: number;
    readonly noPermission: number;
    /** Well-formed traffic for an allocation that is gone (ended by sign-out, expiry or Refresh 0). */
    readonly noAllocation: number;
    readonly malformed: number;
    /** RTP (and unclassifiable packets) from a server-muted user, dropped on the way out. */
    readonly serverMuted: number;
  };
  readonly streamConnections: number;
  /**
   * The client-facing UDP socket, when it is the batched listener (batchedUdpListener.ts; zeros on Node's dgram):
   * datagrams read and the reads that took them (so datagrams per read), datagrams sent, and sends the kernel
   * refused (a full socket buffer: those datagrams are lost). Cumulative since the relay started.
   */
  readonly udp: {
    readonly datagramsReceived: number;
    readonly reads: number;
    readonly datagramsSent: number;
    readonly sendFailed: number;
  };
}

/** What the batched listener reports of itself (BatchedUdpListener.stats()), cumulative. */
export interface UdpListenerTotals {
  readonly received: number;
  readonly batches: number;
  readonly sent: number;
  readonly sendFailed: number;
}

export interface RelayCounters {
  allocationCreated(): void;
  allocationEnded(): void;
  /** One packet of `bytes` application bytes (payload, without STUN/ChannelData framing) relayed. */
  relayed(direction: RelayDirection, bytes: number): void;
  refused(reason: RefusalReason): void;
  dropped(kind: DropKind): void;
  /** The TCP plus TLS connections open now. */
  streamConnections(count: number): void;
  /** The batched UDP listener's own totals, copied in (they only grow). */
  udpListener(totals: UdpListenerTotals): void;
  snapshot(): RelayStats;
}

const KNOWN_REASONS: ReadonlySet<string> = new Set(REFUSAL_REASONS);

// Slots of the counter array: allocations, then relayed packets and bytes per direction, then one per reason.
const ACTIVE = 0;
const CREATED = 1;
const ENDED = 2;
const C2P_PACKETS = 3;
const C2P_BYTES = 4;
const P2C_PACKETS = 5;
const P2C_BYTES = 6;
const STREAMS = 7;
const FIRST_DROP = 8;
const FIRST_REASON = FIRST_DROP + DROP_KINDS.length;
const UDP_RECEIVED = FIRST_REASON + REFUSAL_REASONS.length;
const UDP_READS = UDP_RECEIVED + 1;
const UDP_SENT = UDP_RECEIVED + 2;
const UDP_SEND_FAILED = UDP_RECEIVED + 3;
const REASON_SLOT = new Map<string, number>(REFUSAL_REASONS.map((reason, i) => [reason, FIRST_REASON + i]));
const OTHER_SLOT = REASON_SLOT.get('other') as number;
const DROP_SLOT = Object.fromEntries(DROP_KINDS.map((kind, i) => [kind, FIRST_DROP + i])) as Record<DropKind, number>;

/** Bytes a counter array takes: what relayWorkers.ts allocates in shared memory for each worker. */
export const RELAY_COUNTERS_BYTES = (UDP_SEND_FAILED + 1) * Float64Array.BYTES_PER_ELEMENT;

/**
 * Counters in one Float64Array (exact integers to 2^53): cheap to bump per packet, and, when `shared` is given, in
 * memory the pool of a multi-core relay reads to sum its workers (each worker writes only its own array).
 */
export function createRelayCounters(shared?: SharedArrayBuffer): RelayCounters {
  const slots = shared === undefined ? new Float64Array(RELAY_COUNTERS_BYTES / 8) : new Float64Array(shared);
  if (slots.byteLength !== RELAY_COUNTERS_BYTES) throw new RangeError('relay counters: wrong buffer size');
  const add = (slot: number, by: number) => {
    slots[slot] = (slots[slot] ?? 0) + by;
  };

  return {
    allocationCreated() {
      add(CREATED, 1);
      add(ACTIVE, 1);
    },
    allocationEnded() {
      // An unmatched end is a relay bug; keep the gauge sane rather than reporting negative allocations.
      if (slots[ACTIVE] === 0) return;
      add(ACTIVE, -1);
      add(ENDED, 1);
    },
    relayed(direction, bytes) {
      const size = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
      if (direction === 'client_to_peer') {
        add(C2P_PACKETS, 1);
        add(C2P_BYTES, size);
      } else {
        add(P2C_PACKETS, 1);
        add(P2C_BYTES, size);
      }
    },
    refused(reason) {
      // Typed callers cannot pass anything else; untyped ones must not turn a counter key into a log of input.
      add((KNOWN_REASONS.has(reason) ? REASON_SLOT.get(reason) : undefined) ?? OTHER_SLOT, 1);
    },
    dropped(kind) {
      add(DROP_SLOT[kind], 1);
    },
    streamConnections(count) {
      slots[STREAMS] = count;
    },
    udpListener(totals) {
      slots[UDP_RECEIVED] = totals.received;
      slots[UDP_READS] = totals.batches;
      slots[UDP_SENT] = totals.sent;
      slots[UDP_SEND_FAILED] = totals.sendFailed;
    },
    snapshot: () => snapshotOf(slots),
  };
}

/** The sum of several counter arrays (the workers of one relay), as one snapshot. */
export function sumRelayCounters(buffers: readonly SharedArrayBuffer[]): RelayStats {
  const total = new Float64Array(RELAY_COUNTERS_BYTES / 8);
  for (const buffer of buffers) {
    const slots = new Float64Array(buffer);
    for (let i = 0; i < total.length; i++) total[i] = (total[i] ?? 0) + (slots[i] ?? 0);
  }
  return snapshotOf(total);
}

function snapshotOf(slots: Float64Array): RelayStats {
  const at = (slot: number) => slots[slot] ?? 0;
  return {
    allocations: { active: at(ACTIVE), created: at(CREATED), ended: at(ENDED) },
    relayed: {
      client_to_peer: { packets: at(C2P_PACKETS), bytes: at(C2P_BYTES) },
      peer_to_client: { packets: at(P2C_PACKETS), bytes: at(P2C_BYTES) },
    },
    refusals: Object.fromEntries(REFUSAL_REASONS.map((r, i) => [r, at(FIRST_REASON + i)])) as Record<
      RefusalReason,
      number
    >,
    droppedPackets: Object.fromEntries(DROP_KINDS.map((kind) => [kind, at(DROP_SLOT[kind])])) as Record<
      DropKind,
      number
    >,
    streamConnections: at(STREAMS),
    udp: {
      datagramsReceived: at(UDP_RECEIVED),
      reads: at(UDP_READS),
      datagramsSent: at(UDP_SENT),
      sendFailed: at(UDP_SEND_FAILED),
    },
  };
}
