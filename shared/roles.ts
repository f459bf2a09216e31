import type { Role } from './rest/endpoints';

const rank: Readonly<Record<Role, number>> = { owner: 2, admin: 1, member: 0 };

/**
 * Whether a moderator of role `actor` may act on a member of role `target`: only on lower roles, as in Discord, so an
 * admin cannot mute or move an owner or another admin, and nobody can lift their own server mute. The server decides
 * with it (main/server/permissions.ts); the app uses the same rule to offer only what the server would allow.
 */
export function outranks(actor: Role, target: Role): boolean {
  return rank[actor] > rank[target];
}

/**
 * Whether `actor` may hand out `role` (in an invite or a role change) or change the role of someone who holds it:
 * owners may do anything, everyone else only below their own rank, as Discord's "manage roles" works. So an admin
 * cannot mint an admin invite, which would let them make admins without an owner's say. Shared like `outranks`.
 */
export function mayGrant(actor: Role, role: Role): boolean {
  return actor === 'owner' || rank[actor] > rank[role];
}
