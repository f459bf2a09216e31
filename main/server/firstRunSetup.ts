import { newPasswordProblem } from '../../shared/passwordStrength';
import { fail, ok, type Result } from '../../shared/result';
import type { HostSetupRequest } from '../../shared/accountIpc';
import { hashPassword } from './auth/passwordHashing';
import type { ServerConfig } from './config';
import type { Store } from './store';
import { createWorkspaceWithChannels } from './workspaceCreation';

/**
 * The first run of a server the desktop app hosts: under the invite-only default nobody can sign up, and the host
 * has no command line at hand, so the app asks main, main asks its utility process (never the network), and this
 * makes the server's owner account and first workspace. Once any account exists it refuses: from then on accounts
 * come by invite, like on any server.
 */
export async function setupNeeded(store: Store): Promise<boolean> {
  return (await store.users.count()) === 0;
}

export async function setUpServer(
  server: { readonly store: Store; readonly config: ServerConfig },
  request: HostSetupRequest,
): Promise<Result<{ readonly workspaceId: string }>> {
  const { store } = server;
  if (!(await setupNeeded(store))) return fail('already_set_up', 'This server has its owner already: sign in.');
  const weak = newPasswordProblem(request.password, [request.email, request.displayName]);
  if (weak !== null) return fail('weak_password', weak);
  const hashed = await hashPassword(request.password);
  if (!hashed.ok) return fail(hashed.error.code, hashed.error.message);
  const created = await store.users.create({
    email: request.email,
    displayName: request.displayName,
    passwordHash: hashed.value,
  });
  // The statement that inserts decides ownership: an account that raced this one in owns the server instead.
  if (!created.ok || !created.value.serverOwner) {
    return fail('already_set_up', 'This server has its owner already: sign in.');
  }
  const owner = created.value;
  await store.audit.append({
    type: 'account.created',
    actorUserId: owner.id,
    details: { serverOwner: true, via: 'setup' },
  });
  const workspace = await createWorkspaceWithChannels(store, {
    slug: request.workspaceSlug,
    name: request.workspaceName,
    ownerUserId: owner.id,
    channels: server.config.defaultChannels,
    via: 'setup',
  });
  if (!workspace.ok) return fail('slug_taken', 'That workspace address is taken.');
  return ok({ workspaceId: workspace.value.workspace.id });
}
