import { fail, ok } from '../../../shared/result';
import { present, type StoreContext } from './context';
import { newId } from './ids';
import type { Role, Workspace, WorkspacesRepository } from './types';

export interface WorkspaceRow {
  id: string;
  slug: string;
  name: string;
  created_at: number;
}

export const WORKSPACE_COLUMNS = 'w.id, w.slug, w.name, w.created_at';

export function createWorkspacesRepository({ db, now }: StoreContext): WorkspacesRepository {
  const insert = db.prepare(
    `INSERT INTO workspaces (id, slug, name, created_at) VALUES (@id, @slug, @name, @now)
     ON CONFLICT (slug) DO NOTHING`,
  );
  const insertOwner = db.prepare(
    `INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (@id, @ownerUserId, 'owner', @now)`,
  );
  const userExists = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE id = ?');
  const byId = db.prepare<[string], WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = ?`);
  const bySlug = db.prepare<[string], WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.slug = ?`);
  const forUser = db.prepare<[string], WorkspaceRow & { role: Role; joined_at: number }>(
    `SELECT ${WORKSPACE_COLUMNS}, m.role, m.joined_at
     FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
     WHERE m.user_id = ? ORDER BY w.name, w.id`,
  );

  const create = db.transaction((input: { slug: string; name: string; ownerUserId: string }) => {
    if (userExists.get(input.ownerUserId) === undefined) return fail('unknown_user', 'The owner has no account.');
    const params = { ...input, id: newId(), now: now() };
    if (insert.run(params).changes === 0) return fail('slug_taken', 'A workspace with this address already exists.');
    insertOwner.run(params);
    return ok(toWorkspace(present(byId.get(params.id), 'workspace')));
  });

  return {
    async create(input) {
      return create.immediate(input);
    },
    async byId(workspaceId) {
      const row = byId.get(workspaceId);
      return row && toWorkspace(row);
    },
    async bySlug(slug) {
      const row = bySlug.get(slug);
      return row && toWorkspace(row);
    },
    async listForUser(userId) {
      return forUser
        .all(userId)
        .map((row) => ({ workspace: toWorkspace(row), role: row.role, joinedAt: row.joined_at }));
    },
  };
}

export function toWorkspace(row: WorkspaceRow): Workspace {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
}
