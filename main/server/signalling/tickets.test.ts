import { afterEach, describe, expect, it } from 'vitest';
import { wsTicketSchema } from '../../../shared/ws';
import { createRedisTicketStore } from '../sharedState/redis/redisTicketStore';
import { createSharedStateTestKit, SHARED_STATE_BACKENDS } from '../sharedState/sharedStateTestKit';
import { createMemoryTicketStore, type MemoryTicketStoreOptions } from './tickets';
import { tamperLastCharacter } from '../../../test/support/tamper';

const claims = {
  sessionId: 'sess_0123456789abcdef',
  userId: '0b6f7c4e-2a1d-4c3b-9e8f-7a6b5c4d3e2f',
  workspaceId: '5f0e9d8c-7b6a-4594-8372-615a4b3c2d1e',
};

function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe.each(SHARED_STATE_BACKENDS)('ticket store (%s)', (backend) => {
  const kit = createSharedStateTestKit(backend);
  afterEach(() => kit.cleanup());
  const createStore = (options: MemoryTicketStoreOptions = {}) =>
    kit.pick({
      memory: () => createMemoryTicketStore(options),
      redis: (redis) => createRedisTicketStore(redis, options),
    });

  it('mints random 256-bit tickets that expire after the TTL', async () => {
    const time = clock();
    const store = await createStore({ now: time.now, ttlMs: 30_000 });
    const a = await store.mint(claims);
    const b = await store.mint(claims);
    expect(wsTicketSchema.safeParse(a.ticket).success).toBe(true);
    expect(a.ticket).not.toBe(b.ticket);
    expect(a.expiresAt).toBe(time.now() + 30_000);
  });

  it('gives the claims back exactly once, even to consumers racing for it', async () => {
    const store = await createStore();
    const { ticket } = await store.mint(claims);
    const answers = await Promise.all(Array.from({ length: 8 }, () => store.consume(ticket)));
    expect(answers.filter((answer) => answer !== null)).toEqual([{ ...claims, issuedAt: expect.any(Number) }]);
    expect(await store.consume(ticket)).toBeNull();
  });

  it('refuses an expired, unknown or malformed ticket', async () => {
    const time = clock();
    const store = await createStore({ now: time.now, ttlMs: 30_000 });
    const { ticket } = await store.mint(claims);
    time.advance(30_000);
    expect(await store.consume(ticket)).toBeNull();
    const fresh = await store.mint(claims);
    expect(await store.consume(tamperLastCharacter(fresh.ticket))).toBeNull();
    expect(await store.consume('')).toBeNull();
    expect(await store.consume(`ticket.${fresh.ticket}`)).toBeNull();
    expect(await store.consume(fresh.ticket)).toEqual({ ...claims, issuedAt: time.now() });
  });

  it('revoking a session voids its outstanding tickets only', async () => {
    const store = await createStore();
    const mine = await store.mint(claims);
    const other = await store.mint({ ...claims, sessionId: 'sess_fedcba9876543210' });
    await store.revokeSession(claims.sessionId);
    expect(await store.consume(mine.ticket)).toBeNull();
    expect(await store.consume(other.ticket)).not.toBeNull();
  });
});

describe('memory ticket store', () => {
  it('stops minting at its bound instead of growing, and frees expired room', async () => {
    const time = clock();
    const store = createMemoryTicketStore({ now: time.now, ttlMs: 1_000, maxTickets: 2 });
    await store.mint(claims);
    await store.mint(claims);
    await expect(store.mint(claims)).rejects.toThrow(/Too many/);
    time.advance(1_000);
    await expect(store.mint(claims)).resolves.toMatchObject({ expiresAt: time.now() + 1_000 });
  });
});
