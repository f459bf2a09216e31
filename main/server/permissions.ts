import type { Role } from '../../shared/rest/endpoints';

/** What each role may do in a workspace: the one table every route and socket decision reads. */
export const permissionTable = {
  'workspace.manage': ['owner'],
  'members.manageRoles': ['owner'],
  'channels.manage': ['owner', 'admin'],
  invite: ['owner', 'admin'],
  'voice.moderate': ['owner', 'admin'],
  'voice.join': ['owner', 'admin', 'member'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissionTable;

export function can(role: Role, permission: Permission): boolean {
  return (permissionTable[permission] as readonly Role[]).includes(role);
}
