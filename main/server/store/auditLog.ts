import { GENESIS_HASH, entryHash } from './auditChain';
import type { StoreContext } from './context';
import { canonicalJson, type JsonObject } from './json';
import { prepareScoped } from './scopedSql';
import type { AuditEntry, AuditHead, AuditLog, AuditVerification, NewAuditEntry, ScopedAudit } from './types';

export interface AuditRow {
  seq: number;
  at: number;
  type: string;
  actor_user_id: string | null;
  workspace_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = 'seq, at, type, actor_user_id, workspace_id, details, prev_hash, hash';

/** The hash-chained audit log. Statements only INSERT and SELECT; triggers refuse UPDATE and DELETE as well. */
export function auditQueries({ db, now }: StoreContext) {
  const last = db.prepare<[], { seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const insert = db.prepare(
    `INSERT INTO audit_log (seq, at, type, actor_user_id, workspace_id, details, prev_hash, hash)
     VALUES (@seq, @at, @type, @actorUserId, @workspaceId, @detailsJson, @prevHash, @hash)`,
  );
  const since = db.prepare<{ afterSeq: number; limit: number }, AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > @afterSeq ORDER BY seq LIMIT @limit`,
  );
  const sinceInWorkspace = prepareScoped<{ workspaceId: string; afterSeq: number; limit: number }, AuditRow>(
    db,
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE workspace_id = @workspaceId AND seq > @afterSeq ORDER BY seq LIMIT @limit`,
  );
  const all = db.prepare<[], AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`);
  const newestInWorkspace = prepareScoped<{ workspaceId: string; limit: number }, AuditRow>(
    db,
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE workspace_id = @workspaceId ORDER BY seq DESC LIMIT @limit`,
  );

  // IMMEDIATE: reading the head and writing the next entry must not interleave with another writer's append.
  const append = db.transaction((entry: NewAuditEntry): AuditEntry => {
    const next = nextEntry(last.get() ?? { seq: 0, hash: GENESIS_HASH }, entry, now());
    insert.run({ ...next.fields, hash: next.hash });
    return next.entry;
  });

  const log: AuditLog = {
    async append(entry) {
      return append.immediate(entry);
    },
    async since(afterSeq, limit) {
      return since.all({ afterSeq, limit: Math.max(0, Math.trunc(limit)) }).map(toEntry);
    },
    async head() {
      return last.get() ?? { seq: 0, hash: GENESIS_HASH };
    },
    async verify(): Promise<AuditVerification> {
      // One read transaction, so appends made meanwhile do not confuse the walk; iterate keeps memory flat.
      return db.transaction(() => verifyRows(all.iterate()))();
    },
  };

  return {
    log,
    scoped(workspaceId: string): ScopedAudit {
      return {
        async since(afterSeq, limit) {
          return sinceInWorkspace.all({ workspaceId, afterSeq, limit: Math.max(0, Math.trunc(limit)) }).map(toEntry);
        },
        async newest(limit) {
          return newestInWorkspace.all({ workspaceId, limit: Math.max(0, Math.trunc(limit)) }).map(toEntry);
        },
      };
    },
  };
}

/** The entry that follows `head`: its stored fields, its hash, and the record callers get back. */
export function nextEntry(head: AuditHead, entry: NewAuditEntry, at: number) {
  const fields = {
    seq: head.seq + 1,
    at,
    type: entry.type,
    actorUserId: entry.actorUserId ?? null,
    workspaceId: entry.workspaceId ?? null,
    detailsJson: canonicalJson(entry.details ?? {}),
    prevHash: head.hash,
  };
  const hash = entryHash(fields);
  return { fields, hash, entry: toEntry({ ...rowOf(fields), hash }) };
}

/**
 * Walks the chain one entry at a time, from the first: `check` returns the first failure (its seq, link or hash does
 * not check out), `result` the verdict after the last entry. Incremental so a backend can feed it page by page.
 */
export function chainWalker() {
  let expected = { seq: 1, prevHash: GENESIS_HASH };
  let entries = 0;
  return {
    check(row: AuditRow): AuditVerification | undefined {
      // Reported at the seq that should have come: that entry was removed or renumbered.
      if (row.seq !== expected.seq) return { ok: false, seq: expected.seq, reason: 'sequence_gap' };
      if (row.prev_hash !== expected.prevHash) return { ok: false, seq: row.seq, reason: 'chain_broken' };
      const recomputed = entryHash({
        seq: row.seq,
        at: row.at,
        type: row.type,
        actorUserId: row.actor_user_id,
        workspaceId: row.workspace_id,
        detailsJson: row.details,
        prevHash: row.prev_hash,
      });
      if (recomputed !== row.hash) return { ok: false, seq: row.seq, reason: 'hash_mismatch' };
      expected = { seq: row.seq + 1, prevHash: row.hash };
      entries += 1;
      return undefined;
    },
    result(): AuditVerification {
      return { ok: true, entries, head: { seq: expected.seq - 1, hash: expected.prevHash } };
    },
  };
}

/** Walks the whole chain from the first entry; the first one whose seq, link or hash does not check out is reported. */
export function verifyRows(rows: Iterable<AuditRow>): AuditVerification {
  const walker = chainWalker();
  for (const row of rows) {
    const failure = walker.check(row);
    if (failure !== undefined) return failure;
  }
  return walker.result();
}

export function rowOf(fields: {
  seq: number;
  at: number;
  type: string;
  actorUserId: string | null;
  workspaceId: string | null;
  detailsJson: string;
  prevHash: string;
}): Omit<AuditRow, 'hash'> {
  return {
    seq: fields.seq,
    at: fields.at,
    type: fields.type,
    actor_user_id: fields.actorUserId,
    workspace_id: fields.workspaceId,
    details: fields.detailsJson,
    prev_hash: fields.prevHash,
  };
}

export function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actorUserId: row.actor_user_id,
    workspaceId: row.workspace_id,
    details: JSON.parse(row.details) as JsonObject,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
