import { createHash } from 'node:crypto';

/** The prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an entry's hash covers, exactly as stored (details already canonical JSON text). */
export interface ChainedFields {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly actorUserId: string | null;
  readonly workspaceId: string | null;
  readonly detailsJson: string;
  readonly prevHash: string;
}

/**
 * SHA-256 (hex) over a JSON array of the fields in a fixed order. A JSON array is unambiguous (strings are quoted
 * and escaped, numbers and null are distinct from strings), so no two different entries encode to the same bytes,
 * and any reimplementation (PostgreSQL, an auditor's script) can recompute it from the rows alone.
 */
export function entryHash(fields: ChainedFields): string {
  const encoded = JSON.stringify([
    'whoot-audit-v1',
    fields.seq,
    fields.at,
    fields.type,
    fields.actorUserId,
    fields.workspaceId,
    fields.detailsJson,
    fields.prevHash,
  ]);
  return createHash('sha256').update(encoded, 'utf8').digest('hex');
}
