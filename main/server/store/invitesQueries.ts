import { createHash } from 'node:crypto';
import { present, referencing, type StoreContext } from './context';
import { newId } from './ids';
import type { membersQueries } from './membersQueries';
import { prepareScoped } from './scopedSql';
import { StoreError } from './errors';
import type { Result } from '../../../shared/result';
import type {
  Invite,
  InviteConsumption,
  InviteFailure,
  InviteRedemption,
  InviteRole,
  InvitesRepository,
  NewInvite,
  NewUser,
  ScopedInvites,
  User,
} from './types';
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceRow } from './workspacesRepository';

export interface InviteRow {
  id: string;
  workspace_id: string;
  created_by: string;
  role: InviteRole;
  max_uses: number;
  uses: number;
  expires_at: number;
  created_at: number;
  revoked_at: number | null;
}

export const INVITE_COLUMNS = 'id, workspace_id, created_by, role, max_uses, uses, expires_at, created_at, revoked_at';

/** Codes are stored as SHA-256: they are long random strings, so a fast hash is enough and allows lookup. */
export const inviteCodeHash = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

/** Why an invite cannot be used now, or undefined when it can. */
export function inviteRefusal(
  row: InviteRow | undefined,
  at: number,
): { ok: false; reason: InviteFailure } | undefined {
  if (row === undefined) return { ok: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (row.expires_at <= at) return { ok: false, reason: 'expired' };
  if (row.uses >= row.max_uses) return { ok: false, reason: 'used_up' };
  return undefined;
}

/** Invite statements, prepared once per store; `scoped` binds them to one workspace. */
export function invitesQueries(
  context: StoreContext,
  members: ReturnType<typeof membersQueries>,
  insertUser: (input: NewUser) => Result<User>,
) {
  const { db, now } = context;
  const insert = prepareScoped<NewInvite & { workspaceId: string; id: string; codeHash: string; now: number }>(
    db,
    `INSERT INTO invites (id, workspace_id, code_hash, created_by, role, max_uses, expires_at, created_at)
     VALUES (@id, @workspaceId, @codeHash, @createdBy, @role, @maxUses, @expiresAt, @now)`,
  );
  const get = prepareScoped<{ workspaceId: string; id: string }, InviteRow>(
    db,
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = @workspaceId AND id = @id`,
  );
  const list = prepareScoped<{ workspaceId: string }, InviteRow>(
    db,
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = @workspaceId ORDER BY created_at, id`,
  );
  const revoke = prepareScoped<{ workspaceId: string; id: string; now: number }>(
    db,
    'UPDATE invites SET revoked_at = @now WHERE workspace_id = @workspaceId AND id = @id AND revoked_at IS NULL',
  );
  const byCodeInWorkspace = prepareScoped<{ workspaceId: string; codeHash: string }, InviteRow>(
    db,
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = @workspaceId AND code_hash = @codeHash`,
  );
  // The only lookup without a workspace id: the code is the capability (types.ts, InvitesRepository).
  const byCode = db.prepare<{ codeHash: string }, InviteRow>(
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE code_hash = @codeHash`,
  );
  // The conditions are repeated in the UPDATE so the use is taken only if it is still there at write time.
  const useOne = prepareScoped<{ workspaceId: string; id: string; now: number }>(
    db,
    `UPDATE invites SET uses = uses + 1
     WHERE workspace_id = @workspaceId AND id = @id AND revoked_at IS NULL AND uses < max_uses AND expires_at > @now`,
  );
  const workspace = db.prepare<[string], WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = ?`);

  function take(row: InviteRow | undefined): InviteConsumption {
    const at = now();
    const refused = inviteRefusal(row, at);
    if (refused !== undefined || row === undefined) return refused ?? { ok: false, reason: 'unknown' };
    useOne.run({ workspaceId: row.workspace_id, id: row.id, now: at });
    return { ok: true, invite: toInvite(present(get.get({ workspaceId: row.workspace_id, id: row.id }), 'invite')) };
  }

  const consume = db.transaction((workspaceId: string, code: string) =>
    take(byCodeInWorkspace.get({ workspaceId, codeHash: inviteCodeHash(code) })),
  );

  const redeem = db.transaction((code: string, userId: string): InviteRedemption => {
    const row = byCode.get({ codeHash: inviteCodeHash(code) });
    const refused = inviteRefusal(row, now());
    if (refused !== undefined || row === undefined) return refused ?? { ok: false, reason: 'unknown' };
    const ws = toWorkspace(present(workspace.get(row.workspace_id), 'workspace'));
    const existing = members.get.get({ workspaceId: ws.id, userId });
    if (existing !== undefined) return { ok: true, workspace: ws, role: existing.role, joined: false };
    const used = take(row);
    if (!used.ok) return used;
    const added = members.add(ws.id, userId, row.role);
    // Throwing rolls back the use taken above: an invite is spent only on a membership that exists.
    if (!added.ok) throw new StoreError('unknown_reference', `invite redemption failed: ${added.error.code}`);
    return { ok: true, workspace: ws, role: row.role, joined: true };
  });

  /** Thrown inside createAccount's transaction to roll the account back when the invite cannot take it. */
  class Refused extends Error {
    constructor(readonly reason: InviteFailure | 'email_taken') {
      super(reason);
    }
  }
  const createAccount = db.transaction((code: string, input: NewUser) => {
    const refused = inviteRefusal(byCode.get({ codeHash: inviteCodeHash(code) }), now());
    if (refused !== undefined) throw new Refused(refused.reason);
    const user = insertUser(input);
    if (!user.ok) throw new Refused('email_taken');
    const redeemed = redeem(code, user.value.id);
    if (!redeemed.ok) throw new Refused(redeemed.reason);
    return { ok: true as const, user: user.value, workspace: redeemed.workspace, role: redeemed.role };
  });

  return {
    repository: {
      async redeem(code, userId) {
        return redeem.immediate(code, userId);
      },
      async createAccount(code, input) {
        try {
          return createAccount.immediate(code, input);
        } catch (error) {
          if (error instanceof Refused) return { ok: false, reason: error.reason };
          throw error;
        }
      },
    } satisfies InvitesRepository,
    scoped(workspaceId: string): ScopedInvites {
      return {
        async create(input) {
          const id = newId();
          referencing('the invite', () =>
            insert.run({ ...input, workspaceId, id, codeHash: inviteCodeHash(input.code), now: now() }),
          );
          return toInvite(present(get.get({ workspaceId, id }), 'invite'));
        },
        async get(inviteId) {
          const row = get.get({ workspaceId, id: inviteId });
          return row && toInvite(row);
        },
        async list() {
          return list.all({ workspaceId }).map(toInvite);
        },
        async revoke(inviteId) {
          return revoke.run({ workspaceId, id: inviteId, now: now() }).changes === 1;
        },
        async consume(code) {
          return consume.immediate(workspaceId, code);
        },
      };
    },
  };
}

export function toInvite(row: InviteRow): Invite {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    createdBy: row.created_by,
    role: row.role,
    maxUses: row.max_uses,
    uses: row.uses,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
