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

export { mayGrant, outranks } from '../../shared/roles';
