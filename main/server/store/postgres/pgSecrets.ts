import { randomBytes } from 'node:crypto';
import { present } from '../context';
import { ENCRYPTED_COLUMNS } from '../encryptedColumns';
import { RELAY_SECRET } from '../secretsRepository';
import type { RequestNonces, ServerSecrets } from '../types';
import type { PgStoreContext } from './pgContext';

export function pgServerSecrets({ db, now, fields }: PgStoreContext): ServerSecrets {
  const read = (name: string) =>
    db.app((sql) => sql.row<{ value: string }>('SELECT value FROM server_secrets WHERE name = $1', [name]));
  return {
    async relaySecret() {
      const stored = await read(RELAY_SECRET);
      if (stored !== undefined) return fields.open(ENCRYPTED_COLUMNS.serverSecret, RELAY_SECRET, stored.value);
      // Insert-if-absent, then read back: when nodes race on the first start, every one ends up with the winner's.
      const fresh = randomBytes(32);
      const sealed = fields.seal(ENCRYPTED_COLUMNS.serverSecret, RELAY_SECRET, fresh);
      fresh.fill(0);
      await db.app((sql) =>
        sql.run(
          'INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
          [RELAY_SECRET, sealed, now()],
        ),
      );
      return fields.open(
        ENCRYPTED_COLUMNS.serverSecret,
        RELAY_SECRET,
        present(await read(RELAY_SECRET), 'secret').value,
      );
    },
  };
}

/** The signed-request nonce cache in PostgreSQL: one INSERT decides between two copies of a request, on any node. */
export function pgRequestNonces({ db }: PgStoreContext): RequestNonces {
  let nextSweep = 0;
  return {
    remember: (sessionId, nonce, expiresAtSeconds, nowSeconds) =>
      db.app(async (sql) => {
        if (nowSeconds >= nextSweep) {
          nextSweep = nowSeconds + 10;
          await sql.run('DELETE FROM request_nonces WHERE expires_at < $1', [nowSeconds]);
        }
        const inserted = await sql.run(
          'INSERT INTO request_nonces (session_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [sessionId, nonce, expiresAtSeconds],
        );
        if (inserted === 1) return true;
        // A row past its expiry only means the sweep has not run yet: the old use can no longer be replayed.
        const reclaimed = await sql.run(
          'UPDATE request_nonces SET expires_at = $1 WHERE session_id = $2 AND nonce = $3 AND expires_at < $4',
          [expiresAtSeconds, sessionId, nonce, nowSeconds],
        );
        return reclaimed === 1;
      }),
  };
}
