import { randomBytes } from 'node:crypto';
import { present, type StoreContext } from './context';
import { ENCRYPTED_COLUMNS } from './encryptedColumns';
import type { ServerSecrets } from './types';

/** The TURN REST shared secret's row name; webhook signing secrets will live beside it under their own names. */
export const RELAY_SECRET = 'relay';

export function createServerSecrets({ db, now, fields }: StoreContext): ServerSecrets {
  const insert = db.prepare(
    'INSERT INTO server_secrets (name, value, created_at) VALUES (@name, @value, @now) ON CONFLICT (name) DO NOTHING',
  );
  const get = db.prepare<[string], { value: string }>('SELECT value FROM server_secrets WHERE name = ?');

  // Insert-if-absent then read back: if two processes race on first start, both end up with the one that won.
  const getOrCreate = db.transaction((name: string, create: () => Uint8Array): Buffer => {
    const fresh = create();
    insert.run({ name, value: fields.seal(ENCRYPTED_COLUMNS.serverSecret, name, fresh), now: now() });
    fresh.fill(0);
    return fields.open(ENCRYPTED_COLUMNS.serverSecret, name, present(get.get(name), 'secret').value);
  });

  return {
    async relaySecret() {
      const stored = get.get(RELAY_SECRET);
      if (stored !== undefined) return fields.open(ENCRYPTED_COLUMNS.serverSecret, RELAY_SECRET, stored.value);
      return getOrCreate.immediate(RELAY_SECRET, () => randomBytes(32));
    },
  };
}
