import { GENESIS_HASH } from '../auditChain';
import { AUDIT_COLUMNS, chainWalker, nextEntry, toEntry, type AuditRow } from '../auditLog';
import type { AuditEntry, AuditHead, AuditLog, AuditVerification, NewAuditEntry, ScopedAudit } from '../types';
import { groupCommit } from './groupCommit';
import type { PgStoreContext } from './pgContext';
import { LOCK_SPACE, LOCKS } from './pgMigrations';
import { limitOf, type Sql } from './pgSql';

const VERIFY_PAGE = 1000;

const headOf = async (sql: Sql): Promise<AuditHead> =>
  (await sql.row<AuditHead>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')) ?? {
    seq: 0,
    hash: GENESIS_HASH,
  };

/**
 * The hash-chained audit log: one chain for the whole server, so its appends, reads and verification are the
 * maintenance role's (the workspace's own entries are read scoped). Two nodes appending at once take turns on a
 * transaction lock held from reading the head to commit: the second reads the first's entry as its head, so the
 * chain never forks, and the seq primary key would refuse a fork even if the lock were gone. Within a node, the
 * appends that arrive while one holds the lock go in the next transaction together (groupCommit.ts).
 */
export function pgAudit({ db, now }: PgStoreContext) {
  // One chain for the server: appends take turns on a transaction lock, and the appends waiting for it go in together.
  const appendBatch = groupCommit<NewAuditEntry, AuditEntry>((_chain, entries) =>
    db.maintenance(async (sql) => {
      await sql.run('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, LOCKS.auditHead]);
      let head = await headOf(sql);
      const chained = entries.map((entry) => {
        const next = nextEntry(head, entry, now());
        head = { seq: next.fields.seq, hash: next.hash };
        return next;
      });
      const column = <K extends keyof (typeof chained)[number]['fields']>(key: K) =>
        chained.map((next) => next.fields[key]);
      await sql.run(
        `INSERT INTO audit_log (seq, at, type, actor_user_id, workspace_id, details, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[])`,
        [
          column('seq'),
          column('at'),
          column('type'),
          column('actorUserId'),
          column('workspaceId'),
          column('detailsJson'),
          column('prevHash'),
          chained.map((next) => next.hash),
        ],
      );
      return chained.map((next) => next.entry);
    }),
  );

  const log: AuditLog = {
    append: (entry) => appendBatch('audit', entry),
    async since(afterSeq, limit) {
      const rows = await db.maintenance((sql) =>
        sql.rows<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, [
          afterSeq,
          limitOf(limit),
        ]),
      );
      return rows.map(toEntry);
    },
    head: () => db.maintenance(headOf),
    verify: () =>
      db.maintenance(async (sql): Promise<AuditVerification> => {
        // One snapshot for the whole walk, read a page at a time: appends committed meanwhile are not seen.
        await sql.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const walker = chainWalker();
        for (let after = 0; ;) {
          const rows = await sql.rows<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
            [after, VERIFY_PAGE],
          );
          for (const row of rows) {
            const failure = walker.check(row);
            if (failure !== undefined) return failure;
          }
          const last = rows.at(-1);
          if (last === undefined || rows.length < VERIFY_PAGE) return walker.result();
          after = last.seq;
        }
      }),
  };

  function scoped(workspaceId: string): ScopedAudit {
    return {
      async since(afterSeq, limit) {
        const rows = await db.scoped(workspaceId, (sql) =>
          sql.rows<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [workspaceId, afterSeq, limitOf(limit)],
          ),
        );
        return rows.map(toEntry);
      },
      async newest(limit) {
        const rows = await db.scoped(workspaceId, (sql) =>
          sql.rows<AuditRow>(
            `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE workspace_id = $1 ORDER BY seq DESC LIMIT $2`,
            [workspaceId, limitOf(limit)],
          ),
        );
        return rows.map(toEntry);
      },
    };
  }
  return { log, scoped };
}
