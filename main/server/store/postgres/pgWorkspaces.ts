import { fail, ok } from '../../../../shared/result';
import { present } from '../context';
import { newId } from '../ids';
import type { Role, WorkspacesRepository } from '../types';
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceRow } from '../workspacesRepository';
import type { PgStoreContext } from './pgContext';

/**
 * Workspaces. Creating one and reading one by id run scoped to that workspace; finding one by slug and listing a
 * user's workspaces look across workspaces by nature, so they are two of the maintenance role's named operations.
 */
export function pgWorkspacesRepository({ db, now }: PgStoreContext): WorkspacesRepository {
  return {
    async create(input) {
      const id = newId();
      return db.scoped(id, async (sql) => {
        const owner = await sql.row('SELECT id FROM users WHERE id = $1', [input.ownerUserId]);
        if (owner === undefined) return fail('unknown_user', 'The owner has no account.');
        const at = now();
        const inserted = await sql.run(
          `INSERT INTO workspaces (id, slug, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING`,
          [id, input.slug, input.name, at],
        );
        if (inserted === 0) return fail('slug_taken', 'A workspace with this address already exists.');
        await sql.run(`INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)`, [
          id,
          input.ownerUserId,
          at,
        ]);
        const row = await sql.row<WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = $1`, [id]);
        return ok(toWorkspace(present(row, 'workspace')));
      });
    },
    async byId(workspaceId) {
      const row = await db.scoped(workspaceId, (sql) =>
        sql.row<WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = $1`, [workspaceId]),
      );
      return row && toWorkspace(row);
    },
    async bySlug(slug) {
      // Named cross-workspace operation: a slug names one workspace among all of them.
      const row = await db.maintenance((sql) =>
        sql.row<WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.slug = $1`, [slug]),
      );
      return row && toWorkspace(row);
    },
    async listForUser(userId) {
      // Named cross-workspace operation: one user's memberships span workspaces.
      const rows = await db.maintenance((sql) =>
        sql.rows<WorkspaceRow & { role: Role; joined_at: number }>(
          `SELECT ${WORKSPACE_COLUMNS}, m.role, m.joined_at
           FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
           WHERE m.user_id = $1 ORDER BY w.name, w.id`,
          [userId],
        ),
      );
      return rows.map((row) => ({ workspace: toWorkspace(row), role: row.role, joinedAt: row.joined_at }));
    },
  };
}
