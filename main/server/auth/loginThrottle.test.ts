import { afterEach, describe, expect, it } from 'vitest';
import { createRedisLoginThrottleStore } from '../sharedState/redis/redisLoginThrottleStore';
import { createSharedStateTestKit, SHARED_STATE_BACKENDS } from '../sharedState/sharedStateTestKit';
import {
  DEFAULT_ACCOUNT_POLICY,
  DEFAULT_ADDRESS_POLICY,
  backoffSeconds,
  createLoginThrottle,
  type ThrottlePolicy,
} from './loginThrottle';
import { createMemoryLoginThrottleStore, type LoginThrottleStore } from './loginThrottleStore';

const T0 = 1_767_225_600;
const ADA = { email: 'ada@example.com', address: '198.51.100.7' };

function setup(options: { account?: ThrottlePolicy; address?: ThrottlePolicy; store?: LoginThrottleStore } = {}) {
  let clock = T0;
  const store = options.store ?? createMemoryLoginThrottleStore();
  const throttle = createLoginThrottle({ ...options, store, now: () => clock });
  return {
    throttle,
    store,
    advance: (seconds: number) => (clock += seconds),
    fail: async (attempt = ADA, times = 1) => {
      let last;
      for (let i = 0; i < times; i += 1) last = await throttle.recordFailure(attempt);
      return last!;
    },
  };
}

describe('backoffSeconds', () => {
  it('is free for the first failures, then doubles from the base to the ceiling', () => {
    const waits = Array.from({ length: 14 }, (_, i) => backoffSeconds(i, DEFAULT_ACCOUNT_POLICY));
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
    expect(backoffSeconds(1e9, DEFAULT_ACCOUNT_POLICY)).toBe(900);
    expect(backoffSeconds(Number.NaN, DEFAULT_ACCOUNT_POLICY)).toBe(0);
  });
});

