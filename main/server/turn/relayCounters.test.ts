import { describe, expect, it } from 'vitest';
import { isRelayablePeer } from './addressPolicy';
import { REFUSAL_REASONS, createRelayCounters, type RefusalReason } from './relayCounters';

describe('createRelayCounters', () => {
  it('starts at zero with every reason present', () => {
    const snap = createRelayCounters().snapshot();
    expect(snap.allocations).toEqual({ active: 0, created: 0, ended: 0 });
    expect(snap.relayed).toEqual({
      client_to_peer: { packets: 0, bytes: 0 },
      peer_to_client: { packets: 0, bytes: 0 },
    });
    expect(Object.keys(snap.refusals).sort()).toEqual([...REFUSAL_REASONS].sort());
    expect(Object.values(snap.refusals).every((n) => n === 0)).toBe(true);
  });

  it('tracks allocations as a gauge and totals', () => {
    const counters = createRelayCounters();
    counters.allocationCreated();
    counters.allocationCreated();
    counters.allocationCreated();
    counters.allocationEnded();
    expect(counters.snapshot().allocations).toEqual({ active: 2, created: 3, ended: 1 });
  });

  it('never reports negative active allocations on an unmatched end', () => {
    const counters = createRelayCounters();
    counters.allocationEnded();
    counters.allocationCreated();
    counters.allocationEnded();
    counters.allocationEnded();
    expect(counters.snapshot().allocations).toEqual({ active: 0, created: 1, ended: 1 });
  });

  it('counts packets and bytes per direction', () => {
    const counters = createRelayCounters();
    counters.relayed('client_to_peer', 172);
    counters.relayed('client_to_peer', 100);
    counters.relayed('peer_to_client', 172);
    counters.relayed('peer_to_client', Number.NaN);
    counters.relayed('peer_to_client', -5);
    expect(counters.snapshot().relayed).toEqual({
      client_to_peer: { packets: 2, bytes: 272 },
      peer_to_client: { packets: 3, bytes: 172 },
    });
  });

  it('counts refusals by reason, and peer policy reasons map onto peer_ keys', () => {
    const counters = createRelayCounters();
    for (const address of ['127.0.0.2', '10.0.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fc00::1', 'x']) {
      const decision = isRelayablePeer(address, new Set());
      if (!decision.ok) counters.refused(`peer_${decision.reason}`);
    }
    counters.refused('user_quota');
    counters.refused('stale_nonce');
    counters.refused('stale_nonce');
    const { refusals } = counters.snapshot();
    expect(refusals.peer_loopback).toBe(2);
    expect(refusals.peer_private).toBe(2);
    expect(refusals.peer_link_local).toBe(1);
    expect(refusals.peer_unique_local).toBe(1);
    expect(refusals.peer_malformed).toBe(1);
    expect(refusals.user_quota).toBe(1);
    expect(refusals.stale_nonce).toBe(2);
  });

  it('an unknown reason from an untyped caller is counted as other, never as a new key', () => {
    const counters = createRelayCounters();
    const username = '1767226200:0190f0b4-7c2e-7a1b-8c3d-4e5f60718201:c2Vzc2lvbi1pZC0w';
    counters.refused(username as RefusalReason);
    counters.refused('__proto__' as RefusalReason);
    const snap = counters.snapshot();
    expect(snap.refusals.other).toBe(2);
    expect(Object.keys(snap.refusals)).toHaveLength(REFUSAL_REASONS.length);
    expect(JSON.stringify(snap)).not.toContain(username);
  });

  it('snapshots are detached copies that serialise to JSON', () => {
    const counters = createRelayCounters();
    counters.allocationCreated();
    const before = counters.snapshot();
    before.allocations.active = 99;
    before.refusals.bandwidth = 99;
    counters.refused('bandwidth');
    const after = counters.snapshot();
    expect(after.allocations.active).toBe(1);
    expect(after.refusals.bandwidth).toBe(1);
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
  });
});
