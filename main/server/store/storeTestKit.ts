import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dataKeySet, generateDataKey, type DataKey, type DataKeySet } from './keyMaterial';
import { openStore } from './sqliteStore';
import type { Store } from './types';

/**
 * For the store's own tests only: a real SQLite file in a fresh temporary directory, a movable clock, stores and
 * raw connections that `cleanup()` closes before deleting the directory. Raw connections exist so tests can play
 * the attacker with database access (edit rows, read bytes); application code never gets one.
 */
export interface StoreTestKit {
  readonly dir: string;
  readonly file: string;
  readonly keyA: DataKey;
  readonly keyB: DataKey;
  readonly clock: { now: number };
  open(keys?: DataKeySet): Promise<Store>;
  raw(): Database.Database;
  cleanup(): Promise<void>;
}

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const MINUTE = 60_000;

export function createStoreTestKit(): StoreTestKit {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-store-'));
  const file = join(dir, 'whoot.db');
  const stores: Store[] = [];
  const raws: Database.Database[] = [];
  const clock = { now: T0 };
  const keyA = generateDataKey(new Date(T0));
  const keyB = generateDataKey(new Date(T0 + 86_400_000));
  return {
    dir,
    file,
    keyA,
    keyB,
    clock,
    async open(keys = dataKeySet(keyA)) {
      const store = await openStore({ file, keys, now: () => clock.now });
      stores.push(store);
      return store;
    },
    raw() {
      const db = new Database(file);
      raws.push(db);
      return db;
    },
    async cleanup() {
      for (const store of stores) await store.close();
      for (const db of raws) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
