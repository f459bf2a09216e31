import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSessionId } from '../auth/sessionTokens';
import { createRelayWorkers, type RelayWorkers, type RelayWorkersOptions } from './relayWorkers';
import type { TransportAddress } from './stun/ipAddress';
import { createMintedTurnTestClient, type TurnTestClient } from './testing/turnTestClient';
import { freeUdpPort } from '../../../test/support/freePort';

/**
 * The relay on two worker threads sharing one UDP port (SO_REUSEPORT): clients land on either worker by the kernel's
 * hash of their 4-tuple; allocations, quotas, revocations and the peer policy must not care which.
 */
const SECRET = 'test-relay-secret-0123456789abcdefghijklmnop';
const open: { close(): Promise<void> }[] = [];
const revoked = new Set<string>();

afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  revoked.clear();
});

async function startPool(overrides: Partial<RelayWorkersOptions> = {}): Promise<RelayWorkers> {
  const relay = await createRelayWorkers({
    workers: 2,
    realm: 'whoot.test',
    secret: SECRET,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: 0 },
    relay: { address: '127.0.0.1' },
    isSessionLive: async (sessionId) => !revoked.has(sessionId),
    log: () => undefined,
    ...overrides,
  });
  open.push(relay);
  return relay;
}

/** A UDP client with credentials for this user and session (fresh ones by default), to any relay address. */
async function clientAt(
  server: { host: string; port: number },
  who: { userId?: string; sessionId?: string } = {},
  timeoutMs?: number,
) {
  const created = await createMintedTurnTestClient({
    server,
    transport: 'udp',
    secret: SECRET,
    userId: who.userId ?? randomUUID(),
    sessionId: who.sessionId ?? generateSessionId(),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  open.push(created);
  return created;
}

const client = (relay: RelayWorkers, who: { userId?: string; sessionId?: string } = {}) =>
  clientAt(relay.addresses.udp!, who);

/** Clients with allocations, added until both workers hold at least one (the kernel picks; 64 tries at most). */
async function clientsOnBothWorkers(relay: RelayWorkers, atLeast: number) {
  const clients: { client: TurnTestClient; relayed: TransportAddress }[] = [];
  while (clients.length < 64) {
    const c = await client(relay);
    const { relayed } = await c.allocate();
    clients.push({ client: c, relayed: relayed! });
    const spread = relay.perWorker().map((w) => w.allocations.active);
    if (clients.length >= atLeast && spread.every((active) => active > 0)) return clients;
  }
  throw new Error('the kernel put 64 clients on one worker');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('relay workers sharing the ports', () => {
  it('spreads clients over both workers, and clients on different workers reach each other: every message arrives', async () => {
    const relay = await startPool();
    const ring = await clientsOnBothWorkers(relay, 8);
    // Each client talks to the next one round the ring: with both workers holding clients, some neighbours are on
    // different workers, and their packets cross through the kernel from one worker's relayed socket to the other's.
    for (const [i, { client: c }] of ring.entries()) {
      const next = ring[(i + 1) % ring.length]!;
      const previous = ring[(i + ring.length - 1) % ring.length]!;
      expect((await c.channelBind(0x4000, next.relayed)).errorCode).toBeNull();
      expect((await c.createPermission(previous.relayed)).errorCode).toBeNull();
    }
    const perClient = 20;
    for (let n = 0; n < perClient; n++) {
      for (const { client: c } of ring) c.sendChannel(0x4000, Buffer.from(`message ${n}`));
    }
    for (const { client: c } of ring) await c.waitFor(perClient);
    for (const { client: c } of ring) {
      expect(c.received.map((m) => String(m.data)).sort()).toEqual(
        Array.from({ length: perClient }, (_, n) => `message ${n}`).sort(),
      );
    }
    const stats = relay.stats();
    expect(stats.relayed.client_to_peer.packets).toBe(ring.length * perClient);
    expect(stats.relayed.peer_to_client.packets).toBe(ring.length * perClient);
    expect(stats.allocations.active).toBe(ring.length);
    expect(relay.perWorker().map((w) => w.allocations.active)).not.toContain(0);
  });

  it('serves no client until every worker has bound the port: clients that allocate during start-up keep their allocation', async () => {
    // The kernel maps a client's 4-tuple over the sockets bound at that moment. Clients already knocking while the
    // workers start were served by the first worker, then moved to the second when it bound: their Refresh found no
    // allocation (437). Here 24 clients retry Allocate from before the pool starts until each has one.
    const port = await freeUdpPort();
    // Each attempt waits 500 ms for its answer: long enough that a busy machine's late answer is not taken for none
    // (a retry after a success would rightly get 437, allocation mismatch).
    const early = await Promise.all(Array.from({ length: 24 }, () => clientAt({ host: '127.0.0.1', port }, {}, 500)));
    const allocated = early.map(async (c) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        let answer;
        try {
          ({ answer } = await c.allocate());
        } catch (error) {
          // No answer yet: the relay is still starting. Retry that, but nothing else (a closed client throws at
          // once) and never past the deadline, so no loop outlives the test.
          if (Date.now() > deadline || !String(error).includes('no answer')) throw error;
          continue;
        }
        // Any answer ends the retries: an error here is the failure this test looks for, not a reason to spin.
        if (answer.errorCode !== null) throw new Error(`Allocate answered ${answer.errorCode} during start-up`);
        return;
      }
    });
    const relay = await startPool({ listen: { host: '127.0.0.1', udpPort: port, tcpPort: null } });
    await Promise.all(allocated);
    for (const c of early) expect((await c.refresh(600)).errorCode).toBeNull();
    expect(relay.stats().allocations.active).toBe(early.length);
    expect(relay.stats().refusals.allocation_mismatch).toBe(0);
  });

  it('keeps the per-user quota (486) and the total limit (508) across workers', async () => {
    const relay = await startPool({ limits: { maxAllocationsPerUser: 3, maxAllocations: 5 } });
    const userId = randomUUID();
    const answers: (number | null)[] = [];
    for (let i = 0; i < 8; i++) answers.push((await (await client(relay, { userId })).allocate()).answer.errorCode);
    expect(answers.filter((code) => code === null)).toHaveLength(3);
    expect(answers.filter((code) => code === 486)).toHaveLength(5);
    const others: (number | null)[] = [];
    for (let i = 0; i < 4; i++) others.push((await (await client(relay)).allocate()).answer.errorCode);
    expect(others).toEqual([null, null, 508, 508]);
    expect(relay.stats().allocations.active).toBe(5);
    expect(relay.stats().refusals).toMatchObject({ user_quota: 5, total_limit: 2 });
  });

  it('endSession ends the session’s allocations on every worker, and the session cannot allocate again', async () => {
    const relay = await startPool();
    const userId = randomUUID();
    const sessionId = generateSessionId();
    const mine: TurnTestClient[] = [];
    // Clients of one session until both workers hold some of them.
    while (mine.length < 64) {
      const c = await client(relay, { userId, sessionId });
      expect((await c.allocate()).answer.errorCode).toBeNull();
      mine.push(c);
      if (mine.length >= 4 && relay.perWorker().every((w) => w.allocations.active > 0)) break;
    }
    const bystander = await client(relay);
    expect((await bystander.allocate()).answer.errorCode).toBeNull();
    revoked.add(sessionId);
    expect(relay.endSession(sessionId)).toBe(mine.length);
    await until(() => relay.stats().allocations.active === 1);
    for (const c of mine) expect((await c.refresh(600)).errorCode).toBe(437);
    expect((await (await client(relay, { userId, sessionId })).allocate()).answer.errorCode).toBe(401);
    expect((await bystander.refresh(600)).errorCode).toBeNull();
  });

  it('allows a live allocation on the other worker as a peer, and no other port of the relay host', async () => {
    const relay = await startPool();
    const clients = await clientsOnBothWorkers(relay, 2);
    const service = createSocket('udp4');
    await new Promise<void>((resolve) => service.bind(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise((resolve) => service.close(() => resolve())) });
    for (const { client: c } of clients) {
      // Every client may name every other client's relayed address, whichever worker holds it...
      for (const other of clients)
        if (other.client !== c) expect((await c.createPermission(other.relayed)).errorCode).toBeNull();
      // ...and never another loopback port.
      expect((await c.createPermission({ address: '127.0.0.1', port: service.address().port })).errorCode).toBe(403);
    }
    expect(relay.stats().refusals.peer_loopback).toBe(clients.length);
  });
});
