import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from '../../main/server/store';
import type { TestServer } from './serverHarness';

/**
 * Whether `text` appears anywhere in the server's database in the clear, as someone holding the database would look:
 * the bytes of one node's SQLite file and its write-ahead log, or on PostgreSQL every row of every table, read as
 * its superuser, as text and (for binary columns) as the hex the text would be stored as.
 */
export async function storeContains(t: TestServer, text: string): Promise<boolean> {
  const raw = await t.rawStore();
  try {
    if (raw.backend === 'sqlite') {
      const needle = Buffer.from(text, 'utf8');
      return [DATABASE_FILE, `${DATABASE_FILE}-wal`]
        .map((file) => join(t.dataDir, file))
        .some((path) => existsSync(path) && readFileSync(path).includes(needle));
    }
    const tables = await raw.all<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const hex = Buffer.from(text, 'utf8').toString('hex');
    for (const { name } of tables) {
      const found = await raw.get<{ found: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM "${name}" r WHERE r::text LIKE ? OR r::text LIKE ?) AS found`,
        `%${text}%`,
        `%${hex}%`,
      );
      if (found?.found === true) return true;
    }
    return false;
  } finally {
    await raw.close();
  }
}
