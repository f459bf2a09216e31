import type { Role } from '../../shared/rest/endpoints';

/** What each role may do in a workspace: the one table every route and socket decision reads. */
export const permissionTable = {
  'workspace.manage': ['owner'],
  'members.manageRoles': ['owner'],
  'channels.manage': ['owner', 'admin'],
  invite: ['owner', 'admin'],
  'voice.moderate': ['owner', 'admin'],
  'voice.join': ['owner', 'admin', 'member'],
  /** Webhooks, inbound inputs and API tokens: each can move workspace data out or in, so admins and up. */
  'integrations.manage': ['owner', 'admin'],
  'audit.view': ['owner', 'admin'],
  /** Admins remove members; only owners remove admins (checked in the handler). */
  'members.remove': ['owner', 'admin'],
  /** Post, edit and delete one's own messages, upload files (docs/chat.md). */
  'chat.post': ['owner', 'admin', 'member'],
  /** Delete anyone's message, remove any file (its blob goes too). */
  'chat.moderate': ['owner', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissionTable;

export function can(role: Role, permission: Permission): boolean {
  return (permissionTable[permission] as readonly Role[]).includes(role);
}

const rank: Readonly<Record<Role, number>> = { owner: 2, admin: 1, member: 0 };

/**
 * Whether `actor` may hand out `role` (in an invite or a role change) or change the role of someone who holds it:
 * owners may do anything, everyone else only below their own rank, as Discord's "manage roles" works. So an admin
 * cannot mint an admin invite, which would let them make admins without an owner's say.
 */
export function mayGrant(actor: Role, role: Role): boolean {
  return actor === 'owner' || rank[actor] > rank[role];
}

/**
 * Whether a moderator of role `actor` may act on a member of role `target`: only on lower roles, as in Discord, so an
 * admin cannot mute or move an owner or another admin, and nobody can lift their own server mute.
 */
export function outranks(actor: Role, target: Role): boolean {
  return rank[actor] > rank[target];
}
