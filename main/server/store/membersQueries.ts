import { fail, ok } from '../../../shared/result';
import { present, referencing, type StoreContext } from './context';
import { prepareScoped } from './scopedSql';
import type { Member, Role, ScopedMembers } from './types';

export interface MemberRow {
  workspace_id: string;
  user_id: string;
  display_name: string;
  role: Role;
  joined_at: number;
}

export const MEMBER_SELECT = `SELECT m.workspace_id, m.user_id, u.display_name, m.role, m.joined_at
  FROM memberships m JOIN users u ON u.id = m.user_id`;

/** Membership statements, prepared once per store; `scoped` binds them to one workspace. */
export function membersQueries({ db, now }: StoreContext) {
  const insert = prepareScoped<{ workspaceId: string; userId: string; role: Role; now: number }>(
    db,
    `INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (@workspaceId, @userId, @role, @now)
     ON CONFLICT (workspace_id, user_id) DO NOTHING`,
  );
  const userExists = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE id = ?');
  const get = prepareScoped<{ workspaceId: string; userId: string }, MemberRow>(
    db,
    `${MEMBER_SELECT} WHERE m.workspace_id = @workspaceId AND m.user_id = @userId`,
  );
  const list = prepareScoped<{ workspaceId: string }, MemberRow>(
    db,
    `${MEMBER_SELECT} WHERE m.workspace_id = @workspaceId ORDER BY m.joined_at, m.user_id`,
  );
  const setRole = prepareScoped<{ workspaceId: string; userId: string; role: Role }>(
    db,
    'UPDATE memberships SET role = @role WHERE workspace_id = @workspaceId AND user_id = @userId',
  );
  const remove = prepareScoped<{ workspaceId: string; userId: string }>(
    db,
    'DELETE FROM memberships WHERE workspace_id = @workspaceId AND user_id = @userId',
  );
  const count = prepareScoped<{ workspaceId: string; role: Role | null }, { n: number }>(
    db,
    'SELECT count(*) AS n FROM memberships WHERE workspace_id = @workspaceId AND (@role IS NULL OR role = @role)',
  );
  const add = db.transaction((workspaceId: string, userId: string, role: Role) => {
    if (userExists.get(userId) === undefined) return fail('unknown_user', 'There is no such account.');
    const added = referencing('the membership', () => insert.run({ workspaceId, userId, role, now: now() }));
    if (added.changes === 0) return fail('already_member', 'The user is already a member of this workspace.');
    return ok(toMember(present(get.get({ workspaceId, userId }), 'membership')));
  });

  return {
    /** For invite redemption, which adds a member inside its own transaction (this one nests as a savepoint). */
    add,
    get,
    scoped(workspaceId: string): ScopedMembers {
      return {
        async add(userId, role) {
          return add.immediate(workspaceId, userId, role);
        },
        async get(userId) {
          const row = get.get({ workspaceId, userId });
          return row && toMember(row);
        },
        async list() {
          return list.all({ workspaceId }).map(toMember);
        },
        async setRole(userId, role) {
          return setRole.run({ workspaceId, userId, role }).changes === 1;
        },
        async remove(userId) {
          return remove.run({ workspaceId, userId }).changes === 1;
        },
        async count(role) {
          return count.get({ workspaceId, role: role ?? null })?.n ?? 0;
        },
      };
    },
  };
}

export function toMember(row: MemberRow): Member {
  return {
    workspaceId: row.workspace_id,
    userId: row.user_id,
    displayName: row.display_name,
    role: row.role,
    joinedAt: row.joined_at,
  };
}
