import { encryptedColumnList } from '../encryptedColumns';
import type { KeyRing } from '../fieldCipher';
import { reencryptColumns, type ColumnBatch } from '../keyRotation';
import type { KeyUsage, RotationReport } from '../types';
import type { PgStoreContext } from './pgContext';

/**
 * Key usage and rotation in PostgreSQL: named cross-workspace operations of the maintenance role, whose grants
 * on the sealed tables are SELECT of the id and the sealed column and UPDATE of that column only (pgMigrations.ts).
 * Table and column names come from the declared list, checked against an identifier pattern in encryptedColumns.ts.
 */
export async function pgKeyUsage({ db }: PgStoreContext): Promise<KeyUsage[]> {
  return db.maintenance(async (sql) => {
    const usage: KeyUsage[] = [];
    for (const { table, column } of encryptedColumnList) {
      const rows = await sql.rows<{ key_id: string; values: number }>(
        `SELECT split_part(${column}, '.', 2) AS key_id, count(*) AS "values"
         FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
      );
      usage.push(...rows.map((row) => ({ table, column, keyId: row.key_id, values: row.values })));
    }
    // File contents: the files row's key_id names the key its blob is sealed under.
    const blobs = await sql.rows<{ key_id: string; values: number }>(
      'SELECT key_id, count(*) AS "values" FROM files GROUP BY key_id ORDER BY key_id',
    );
    usage.push(...blobs.map((row) => ({ table: 'files', column: 'blob', keyId: row.key_id, values: row.values })));
    return usage;
  });
}

export function pgReencryptColumns(
  context: PgStoreContext,
  ring: KeyRing,
  batchSize?: number,
): Promise<RotationReport> {
  const batch: ColumnBatch = ({ table, column, idColumn }, { prefix, limit }, reseal) =>
    context.db.maintenance(async (sql) => {
      const rows = await sql.rows<{ row_id: string; value: string }>(
        `SELECT ${idColumn} AS row_id, ${column} AS value FROM ${table}
         WHERE ${column} IS NOT NULL AND left(${column}, $1) <> $2 LIMIT $3`,
        [prefix.length, prefix, limit],
      );
      let changed = 0;
      for (const row of rows) {
        changed += await sql.run(`UPDATE ${table} SET ${column} = $1 WHERE ${idColumn} = $2 AND ${column} = $3`, [
          reseal(row.row_id, row.value),
          row.row_id,
          row.value,
        ]);
      }
      return { found: rows.length, changed };
    });
  return reencryptColumns(context.fields, ring, batch, batchSize);
}
