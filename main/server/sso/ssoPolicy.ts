import type { Store, Workspace } from '../store';

/**
 * The workspaces whose "require single sign-on" keeps this account's password out: those it belongs to as admin
 * or member. Owners are never in the list: their password is the way back in when the provider is down or
 * misconfigured (docs/admin.md, "Single sign-on").
 */
export async function ssoRequiredWorkspaces(store: Store, userId: string): Promise<Workspace[]> {
  const required: Workspace[] = [];
  for (const { workspace, role } of await store.workspaces.listForUser(userId)) {
    if (role === 'owner') continue;
    if ((await store.sso.settings(workspace.id))?.requireSso === true) required.push(workspace);
  }
  return required;
}

/** Whether a password sign-up through this invite would land in a workspace that requires single sign-on. */
export async function inviteRequiresSso(store: Store, inviteCode: string): Promise<boolean> {
  const workspaceId = await store.sso.workspaceOfInvite(inviteCode);
  return workspaceId !== undefined && (await store.sso.settings(workspaceId))?.requireSso === true;
}
