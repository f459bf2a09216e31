import { fail, ok } from '../../../../shared/result';
import { present } from '../context';
import { inviteCodeHash } from '../invitesQueries';
import {
  SSO_SETTINGS_COLUMNS,
  sealSsoSecret,
  ssoSettingsValues,
  toSsoAttempt,
  toSsoLoginCode,
  toSsoSettings,
  type SsoAttemptRow,
  type SsoLoginCodeRow,
  type SsoSettingsRow,
} from '../ssoRows';
import type { Role, SsoProvisioning, SsoRepository, User } from '../types';
import { toUser, USER_COLUMNS, type UserRow } from '../usersRepository';
import type { PgStoreContext } from './pgContext';
import type { Sql } from './pgSql';
import { insertUser } from './pgUsers';

const ATTEMPT_COLUMNS = 'state_hash, workspace_id, nonce, code_verifier, app_challenge, loopback_port, expires_at';
const CODE_COLUMNS = 'code_hash, user_id, workspace_id, app_challenge, expires_at';

/**
 * Single sign-on in PostgreSQL. Settings and provider links are tenant rows (row-level security by workspace);
 * attempts and login codes are server-wide like sessions, found by the hash the browser or the app brings.
 */
export function pgSso({ db, now, fields }: PgStoreContext): SsoRepository {
  const readSettings = (sql: Sql, workspaceId: string) =>
    sql.row<SsoSettingsRow>(`SELECT ${SSO_SETTINGS_COLUMNS} FROM workspace_sso WHERE workspace_id = $1`, [workspaceId]);
  const workspaceExists = async (sql: Sql, workspaceId: string) =>
    (await sql.row('SELECT id FROM workspaces WHERE id = $1', [workspaceId])) !== undefined;

  /** A member's role follows the provider's claims on every sign-in; an owner's never changes here. */
  async function joinOrAlign(
    sql: Sql,
    workspaceId: string,
    user: User,
    role: Role,
    accountCreated: boolean,
  ): Promise<SsoProvisioning> {
    const current = await sql.row<{ role: Role }>(
      'SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE',
      [workspaceId, user.id],
    );
    if (current === undefined) {
      await sql.run('INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)', [
        workspaceId,
        user.id,
        role,
        now(),
      ]);
      return { ok: true, user, role, accountCreated, joined: true };
    }
    if (current.role !== 'owner' && current.role !== role) {
      await sql.run("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3 AND role <> 'owner'", [
        role,
        workspaceId,
        user.id,
      ]);
    }
    return { ok: true, user, role: current.role === 'owner' ? 'owner' : role, accountCreated, joined: false };
  }

  /** Which workspace a browser's state or an app's code belongs to: the hash is the capability (as an invite code). */
  const workspaceOfHash = async (table: 'sso_attempts' | 'sso_login_codes', column: string, hash: string) =>
    (
      await db.maintenance((sql) =>
        sql.row<{ workspace_id: string }>(`SELECT workspace_id FROM ${table} WHERE ${column} = $1`, [hash]),
      )
    )?.workspace_id;

  const readUser = async (sql: Sql, userId: string) =>
    toUser(present(await sql.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId]), 'user'));

  return {
    async settings(workspaceId) {
      const row = await db.scoped(workspaceId, (sql) => readSettings(sql, workspaceId));
      return row && toSsoSettings(row, fields);
    },
    async saveSettings(workspaceId, input) {
      return db.scoped(workspaceId, async (sql) => {
        if (!(await workspaceExists(sql, workspaceId)))
          return fail('unknown_workspace', 'The workspace does not exist.');
        const stored = await sql.row<{ client_secret: string }>(
          'SELECT client_secret FROM workspace_sso WHERE workspace_id = $1 FOR UPDATE',
          [workspaceId],
        );
        if (input.clientSecret === undefined && stored === undefined) {
          return fail('secret_required', 'A client secret is needed the first time.');
        }
        const sealed =
          input.clientSecret === undefined
            ? present(stored, 'settings').client_secret
            : sealSsoSecret(fields, workspaceId, input.clientSecret);
        const v = ssoSettingsValues(workspaceId, input, sealed, now());
        await sql.run(
          `INSERT INTO workspace_sso (${SSO_SETTINGS_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (workspace_id) DO UPDATE SET provider_name = excluded.provider_name, issuer = excluded.issuer,
             client_id = excluded.client_id, client_secret = excluded.client_secret,
             allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim,
             role_rules = excluded.role_rules, require_sso = excluded.require_sso, updated_at = excluded.updated_at`,
          [
            v.workspaceId,
            v.providerName,
            v.issuer,
            v.clientId,
            v.clientSecret,
            v.allowedDomains,
            v.roleClaim,
            v.roleRules,
            v.requireSso,
            v.updatedAt,
          ],
        );
        return ok(toSsoSettings(present(await readSettings(sql, workspaceId), 'settings'), fields));
      });
    },
    async removeSettings(workspaceId) {
      const removed = await db.scoped(workspaceId, (sql) =>
        sql.run('DELETE FROM workspace_sso WHERE workspace_id = $1', [workspaceId]),
      );
      return removed === 1;
    },
    async workspaceOfInvite(code) {
      // Named cross-workspace operation (as invites.redeem): the code is the capability that names the workspace.
      const row = await db.maintenance((sql) =>
        sql.row<{ workspace_id: string }>('SELECT workspace_id FROM invites WHERE code_hash = $1', [
          inviteCodeHash(code),
        ]),
      );
      return row?.workspace_id;
    },
    async createAttempt(a) {
      await db.scoped(a.workspaceId, (sql) =>
        sql.run(`INSERT INTO sso_attempts (${ATTEMPT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          a.stateHash,
          a.workspaceId,
          a.nonce,
          a.codeVerifier,
          a.appChallenge,
          a.loopbackPort,
          a.expiresAt,
        ]),
      );
    },
    async takeAttempt(stateHash) {
      const workspaceId = await workspaceOfHash('sso_attempts', 'state_hash', stateHash);
      if (workspaceId === undefined) return undefined;
      const row = await db.scoped(workspaceId, (sql) =>
        sql.row<SsoAttemptRow>(
          `DELETE FROM sso_attempts WHERE workspace_id = $1 AND state_hash = $2 RETURNING ${ATTEMPT_COLUMNS}`,
          [workspaceId, stateHash],
        ),
      );
      return row === undefined || Number(row.expires_at) < now() ? undefined : toSsoAttempt(row);
    },
    async provision(input) {
      return db.scoped(input.workspaceId, async (sql): Promise<SsoProvisioning> => {
        if (!(await workspaceExists(sql, input.workspaceId))) return { ok: false, reason: 'unknown_workspace' };
        const linked = await sql.row<{ user_id: string }>(
          'SELECT user_id FROM sso_identities WHERE workspace_id = $1 AND issuer = $2 AND subject = $3',
          [input.workspaceId, input.issuer, input.subject],
        );
        if (linked !== undefined) {
          return joinOrAlign(sql, input.workspaceId, await readUser(sql, linked.user_id), input.role, false);
        }
        const at = now();
        const userId = await insertUser(
          sql,
          { email: input.email, displayName: input.displayName, passwordHash: input.passwordHash },
          at,
        );
        if (userId === undefined) return { ok: false, reason: 'account_exists' };
        // Two first sign-ins of one subject at once: the second insert waits on the key and then fails, rolling
        // back its account with it.
        await sql.run(
          `INSERT INTO sso_identities (workspace_id, issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
          [input.workspaceId, input.issuer, input.subject, userId, at],
        );
        return joinOrAlign(sql, input.workspaceId, await readUser(sql, userId), input.role, true);
      });
    },
    async createLoginCode(c) {
      await db.scoped(c.workspaceId, (sql) =>
        sql.run(`INSERT INTO sso_login_codes (${CODE_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [
          c.codeHash,
          c.userId,
          c.workspaceId,
          c.appChallenge,
          c.expiresAt,
        ]),
      );
    },
    async takeLoginCode(codeHash) {
      const workspaceId = await workspaceOfHash('sso_login_codes', 'code_hash', codeHash);
      if (workspaceId === undefined) return undefined;
      const row = await db.scoped(workspaceId, (sql) =>
        sql.row<SsoLoginCodeRow>(
          `DELETE FROM sso_login_codes WHERE workspace_id = $1 AND code_hash = $2 RETURNING ${CODE_COLUMNS}`,
          [workspaceId, codeHash],
        ),
      );
      return row === undefined || Number(row.expires_at) < now() ? undefined : toSsoLoginCode(row);
    },
    async prune() {
      // Named cross-workspace operation: housekeeping of what expired, in every workspace.
      const at = now();
      return db.maintenance(
        async (sql) =>
          (await sql.run('DELETE FROM sso_attempts WHERE expires_at < $1', [at])) +
          (await sql.run('DELETE FROM sso_login_codes WHERE expires_at < $1', [at])),
      );
    },
  };
}
