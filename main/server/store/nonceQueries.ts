import type { StoreContext } from './context';
import type { RequestNonces } from './types';

/**
 * One INSERT decides: of two concurrent copies of a signed request, on one node or several, exactly one inserts the
 * row. Expired rows are swept at most every 10 s, so the table holds about one window of traffic.
 */
export function createRequestNonces({ db }: StoreContext): RequestNonces {
  const insert = db.prepare(
    'INSERT INTO request_nonces (session_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const reclaim = db.prepare(
    'UPDATE request_nonces SET expires_at = ? WHERE session_id = ? AND nonce = ? AND expires_at < ?',
  );
  const sweep = db.prepare('DELETE FROM request_nonces WHERE expires_at < ?');
  let nextSweep = 0;
  return {
    async remember(sessionId, nonce, expiresAtSeconds, nowSeconds) {
      if (nowSeconds >= nextSweep) {
        sweep.run(nowSeconds);
        nextSweep = nowSeconds + 10;
      }
      if (insert.run(sessionId, nonce, expiresAtSeconds).changes === 1) return true;
      // A row past its expiry only means the sweep has not run yet: the old use can no longer be replayed.
      return reclaim.run(expiresAtSeconds, sessionId, nonce, nowSeconds).changes === 1;
    },
  };
}
