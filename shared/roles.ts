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
