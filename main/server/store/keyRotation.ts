import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StoreContext } from './context';
import { encryptedColumnList, type EncryptedColumn } from './encryptedColumns';
import { sealedPrefix, type KeyRing } from './fieldCipher';
import type { KeyUsage, RotationReport } from './types';

export const DEFAULT_ROTATION_BATCH = 500;

/** One batch of one column, in its own transaction: values not under the current key, re-sealed and written back. */
export type ColumnBatch = (
  column: EncryptedColumn,
  pending: { readonly prefix: string; readonly limit: number },
  reseal: (rowId: string, value: string) => string,
) => Promise<{ readonly found: number; readonly changed: number }>;

/**
 * Re-seals, column by column, every value that is not yet under the ring's current key, with whichever database's
 * `batch`. Each batch is its own transaction and the event loop gets a turn after each, so the server keeps serving
 * during a long rotation; a value is overwritten only if it still holds what was read (compare-and-set), so a write
 * that raced the batch is never undone. Values under older keys stay readable the whole time because the ring keeps
 * those keys until the caller retires them.
 */
export async function reencryptColumns(
  fields: StoreContext['fields'],
  ring: KeyRing,
  batch: ColumnBatch,
  batchSize = DEFAULT_ROTATION_BATCH,
): Promise<RotationReport> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batch size must be a positive integer');
  const prefix = sealedPrefix(ring.currentKeyId);
  let batches = 0;
  const columns: RotationReport['columns'][number][] = [];
  for (const column of encryptedColumnList) {
    const reseal = (rowId: string, value: string) => {
      const plaintext = fields.open(column, rowId, value);
      const resealed = fields.seal(column, rowId, plaintext);
      plaintext.fill(0);
      return resealed;
    };
    let reencrypted = 0;
    for (;;) {
      const { found, changed } = await batch(column, { prefix, limit: batchSize }, reseal);
      if (found === 0) break;
      // A batch that found rows but moved none would find the same rows again forever.
      if (changed === 0) throw new Error(`key rotation made no progress on ${column.table}`);
      reencrypted += changed;
      batches += 1;
      await nextTurn();
    }
    columns.push({ table: column.table, column: column.column, reencrypted });
  }
  return {
    keyId: ring.currentKeyId,
    columns,
    reencrypted: columns.reduce((sum, column) => sum + column.reencrypted, 0),
    batches,
  };
}

/** The SQLite store's rotation: each batch an IMMEDIATE transaction on its one connection. */
export function reencryptAll(
  context: StoreContext,
  ring: KeyRing,
  batchSize = DEFAULT_ROTATION_BATCH,
): Promise<RotationReport> {
  const batch: ColumnBatch = async (column, { prefix, limit }, reseal) => {
    const { pending, replace } = statements(context, column);
    return context.db
      .transaction(() => {
        const rows = pending.all({ prefix, length: prefix.length, limit });
        let changed = 0;
        for (const row of rows) {
          changed += replace.run({
            rowId: row.rowId,
            value: reseal(row.rowId, row.value),
            previous: row.value,
          }).changes;
        }
        return { found: rows.length, changed };
      })
      .immediate();
  };
  return reencryptColumns(context.fields, ring, batch, batchSize);
}

/**
 * How many values each key id seals, per column; read from the `v1.<keyId>.` prefix (4th character on). File blobs
 * live outside SQLite, so their rows' key_id (a copy of the blob header's) stands for them as `files.blob`.
 */
export function keyUsage({ db }: StoreContext): KeyUsage[] {
  const blobs = db
    .prepare<[], { keyId: string; values: number }>(
      'SELECT key_id AS keyId, count(*) AS "values" FROM files GROUP BY key_id ORDER BY key_id',
    )
    .all()
    .map((row) => ({ table: 'files', column: 'blob', keyId: row.keyId, values: row.values }));
  return [...sealedColumnUsage(db), ...blobs];
}

function sealedColumnUsage(db: StoreContext['db']): KeyUsage[] {
  return encryptedColumnList.flatMap(({ table, column }) =>
    db
      .prepare<[], { keyId: string; values: number }>(
        `SELECT substr(${column}, 4, instr(substr(${column}, 4), '.') - 1) AS keyId, count(*) AS "values"
         FROM ${table} WHERE ${column} IS NOT NULL GROUP BY keyId ORDER BY keyId`,
      )
      .all()
      .map((row) => ({ table, column, keyId: row.keyId, values: row.values })),
  );
}

// Names come from the declared list (checked against an identifier pattern in encryptedColumns.ts).
function statements({ db }: StoreContext, { table, column, idColumn }: EncryptedColumn) {
  return {
    pending: db.prepare<{ prefix: string; length: number; limit: number }, { rowId: string; value: string }>(
      `SELECT ${idColumn} AS rowId, ${column} AS value FROM ${table}
       WHERE ${column} IS NOT NULL AND substr(${column}, 1, @length) <> @prefix LIMIT @limit`,
    ),
    replace: db.prepare<{ rowId: string; value: string; previous: string }>(
      `UPDATE ${table} SET ${column} = @value WHERE ${idColumn} = @rowId AND ${column} = @previous`,
    ),
  };
}
