import { createHash } from 'node:crypto';
import type { LoginThrottleStore, ThrottleEntry } from './loginThrottleStore';

/**
 * Sign-in throttling per account and per client address, with exponential backoff:
 *   failures <= freeFailures         no wait
 *   failures  = freeFailures + k     wait baseDelay * 2^(k-1), at most maxDelay, counted from the latest failure
 * and the count is forgotten `forgetAfter` seconds after the latest failure. The account limit stops a guessing
 * campaign spread over many addresses; the address limit stops one address sweeping many accounts. This sits
 * behind the HTTP layer's per-address token bucket ('auth' class), which bounds raw request volume.
 */
export interface ThrottlePolicy {
  readonly freeFailures: number;
  readonly baseDelaySeconds: number;
  readonly maxDelaySeconds: number;
  readonly forgetAfterSeconds: number;
}

/**
 * Five free tries, then 30 s doubling to a 15-minute ceiling: at most about a hundred guesses per account a day,
 * while a locked-out owner waits minutes, not hours (a lock is also something an attacker can inflict, so it
 * stays short).
 */
export const DEFAULT_ACCOUNT_POLICY: ThrottlePolicy = {
  freeFailures: 5,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  forgetAfterSeconds: 24 * 3600,
};

/** A whole team often shares one office address, so an address gets far more room than one account. */
export const DEFAULT_ADDRESS_POLICY: ThrottlePolicy = {
  freeFailures: 50,
  baseDelaySeconds: 30,
  maxDelaySeconds: 900,
  forgetAfterSeconds: 24 * 3600,
};

export interface LoginAttempt {
  /** As typed; compared case-insensitively, like sign-in itself. Unknown emails are throttled the same way. */
  readonly email: string;
  /** The client's rate key (main/server/http/clientAddress.ts clientRateKey: the IPv4 address or the IPv6 /64). */
  readonly address: string;
}

export type ThrottleDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Whole seconds, at least 1: the Retry-After header. */
      readonly retryAfterSeconds: number;
      /** For logs and metrics; the response should not say which limit applied. */
      readonly scope: 'account' | 'address';
    };

export interface LoginThrottleOptions {
  readonly store: LoginThrottleStore;
  /** Unix seconds. */
  readonly now?: () => number;
  readonly account?: ThrottlePolicy;
  readonly address?: ThrottlePolicy;
}

/** Seconds to wait after the latest failure when the count stands at `failures`. */
export function backoffSeconds(failures: number, policy: ThrottlePolicy): number {
  if (!Number.isFinite(failures) || failures <= policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures - 1, 32);
  return Math.min(policy.baseDelaySeconds * 2 ** doublings, policy.maxDelaySeconds);
}

function checkPolicy(policy: ThrottlePolicy, name: string): ThrottlePolicy {
  const values = [policy.freeFailures, policy.baseDelaySeconds, policy.maxDelaySeconds, policy.forgetAfterSeconds];
  const valid =
    values.every((value) => Number.isSafeInteger(value) && value >= 0) &&
    policy.baseDelaySeconds > 0 &&
    policy.maxDelaySeconds >= policy.baseDelaySeconds &&
    // Forgetting the count before the longest wait ends would end the wait early.
    policy.forgetAfterSeconds >= policy.maxDelaySeconds;
  if (!valid) throw new RangeError(`invalid ${name} throttle policy`);
  return policy;
}

/**
 * Keys, not raw values: the shared store (Redis later) then holds no email addresses, and nothing a client sends
 * can collide with the other scope's keys or grow a key without bound.
 */
function accountKey(email: unknown): string {
  const text = typeof email === 'string' ? email.slice(0, 1024).trim().toLowerCase() : '';
  return `login:account:${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}

function addressKey(address: unknown): string {
  const text = typeof address === 'string' ? address.slice(0, 256) : '';
  return `login:address:${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}

export function createLoginThrottle(options: LoginThrottleOptions) {
  const { store } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const accountPolicy = checkPolicy(options.account ?? DEFAULT_ACCOUNT_POLICY, 'account');
  const addressPolicy = checkPolicy(options.address ?? DEFAULT_ADDRESS_POLICY, 'address');

  function waitFor(entry: ThrottleEntry | null, policy: ThrottlePolicy, at: number): number {
    if (entry === null) return 0;
    return Math.max(0, entry.lastFailureAt + backoffSeconds(entry.failures, policy) - at);
  }

  function decide(accountWait: number, addressWait: number): ThrottleDecision {
    if (accountWait <= 0 && addressWait <= 0) return { allowed: true };
    const scope = accountWait >= addressWait ? 'account' : 'address';
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(accountWait, addressWait))), scope };
  }

  /**
   * Before checking the password. A refused attempt is not checked at all, so during a wait even the right
   * password fails: guessing cannot continue through the lock, and the answer reveals nothing about the guess.
   */
  async function check(attempt: LoginAttempt): Promise<ThrottleDecision> {
    const at = now();
    const [account, address] = await Promise.all([
      store.get(accountKey(attempt.email), at),
      store.get(addressKey(attempt.address), at),
    ]);
    return decide(waitFor(account, accountPolicy, at), waitFor(address, addressPolicy, at));
  }

  /** After a wrong password, wrong second factor or unknown email; says how long until the next try is allowed. */
  async function recordFailure(attempt: LoginAttempt): Promise<ThrottleDecision> {
    const at = now();
    const [account, address] = await Promise.all([
      store.recordFailure(accountKey(attempt.email), at, accountPolicy.forgetAfterSeconds),
      store.recordFailure(addressKey(attempt.address), at, addressPolicy.forgetAfterSeconds),
    ]);
    return decide(waitFor(account, accountPolicy, at), waitFor(address, addressPolicy, at));
  }

  /**
   * Clears the account's count only. The address keeps its count: otherwise an attacker holding one valid account
   * could sign in to it between guesses at others and never be slowed down.
   */
  async function recordSuccess(attempt: LoginAttempt): Promise<void> {
    await store.clear(accountKey(attempt.email));
  }

  return { check, recordFailure, recordSuccess };
}
