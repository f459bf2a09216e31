/**
 * Remembers the nonces of accepted signed requests for as long as their timestamp could still be accepted, so a
 * replay inside the window fails. An interface because several server nodes must share it (Redis later); this is
 * the in-process implementation for a single node.
 */
export interface NonceStore {
  /**
   * Records the nonce; false if it was already seen (a replay) or cannot be recorded (fail closed). Asynchronous
   * where the cache is shared (the store's database, later Redis).
   */
  remember(sessionId: string, nonce: string, expiresAtSeconds: number, nowSeconds: number): boolean | Promise<boolean>;
}

export function createMemoryNonceStore(maxEntries = 1_000_000): NonceStore {
  const seen = new Map<string, number>();
  let nextSweep = 0;

  function sweep(nowSeconds: number): void {
    for (const [key, expiresAt] of seen) if (expiresAt < nowSeconds) seen.delete(key);
    nextSweep = nowSeconds + 10;
  }

  return {
    remember(sessionId, nonce, expiresAtSeconds, nowSeconds) {
      if (nowSeconds >= nextSweep || seen.size >= maxEntries) sweep(nowSeconds);
      const key = `${sessionId}:${nonce}`;
      const known = seen.get(key);
      if (known !== undefined && known >= nowSeconds) return false;
      if (seen.size >= maxEntries) return false;
      seen.set(key, expiresAtSeconds);
      return true;
    },
  };
}
