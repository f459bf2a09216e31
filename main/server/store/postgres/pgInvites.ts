import { present } from '../context';
import { inviteCodeHash, inviteRefusal, INVITE_COLUMNS, toInvite, type InviteRow } from '../invitesQueries';
import { newId } from '../ids';
import { StoreError } from '../errors';
import type { InviteConsumption, InviteFailure, InviteRedemption, InvitesRepository, ScopedInvites } from '../types';
import { toUser, USER_COLUMNS, type UserRow } from '../usersRepository';
import { insertUser } from './pgUsers';
import { toWorkspace, WORKSPACE_COLUMNS, type WorkspaceRow } from '../workspacesRepository';
import type { PgStoreContext } from './pgContext';
import { addMember, memberIn } from './pgMembers';
import { referencingPg, type Sql } from './pgSql';

const inviteIn = (sql: Sql, workspaceId: string, id: string) =>
  sql.row<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);

/**
 * Takes one use of the invite with this code in this workspace, inside the caller's scoped transaction. The row is
 * locked (FOR UPDATE) before its uses are checked, so two nodes consuming the last use at once cannot both get it.
 */
async function take(sql: Sql, workspaceId: string, codeHash: string, at: number): Promise<InviteConsumption> {
  const row = await sql.row<InviteRow>(
    `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 AND code_hash = $2 FOR UPDATE`,
    [workspaceId, codeHash],
  );
  const refused = inviteRefusal(row, at);
  if (refused !== undefined || row === undefined) return refused ?? { ok: false, reason: 'unknown' };
  await sql.run('UPDATE invites SET uses = uses + 1 WHERE workspace_id = $1 AND id = $2', [workspaceId, row.id]);
  return { ok: true, invite: toInvite(present(await inviteIn(sql, workspaceId, row.id), 'invite')) };
}

export function pgInvites(context: PgStoreContext) {
  const { db, now } = context;
  /** The one cross-workspace step: which workspace this code hash belongs to (the code is the capability). */
  const workspaceOfCode = async (codeHash: string) =>
    (
      await db.maintenance((sql) =>
        sql.row<{ workspace_id: string }>('SELECT workspace_id FROM invites WHERE code_hash = $1', [codeHash]),
      )
    )?.workspace_id;

  /**
   * Redeems inside the caller's transaction scoped to the invite's workspace, re-checking the invite under its row
   * lock: two redemptions of one invite (by one user on two nodes, say) take turns from here.
   */
  async function redeemIn(
    sql: Sql,
    workspaceId: string,
    codeHash: string,
    userId: string,
    at: number,
  ): Promise<InviteRedemption> {
    const row = await sql.row<InviteRow>(
      `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 AND code_hash = $2 FOR UPDATE`,
      [workspaceId, codeHash],
    );
    const refused = inviteRefusal(row, at);
    if (refused !== undefined || row === undefined) return refused ?? { ok: false, reason: 'unknown' };
    const ws = toWorkspace(
      present(
        await sql.row<WorkspaceRow>(`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w WHERE w.id = $1`, [workspaceId]),
        'workspace',
      ),
    );
    const existing = await memberIn(sql, workspaceId, userId);
    if (existing !== undefined) return { ok: true, workspace: ws, role: existing.role, joined: false };
    const used = await take(sql, workspaceId, codeHash, at);
    if (!used.ok) return used;
    const added = await addMember(sql, workspaceId, userId, row.role, at);
    // Throwing rolls back the use taken above: an invite is spent only on a membership that exists.
    if (!added.ok) throw new StoreError('unknown_reference', `invite redemption failed: ${added.error.code}`);
    return { ok: true, workspace: ws, role: row.role, joined: true };
  }

  /** Thrown inside createAccount's transaction to roll the account back when the invite cannot take it. */
  class Refused extends Error {
    constructor(readonly reason: InviteFailure | 'email_taken') {
      super(reason);
    }
  }

  const repository: InvitesRepository = {
    async redeem(code, userId): Promise<InviteRedemption> {
      const codeHash = inviteCodeHash(code);
      const workspaceId = await workspaceOfCode(codeHash);
      if (workspaceId === undefined) return { ok: false, reason: 'unknown' };
      return db.scoped(workspaceId, (sql) => redeemIn(sql, workspaceId, codeHash, userId, now()));
    },
    async createAccount(code, input) {
      const codeHash = inviteCodeHash(code);
      const workspaceId = await workspaceOfCode(codeHash);
      if (workspaceId === undefined) return { ok: false, reason: 'unknown' };
      try {
        // One transaction: the account, its membership and the invite's use commit together, or none of them.
        return await db.scoped(workspaceId, async (sql) => {
          const at = now();
          // Checked before the account is made, so a dead invite fails the same whatever the email.
          const refused = inviteRefusal(
            await sql.row<InviteRow>(
              `SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 AND code_hash = $2 FOR UPDATE`,
              [workspaceId, codeHash],
            ),
            at,
          );
          if (refused !== undefined) throw new Refused(refused.reason);
          const userId = await insertUser(sql, input, at);
          if (userId === undefined) throw new Refused('email_taken');
          const redeemed = await redeemIn(sql, workspaceId, codeHash, userId, at);
          if (!redeemed.ok) throw new Refused(redeemed.reason);
          const user = toUser(
            present(await sql.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId]), 'user'),
          );
          return { ok: true as const, user, workspace: redeemed.workspace, role: redeemed.role };
        });
      } catch (error) {
        if (error instanceof Refused) return { ok: false, reason: error.reason };
        throw error;
      }
    },
  };

  function scoped(workspaceId: string): ScopedInvites {
    return {
      async create(input) {
        const id = newId();
        const row = await referencingPg(
          'the invite',
          db.scoped(workspaceId, async (sql) => {
            await sql.run(
              `INSERT INTO invites (workspace_id, id, code_hash, created_by, role, max_uses, expires_at, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
              [
                workspaceId,
                id,
                inviteCodeHash(input.code),
                input.createdBy,
                input.role,
                input.maxUses,
                input.expiresAt,
                now(),
              ],
            );
            return inviteIn(sql, workspaceId, id);
          }),
        );
        return toInvite(present(row, 'invite'));
      },
      async get(inviteId) {
        const row = await db.scoped(workspaceId, (sql) => inviteIn(sql, workspaceId, inviteId));
        return row && toInvite(row);
      },
      async list() {
        const rows = await db.scoped(workspaceId, (sql) =>
          sql.rows<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 ORDER BY created_at, id`, [
            workspaceId,
          ]),
        );
        return rows.map(toInvite);
      },
      async revoke(inviteId) {
        const changed = await db.scoped(workspaceId, (sql) =>
          sql.run('UPDATE invites SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL', [
            workspaceId,
            inviteId,
            now(),
          ]),
        );
        return changed === 1;
      },
      consume: (code) => db.scoped(workspaceId, (sql) => take(sql, workspaceId, inviteCodeHash(code), now())),
    };
  }
  return { repository, scoped };
}
