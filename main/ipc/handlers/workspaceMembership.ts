import { hostAndPort } from '../../../shared/identifiers';
import { fail, ok, type Result } from '../../../shared/result';
import { otherServerProblem } from '../../../shared/accountIpc';
import type { ResponseOf } from '../../../shared/ipc';
import type { WorkspaceSummary } from '../../../shared/session';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';

/**
 * Joining a workspace by invite and creating one, while signed in. The session's list of workspaces is what the
 * rail shows, so after either the list is read again from the server and the page hears `session.changed`.
 *
 * One signed-in server at a time: the vault holds one session, the page's CSP allows one server, the keychain
 * entry and the realtime connection are per session. An invite for another server is answered `other_server`
 * (the page offers to sign out and use it) rather than half-supported.
 */
export function workspaceMembershipHandlers(sessions: SessionService) {
  const { calls } = sessions;

  async function withFreshList(workspace: WorkspaceSummary): Promise<Result<ResponseOf<'workspaces.join'>>> {
    const listed = await calls.call('listWorkspaces');
    const workspaces = listed.ok
      ? listed.value.response.workspaces
      : [...(sessions.identity()?.workspaces ?? []), workspace];
    return ok({ workspace, session: sessions.updateIdentity({ workspaces }) });
  }

  const join: IpcHandler<'workspaces.join'> = async ({ invite }) => {
    const identity = sessions.identity();
    if (identity === null) return fail('not_signed_in', 'Sign in first.');
    const { server } = identity;
    const elsewhere = otherServerProblem(invite, server);
    if (elsewhere !== null) return fail('other_server', elsewhere);
    // Same address, another key: an impostor's invite, or a server that was reinstalled. Never sent.
    if (invite.spkiPin !== server.spkiPin) {
      return fail(
        'server_key_mismatch',
        `This invite names another key for ${hostAndPort(server)} than the one you signed in with. ` +
          'Ask whoever sent it for a new invite.',
      );
    }
    const accepted = await calls.call('acceptInvite', { body: { code: invite.code } });
    if (!accepted.ok) return accepted;
    return withFreshList(accepted.value.response.workspace);
  };

  const create: IpcHandler<'workspaces.create'> = async (request) => {
    const created = await calls.call('createWorkspace', { body: request });
    if (!created.ok) return created;
    return withFreshList(created.value.response.workspace);
  };

  return { 'workspaces.join': join, 'workspaces.create': create } as const;
}
