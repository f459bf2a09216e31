import { fail, ok, type Result } from '../../../../shared/result';
import { present } from '../context';
import { MEMBER_SELECT, toMember, type MemberRow } from '../membersQueries';
import type { Member, Role, ScopedMembers } from '../types';
import type { PgStoreContext } from './pgContext';
import { referencingPg, type Sql } from './pgSql';

/** A membership row with its display name, read inside a scoped transaction ($1 the workspace). */
export const memberIn = (sql: Sql, workspaceId: string, userId: string) =>
  sql.row<MemberRow>(`${MEMBER_SELECT} WHERE m.workspace_id = $1 AND m.user_id = $2`, [workspaceId, userId]);

/** Adds a member inside the caller's scoped transaction (invite redemption adds one in its own). */
export async function addMember(
  sql: Sql,
  workspaceId: string,
  userId: string,
  role: Role,
  at: number,
): Promise<Result<Member>> {
  if ((await sql.row('SELECT id FROM users WHERE id = $1', [userId])) === undefined) {
    return fail('unknown_user', 'There is no such account.');
  }
  const added = await referencingPg(
    'the membership',
    sql.run(
      `INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, user_id) DO NOTHING`,
      [workspaceId, userId, role, at],
    ),
  );
  if (added === 0) return fail('already_member', 'The user is already a member of this workspace.');
  return ok(toMember(present(await memberIn(sql, workspaceId, userId), 'membership')));
}

/** Members of one workspace. In every scoped statement $1 is the scope's workspace id. */
export function pgMembers({ db, now }: PgStoreContext, workspaceId: string): ScopedMembers {
  const change = async (text: string, params: readonly unknown[]) =>
    (await db.scoped(workspaceId, (sql) => sql.run(text, [workspaceId, ...params]))) === 1;
  return {
    add: (userId, role) => db.scoped(workspaceId, (sql) => addMember(sql, workspaceId, userId, role, now())),
    async get(userId) {
      const row = await db.scoped(workspaceId, (sql) => memberIn(sql, workspaceId, userId));
      return row && toMember(row);
    },
    async list() {
      const rows = await db.scoped(workspaceId, (sql) =>
        sql.rows<MemberRow>(`${MEMBER_SELECT} WHERE m.workspace_id = $1 ORDER BY m.joined_at, m.user_id`, [
          workspaceId,
        ]),
      );
      return rows.map(toMember);
    },
    setRole: (userId, role) =>
      change('UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2', [userId, role]),
    remove: (userId) => change('DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2', [userId]),
    async count(role) {
      const row = await db.scoped(workspaceId, (sql) =>
        sql.row<{ n: number }>(
          'SELECT count(*) AS n FROM memberships WHERE workspace_id = $1 AND ($2::text IS NULL OR role = $2)',
          [workspaceId, role ?? null],
        ),
      );
      return row?.n ?? 0;
    },
  };
}