describe.each(SHARED_STATE_BACKENDS)('login throttle (%s)', (backend) => {
  const kit = createSharedStateTestKit(backend);
  afterEach(() => kit.cleanup());
  const newStore = () =>
    kit.pick<LoginThrottleStore>({
      memory: () => createMemoryLoginThrottleStore(),
      redis: (redis) => createRedisLoginThrottleStore(redis),
    });
  const setupWith = async (options: Parameters<typeof setup>[0] = {}) => setup({ ...options, store: await newStore() });

  it('allows the free failures, then asks the client to wait', async () => {
    const { throttle, fail } = await setupWith();
    expect(await fail(ADA, 5)).toEqual({ allowed: true });
    expect(await throttle.check(ADA)).toEqual({ allowed: true });
    expect(await fail()).toEqual({ allowed: false, retryAfterSeconds: 30, scope: 'account' });
    expect(await throttle.check(ADA)).toEqual({ allowed: false, retryAfterSeconds: 30, scope: 'account' });
  });

  it('counts the wait down and opens exactly when it is over', async () => {
    const { throttle, fail, advance } = await setupWith();
    await fail(ADA, 6);
    advance(29);
    expect(await throttle.check(ADA)).toEqual({ allowed: false, retryAfterSeconds: 1, scope: 'account' });
    advance(1);
    expect(await throttle.check(ADA)).toEqual({ allowed: true });
  });

  it('doubles the wait with each further failure up to the ceiling', async () => {
    const { fail, advance } = await setupWith();
    await fail(ADA, 5);
    const waits: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const decision = await fail();
      waits.push(decision.allowed ? 0 : decision.retryAfterSeconds);
      advance(decision.allowed ? 0 : decision.retryAfterSeconds);
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('resets the account on success', async () => {
    const { throttle, fail, advance } = await setupWith();
    await fail(ADA, 7);
    advance(60);
    await throttle.recordSuccess(ADA);
    expect(await throttle.check(ADA)).toEqual({ allowed: true });
    expect(await fail(ADA, 5)).toEqual({ allowed: true });
  });

  it('treats the email case-insensitively and unknown emails like known ones', async () => {
    const { throttle, fail } = await setupWith();
    await fail({ ...ADA, email: ' ADA@Example.com ' }, 6);
    expect(await throttle.check(ADA)).toMatchObject({ allowed: false, scope: 'account' });
    const ghost = { email: 'nobody@example.com', address: '203.0.113.9' };
    expect(await fail(ghost, 6)).toMatchObject({ allowed: false, retryAfterSeconds: 30, scope: 'account' });
  });

  it('locks an account however many addresses the guesses come from', async () => {
    const { throttle, fail } = await setupWith();
    for (let i = 0; i < 6; i += 1) await fail({ email: ADA.email, address: `203.0.113.${i}` });
    expect(await throttle.check({ email: ADA.email, address: '192.0.2.1' })).toMatchObject({
      allowed: false,
      scope: 'account',
    });
  });

  it('slows one address sweeping many accounts, without touching those accounts elsewhere', async () => {
    const { throttle, fail } = await setupWith();
    for (let i = 0; i < DEFAULT_ADDRESS_POLICY.freeFailures + 1; i += 1) {
      await fail({ email: `user${i}@example.com`, address: ADA.address });
    }
    expect(await throttle.check(ADA)).toEqual({ allowed: false, retryAfterSeconds: 30, scope: 'address' });
    expect(await throttle.check({ ...ADA, address: '192.0.2.1' })).toEqual({ allowed: true });
  });

  it('does not let a success on the attacker’s own account reset the address', async () => {
    const { throttle, fail } = await setupWith({ address: { ...DEFAULT_ADDRESS_POLICY, freeFailures: 3 } });
    const mallory = { email: 'mallory@example.com', address: ADA.address };
    for (const victim of ['a', 'b', 'c', 'd']) await fail({ email: `${victim}@example.com`, address: ADA.address });
    await throttle.recordSuccess(mallory);
    expect(await throttle.check({ email: 'e@example.com', address: ADA.address })).toMatchObject({
      allowed: false,
      scope: 'address',
    });
  });

  it('reports the longer of the two waits', async () => {
    const { throttle, fail } = await setupWith({
      address: { ...DEFAULT_ADDRESS_POLICY, freeFailures: 5, baseDelaySeconds: 100 },
    });
    await fail(ADA, 6);
    expect(await throttle.check(ADA)).toEqual({ allowed: false, retryAfterSeconds: 100, scope: 'address' });
    expect(await throttle.check({ ...ADA, address: '192.0.2.1' })).toEqual({
      allowed: false,
      retryAfterSeconds: 30,
      scope: 'account',
    });
  });

  it('forgets failures a day after the last one', async () => {
    const { throttle, fail, advance } = await setupWith();
    await fail(ADA, 5);
    advance(DEFAULT_ACCOUNT_POLICY.forgetAfterSeconds);
    expect(await fail()).toEqual({ allowed: true });
    expect(await throttle.check(ADA)).toEqual({ allowed: true });
  });

  it('rounds fractional clocks up to whole seconds, never down to zero', async () => {
    let clock = T0 + 0.25;
    const throttle = createLoginThrottle({ store: await newStore(), now: () => clock });
    for (let i = 0; i < 6; i += 1) await throttle.recordFailure(ADA);
    clock += 29.9;
    expect(await throttle.check(ADA)).toEqual({ allowed: false, retryAfterSeconds: 1, scope: 'account' });
  });

  it('keeps hostile keys bounded and separate', async () => {
    const { throttle, fail } = await setupWith();
    const huge = { email: 'x'.repeat(1_000_000), address: 'y'.repeat(1_000_000) };
    expect(await fail(huge, 6)).toMatchObject({ allowed: false });
    expect(await throttle.check(ADA)).toEqual({ allowed: true });
    // An address that looks like an account key cannot land in the account scope.
    const odd = { email: 'login:address:x', address: 'login:account:x' };
    expect(await fail(odd)).toEqual({ allowed: true });
    const weird = { email: null as unknown as string, address: undefined as unknown as string };
    expect(await fail(weird)).toEqual({ allowed: true });
  });

  it('counts every one of many failures recorded at once (atomic increments)', async () => {
    const store = await newStore();
    await Promise.all(Array.from({ length: 50 }, () => store.recordFailure('k', T0, 60)));
    expect(await store.get('k', T0)).toEqual({ failures: 50, lastFailureAt: T0 });
    expect(await store.get('k', T0 + 60)).toBeNull();
    await store.recordFailure('k', T0 + 60, 60);
    expect(await store.get('k', T0 + 60)).toEqual({ failures: 1, lastFailureAt: T0 + 60 });
    await store.clear('k');
    expect(await store.get('k', T0 + 60)).toBeNull();
  });

  it('refuses policies that would end a wait early or never wait', () => {
    const store = createMemoryLoginThrottleStore();
    const bad: ThrottlePolicy[] = [
      { ...DEFAULT_ACCOUNT_POLICY, forgetAfterSeconds: 60 },
      { ...DEFAULT_ACCOUNT_POLICY, baseDelaySeconds: 0 },
      { ...DEFAULT_ACCOUNT_POLICY, maxDelaySeconds: 10 },
      { ...DEFAULT_ACCOUNT_POLICY, freeFailures: -1 },
      { ...DEFAULT_ACCOUNT_POLICY, freeFailures: 1.5 },
    ];
    for (const account of bad) expect(() => createLoginThrottle({ store, account })).toThrow(RangeError);
  });
});

describe('memory throttle store', () => {
  it('forgets entries at their expiry', () => {
    const store = createMemoryLoginThrottleStore();
    expect(store.recordFailure('k', T0, 10)).toEqual({ failures: 1, lastFailureAt: T0 });
    expect(store.recordFailure('k', T0 + 5, 10)).toEqual({ failures: 2, lastFailureAt: T0 + 5 });
    expect(store.get('k', T0 + 14)).toEqual({ failures: 2, lastFailureAt: T0 + 5 });
    expect(store.get('k', T0 + 15)).toBeNull();
  });

  it('stays within its size, dropping the least recently failed key first', () => {
    const store = createMemoryLoginThrottleStore(3);
    store.recordFailure('a', T0, 100);
    store.recordFailure('b', T0 + 1, 100);
    store.recordFailure('c', T0 + 2, 100);
    store.recordFailure('a', T0 + 3, 100);
    store.recordFailure('d', T0 + 4, 100);
    expect(store.get('b', T0 + 5)).toBeNull();
    expect(store.get('a', T0 + 5)).toEqual({ failures: 2, lastFailureAt: T0 + 3 });
    expect(store.get('c', T0 + 5)).not.toBeNull();
    expect(store.get('d', T0 + 5)).not.toBeNull();
  });

  it('evicts nothing when a key already held fails again', () => {
    const store = createMemoryLoginThrottleStore(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) store.recordFailure(key, T0 + i, 100);
    store.recordFailure('b', T0 + 3, 100);
    for (const key of ['a', 'b', 'c']) expect(store.get(key, T0 + 4)).not.toBeNull();
  });

  it('drops expired keys before live ones when full', () => {
    const store = createMemoryLoginThrottleStore(2);
    store.recordFailure('old', T0, 10);
    store.recordFailure('live', T0 + 1, 1000);
    store.recordFailure('new', T0 + 20, 1000);
    expect(store.get('live', T0 + 21)).not.toBeNull();
    expect(store.get('new', T0 + 21)).not.toBeNull();
  });
});
