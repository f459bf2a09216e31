import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../shared/validation';
import { rankRelays, relayFleetConfigSchema } from './relayFleet';

const relays = ['relay-a', 'relay-b', 'relay-c', 'coturn-d'].map((id, i) => ({ id, port: 3478 + i }));
const keys = Array.from({ length: 4000 }, () => randomUUID());

describe('relay ranking (rendezvous hashing)', () => {
  it('is the same whatever order a node lists its relays in', () => {
    for (const key of keys.slice(0, 50)) {
      expect(rankRelays(key, [...relays].reverse()).map((r) => r.id)).toEqual(rankRelays(key, relays).map((r) => r.id));
    }
  });

  it('spreads channels evenly over the relays', () => {
    const counts = new Map<string, number>();
    for (const key of keys)
      counts.set(rankRelays(key, relays)[0]!.id, (counts.get(rankRelays(key, relays)[0]!.id) ?? 0) + 1);
    for (const relay of relays) expect(counts.get(relay.id)! / keys.length).toBeGreaterThan(0.2);
  });

  it('moves only the channels of a relay that goes, each to the relay next in its own ranking', () => {
    const without = relays.filter((relay) => relay.id !== 'relay-b');
    for (const key of keys) {
      const before = rankRelays(key, relays);
      const after = rankRelays(key, without)[0]!;
      expect(after.id).toBe(before[0]!.id === 'relay-b' ? before[1]!.id : before[0]!.id);
    }
  });
});

describe('relay fleet configuration', () => {
  const parse = (input: unknown) => parseInput(relayFleetConfigSchema, input, 'relay.fleet');

  it('takes IP literals, or names with the relayed address beside them', () => {
    expect(parse({ relays: [{ id: 'a', host: '203.0.113.7', udpPort: 3478 }] }).ok).toBe(true);
    expect(parse({ relays: [{ id: 'a', host: 'turn.example.com', relayIp: '203.0.113.7', udpPort: 3478 }] }).ok).toBe(
      true,
    );
  });

  it('refuses a fleet it could not hand out or check, naming what is wrong', () => {
    const refused = [
      { relays: [] },
      { relays: [{ id: 'a', host: 'turn.example.com', udpPort: 3478 }] },
      { relays: [{ id: 'a', host: '203.0.113.7', tlsPort: 5349 }] },
      {
        relays: [
          { id: 'a', host: '203.0.113.7', udpPort: 3478 },
          { id: 'a', host: '203.0.113.8', udpPort: 3478 },
        ],
      },
      { relays: [{ id: 'A B', host: '203.0.113.7', udpPort: 3478 }] },
      { relays: [{ id: 'a', host: '203.0.113.7', udpPort: 70000 }] },
      { relays: [{ id: 'a', host: '203.0.113.7', udpPort: 3478, secret: 'x' }] },
    ];
    for (const input of refused) {
      const parsed = parse(input);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.message).toMatch(/relay\.fleet/);
    }
  });
});
