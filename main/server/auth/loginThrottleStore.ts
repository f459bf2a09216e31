type Awaitable<T> = T | Promise<T>;

export interface ThrottleEntry {
  /** Failed sign-ins since the entry was last cleared or forgotten. */
  readonly failures: number;
  /** Unix seconds of the latest failure. */
  readonly lastFailureAt: number;
}

/**
 * Failure counters for sign-in throttling, keyed by account or client address. An interface because every server
 * node must see the same counts (ARCHITECTURE.md, "Shared security state"): the in-process store below serves one
 * node; a Redis implementation maps recordFailure onto one MULTI of HINCRBY, HSET and EXPIRE.
 */
export interface LoginThrottleStore {
  get(key: string, nowSeconds: number): Awaitable<ThrottleEntry | null>;
  /**
   * Atomically: one more failure at `nowSeconds`, and the entry is forgotten `ttlSeconds` after it. Atomic so that
   * parallel guesses from many addresses are all counted, and returns the entry as it is after this failure.
   */
  recordFailure(key: string, nowSeconds: number, ttlSeconds: number): Awaitable<ThrottleEntry>;
  clear(key: string): Awaitable<void>;
}

interface StoredEntry extends ThrottleEntry {
  readonly expiresAt: number;
}

/**
 * The single-node store. Bounded: past `maxKeys` it drops expired entries, then the least recently failed. Every
 * new key costs the attacker a full sign-in attempt (an argon2 run on our side and a token from the HTTP rate
 * limiter), so pushing a victim's lock out needs about `maxKeys` such attempts after the victim's last failure.
 */
export function createMemoryLoginThrottleStore(maxKeys = 100_000): LoginThrottleStore {
  const entries = new Map<string, StoredEntry>();

  function live(key: string, nowSeconds: number): StoredEntry | null {
    const entry = entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= nowSeconds) {
      entries.delete(key);
      return null;
    }
    return entry;
  }

  function makeRoom(nowSeconds: number): void {
    for (const [key, entry] of entries) if (entry.expiresAt <= nowSeconds) entries.delete(key);
    // Map order is insertion order and recordFailure re-inserts, so the first keys are the least recently failed.
    for (const key of entries.keys()) {
      if (entries.size < maxKeys) break;
      entries.delete(key);
    }
  }

  return {
    get(key, nowSeconds) {
      const entry = live(key, nowSeconds);
      return entry === null ? null : { failures: entry.failures, lastFailureAt: entry.lastFailureAt };
    },
    recordFailure(key, nowSeconds, ttlSeconds) {
      const previous = live(key, nowSeconds);
      entries.delete(key);
      if (entries.size >= maxKeys) makeRoom(nowSeconds);
      const next = { failures: (previous?.failures ?? 0) + 1, lastFailureAt: nowSeconds };
      entries.set(key, { ...next, expiresAt: nowSeconds + ttlSeconds });
      return next;
    },
    clear(key) {
      entries.delete(key);
    },
  };
}
