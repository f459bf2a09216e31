import { fail, ok } from '../../../shared/result';
import { present, toFlag, type StoreContext } from './context';
import { inviteCodeHash } from './invitesQueries';
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
} from './ssoRows';
import type { Role, SsoProvisioning, SsoRepository, User } from './types';
import { USER_COLUMNS, toUser, userInserter, type UserRow } from './usersRepository';

/** Single sign-on in SQLite: every method one synchronous statement or transaction, so each is atomic. */
export function ssoQueries(context: StoreContext): SsoRepository {
  const { db, now, fields } = context;
  const insertUser = userInserter(context);
  const getSettings = db.prepare<[string], SsoSettingsRow>(
    `SELECT ${SSO_SETTINGS_COLUMNS} FROM workspace_sso WHERE workspace_id = ?`,
  );
  const upsertSettings = db.prepare(
    `INSERT INTO workspace_sso (${SSO_SETTINGS_COLUMNS})
     VALUES (@workspaceId, @providerName, @issuer, @clientId, @clientSecret, @allowedDomains, @roleClaim, @roleRules,
             @requireSso, @updatedAt)
     ON CONFLICT (workspace_id) DO UPDATE SET provider_name = excluded.provider_name, issuer = excluded.issuer,
       client_id = excluded.client_id, client_secret = excluded.client_secret,
       allowed_domains = excluded.allowed_domains, role_claim = excluded.role_claim, role_rules = excluded.role_rules,
       require_sso = excluded.require_sso, updated_at = excluded.updated_at`,
  );
  const deleteSettings = db.prepare('DELETE FROM workspace_sso WHERE workspace_id = ?');
  const workspaceExists = db.prepare<[string], { id: string }>('SELECT id FROM workspaces WHERE id = ?');
  const inviteWorkspace = db.prepare<[string], { workspace_id: string }>(
    'SELECT workspace_id FROM invites WHERE code_hash = ?',
  );
  const insertAttempt = db.prepare(
    `INSERT INTO sso_attempts (state_hash, workspace_id, nonce, code_verifier, app_challenge, loopback_port, expires_at)
     VALUES (@stateHash, @workspaceId, @nonce, @codeVerifier, @appChallenge, @loopbackPort, @expiresAt)`,
  );
  const takeAttempt = db.prepare<[string], SsoAttemptRow>(
    `DELETE FROM sso_attempts WHERE state_hash = ?
     RETURNING state_hash, workspace_id, nonce, code_verifier, app_challenge, loopback_port, expires_at`,
  );
  const insertCode = db.prepare(
    `INSERT INTO sso_login_codes (code_hash, user_id, workspace_id, app_challenge, expires_at)
     VALUES (@codeHash, @userId, @workspaceId, @appChallenge, @expiresAt)`,
  );
  const takeCode = db.prepare<[string], SsoLoginCodeRow>(
    `DELETE FROM sso_login_codes WHERE code_hash = ?
     RETURNING code_hash, user_id, workspace_id, app_challenge, expires_at`,
  );
  const pruneAttempts = db.prepare('DELETE FROM sso_attempts WHERE expires_at < ?');
  const pruneCodes = db.prepare('DELETE FROM sso_login_codes WHERE expires_at < ?');
  const identity = db.prepare<[string, string, string], { user_id: string }>(
    'SELECT user_id FROM sso_identities WHERE workspace_id = ? AND issuer = ? AND subject = ?',
  );
  const insertIdentity = db.prepare(
    `INSERT INTO sso_identities (workspace_id, issuer, subject, user_id, created_at)
     VALUES (?, ?, ?, ?, ?)`,
  );
  const userById = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
  const membership = db.prepare<[string, string], { role: Role }>(
    'SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?',
  );
  const addMember = db.prepare('INSERT INTO memberships (workspace_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)');
  const setRole = db.prepare(
    "UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ? AND role <> 'owner'",
  );

  const save = db.transaction((workspaceId: string, input: Parameters<SsoRepository['saveSettings']>[1]) => {
    if (workspaceExists.get(workspaceId) === undefined) {
      return fail('unknown_workspace', 'The workspace does not exist.');
    }
    const stored = getSettings.get(workspaceId);
    if (input.clientSecret === undefined && stored === undefined) {
      return fail('secret_required', 'A client secret is needed the first time.');
    }
    const sealed =
      input.clientSecret === undefined
        ? present(stored, 'settings').client_secret
        : sealSsoSecret(fields, workspaceId, input.clientSecret);
    const values = ssoSettingsValues(workspaceId, input, sealed, now());
    upsertSettings.run({ ...values, requireSso: toFlag(values.requireSso) });
    return ok(toSsoSettings(present(getSettings.get(workspaceId), 'settings'), fields));
  });

  /** A member's role follows the provider's claims on every sign-in; an owner's never changes here. */
  const joinOrAlign = (workspaceId: string, user: User, role: Role, accountCreated: boolean): SsoProvisioning => {
    const current = membership.get(workspaceId, user.id);
    if (current === undefined) {
      addMember.run(workspaceId, user.id, role, now());
      return { ok: true, user, role, accountCreated, joined: true };
    }
    if (current.role !== 'owner' && current.role !== role) setRole.run(role, workspaceId, user.id);
    return { ok: true, user, role: current.role === 'owner' ? 'owner' : role, accountCreated, joined: false };
  };

  const provision = db.transaction((input: Parameters<SsoRepository['provision']>[0]): SsoProvisioning => {
    if (workspaceExists.get(input.workspaceId) === undefined) return { ok: false, reason: 'unknown_workspace' };
    const linked = identity.get(input.workspaceId, input.issuer, input.subject);
    if (linked !== undefined) {
      const user = toUser(present(userById.get(linked.user_id), 'linked user'));
      return joinOrAlign(input.workspaceId, user, input.role, false);
    }
    const created = insertUser({
      email: input.email,
      displayName: input.displayName,
      passwordHash: input.passwordHash,
    });
    if (!created.ok) return { ok: false, reason: 'account_exists' };
    insertIdentity.run(input.workspaceId, input.issuer, input.subject, created.value.id, now());
    return joinOrAlign(input.workspaceId, created.value, input.role, true);
  });

  return {
    async settings(workspaceId) {
      const row = getSettings.get(workspaceId);
      return row && toSsoSettings(row, fields);
    },
    async saveSettings(workspaceId, input) {
      return save.immediate(workspaceId, input);
    },
    async removeSettings(workspaceId) {
      return deleteSettings.run(workspaceId).changes === 1;
    },
    async workspaceOfInvite(code) {
      return inviteWorkspace.get(inviteCodeHash(code))?.workspace_id;
    },
    async createAttempt(attempt) {
      insertAttempt.run(attempt);
    },
    async takeAttempt(stateHash) {
      const row = takeAttempt.get(stateHash);
      return row === undefined || Number(row.expires_at) < now() ? undefined : toSsoAttempt(row);
    },
    async provision(input) {
      return provision.immediate(input);
    },
    async createLoginCode(code) {
      insertCode.run(code);
    },
    async takeLoginCode(codeHash) {
      const row = takeCode.get(codeHash);
      return row === undefined || Number(row.expires_at) < now() ? undefined : toSsoLoginCode(row);
    },
    async prune() {
      const at = now();
      return pruneAttempts.run(at).changes + pruneCodes.run(at).changes;
    },
  };
}
