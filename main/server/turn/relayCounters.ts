/**
 * Relay counters for the admin endpoint (issue 4, "Observability"). Plain numbers updated on the hot path; the
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

export interface RelayCounters {
  allocationCreated(): void;
  allocationEnded(): void;
  /** One packet of `bytes` application bytes (payload, without STUN/ChannelData framing) relayed. */
  relayed(direction: RelayDirection, bytes: number): void;
  refused(reason: RefusalReason): void;
  snapshot(): RelayCountersSnapshot;
}

const KNOWN_REASONS: ReadonlySet<string> = new Set(REFUSAL_REASONS);

export function createRelayCounters(): RelayCounters {
  let active = 0;
  let created = 0;
  let ended = 0;
  // Separate variables rather than nested objects: the relay bumps these per packet.
  let c2pPackets = 0;
  let c2pBytes = 0;
  let p2cPackets = 0;
  let p2cBytes = 0;
  const refusals = new Map<RefusalReason, number>();

  return {
    allocationCreated() {
      created++;
      active++;
    },
    allocationEnded() {
      // An unmatched end is a relay bug; keep the gauge sane rather than reporting negative allocations.
      if (active === 0) return;
      active--;
      ended++;
    },
    relayed(direction, bytes) {
      const size = Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
      if (direction === 'client_to_peer') {
        c2pPackets++;
        c2pBytes += size;
      } else {
        p2cPackets++;
        p2cBytes += size;
      }
    },
    refused(reason) {
      // Typed callers cannot pass anything else; untyped ones must not turn a counter key into a log of input.
      const key: RefusalReason = KNOWN_REASONS.has(reason) ? reason : 'other';
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
    },
    snapshot() {
      const byReason = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, refusals.get(r) ?? 0])) as Record<
        RefusalReason,
        number
      >;
      return {
        allocations: { active, created, ended },
        relayed: {
          client_to_peer: { packets: c2pPackets, bytes: c2pBytes },
          peer_to_client: { packets: p2cPackets, bytes: p2cBytes },
        },
        refusals: byReason,
      };
    },
  };
}
