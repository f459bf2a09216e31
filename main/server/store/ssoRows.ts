import { fromFlag, type Flag } from './context';
import { ENCRYPTED_COLUMNS, type FieldCodec } from './encryptedColumns';
import type { SsoAttempt, SsoLoginCode, SsoRoleRuleRecord, SsoSettingsRecord, SsoSettingsWrite } from './types';

/** Rows of the single sign-on tables, as both backends read them, and their mapping to records. */

export interface SsoSettingsRow {
  workspace_id: string;
  provider_name: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  allowed_domains: string;
  role_claim: string | null;
  role_rules: string;
  require_sso: Flag;
  updated_at: number | string;
}

export const SSO_SETTINGS_COLUMNS =
  'workspace_id, provider_name, issuer, client_id, client_secret, allowed_domains, role_claim, role_rules, ' +
  'require_sso, updated_at';

export function toSsoSettings(row: SsoSettingsRow, fields: FieldCodec): SsoSettingsRecord {
  return {
    workspaceId: row.workspace_id,
    providerName: row.provider_name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: fields.open(ENCRYPTED_COLUMNS.ssoClientSecret, row.workspace_id, row.client_secret).toString('utf8'),
    allowedDomains: JSON.parse(row.allowed_domains) as string[],
    roleClaim: row.role_claim,
    roleRules: JSON.parse(row.role_rules) as SsoRoleRuleRecord[],
    requireSso: fromFlag(row.require_sso),
    updatedAt: Number(row.updated_at),
  };
}

/** The values one save writes, the secret sealed for its row (or the stored sealed one kept). */
export function ssoSettingsValues(workspaceId: string, input: SsoSettingsWrite, sealedSecret: string, at: number) {
  return {
    workspaceId,
    providerName: input.providerName,
    issuer: input.issuer,
    clientId: input.clientId,
    clientSecret: sealedSecret,
    allowedDomains: JSON.stringify(input.allowedDomains),
    roleClaim: input.roleClaim,
    roleRules: JSON.stringify(input.roleRules.map(({ value, role }) => ({ value, role }))),
    requireSso: input.requireSso,
    updatedAt: at,
  };
}

export const sealSsoSecret = (fields: FieldCodec, workspaceId: string, secret: string): string =>
  fields.seal(ENCRYPTED_COLUMNS.ssoClientSecret, workspaceId, Buffer.from(secret, 'utf8'));

export interface SsoAttemptRow {
  state_hash: string;
  workspace_id: string;
  nonce: string;
  code_verifier: string;
  app_challenge: string;
  loopback_port: number;
  expires_at: number | string;
}

export const toSsoAttempt = (row: SsoAttemptRow): SsoAttempt => ({
  stateHash: row.state_hash,
  workspaceId: row.workspace_id,
  nonce: row.nonce,
  codeVerifier: row.code_verifier,
  appChallenge: row.app_challenge,
  loopbackPort: row.loopback_port,
  expiresAt: Number(row.expires_at),
});

export interface SsoLoginCodeRow {
  code_hash: string;
  user_id: string;
  workspace_id: string;
  app_challenge: string;
  expires_at: number | string;
}

export const toSsoLoginCode = (row: SsoLoginCodeRow): SsoLoginCode => ({
  codeHash: row.code_hash,
  userId: row.user_id,
  workspaceId: row.workspace_id,
  appChallenge: row.app_challenge,
  expiresAt: Number(row.expires_at),
});
