import { z } from 'zod';
import { displayNameSchema } from '../../../shared/rest/endpoints';
import type { SsoFailure, SsoRole } from '../../../shared/sso';
import type { SsoRoleRuleRecord } from '../store';

/** What the workspace's settings say about who may come in and as what. */
export interface ClaimPolicy {
  readonly allowedDomains: readonly string[];
  readonly roleClaim: string | null;
  readonly roleRules: readonly SsoRoleRuleRecord[];
}

export type ClaimDecision =
  | { readonly ok: true; readonly email: string; readonly displayName: string; readonly role: SsoRole }
  | { readonly ok: false; readonly reason: Extract<SsoFailure, 'domain_not_allowed' | 'email_unverified'> };

const emailSchema = z.email().max(254);
const RANK: Record<SsoRole, number> = { member: 0, admin: 1 };

/**
 * Decides from the provider's claims (ID token, then userinfo) whether this person may come in, under which
 * email and name, and as which role. The email must be verified by the provider and its domain one of the
 * workspace's, exactly; the role is the highest any rule gives for the role claim's value(s), `member` when none
 * matches, and can never be owner (the rules cannot say it).
 */
export function decideClaims(claims: Readonly<Record<string, unknown>>, policy: ClaimPolicy): ClaimDecision {
  const email = emailSchema.safeParse(claims.email);
  // Only the boolean true counts: a provider that does not vouch for the address does not get to name an account.
  if (!email.success || claims.email_verified !== true) return { ok: false, reason: 'email_unverified' };
  const address = email.data;
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (!policy.allowedDomains.includes(domain)) return { ok: false, reason: 'domain_not_allowed' };
  return { ok: true, email: address, displayName: displayNameFrom(claims, address), role: roleFrom(claims, policy) };
}

function displayNameFrom(claims: Readonly<Record<string, unknown>>, email: string): string {
  for (const candidate of [claims.name, claims.preferred_username, email.slice(0, email.lastIndexOf('@'))]) {
    const parsed = displayNameSchema.safeParse(typeof candidate === 'string' ? candidate.trim() : undefined);
    if (parsed.success && parsed.data.length > 0) return parsed.data;
  }
  return 'Member';
}

function roleFrom(claims: Readonly<Record<string, unknown>>, policy: ClaimPolicy): SsoRole {
  if (policy.roleClaim === null) return 'member';
  const raw = claims[policy.roleClaim];
  const values = new Set(
    (Array.isArray(raw) ? raw : [raw]).filter((value): value is string => typeof value === 'string'),
  );
  let role: SsoRole = 'member';
  for (const rule of policy.roleRules) {
    if (values.has(rule.value) && RANK[rule.role] > RANK[role]) role = rule.role;
  }
  return role;
}
