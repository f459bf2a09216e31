import { fail } from '../../../shared/result';
import { signInServer } from '../../../shared/session';
import { ApiError, type ServerApi } from '../../session/apiClient';
import { ServerConnectionError } from '../../session/pinnedTls';
import type { ServerTrust } from '../../session/serverTrust';
import type { SignedCalls } from '../../session/signedCalls';
import type { SsoSignIn } from '../../session/ssoSignIn';
import type { IpcHandler } from '../registerHandlers';
import { bodyWithout, forward, nothing, same } from './forward';

const notConfirmed = () =>
  fail('server_not_confirmed', 'Confirm this server before signing in to it: whoot has not joined it yet.');

/**
 * Single sign-on from the page. Like password sign-in, both channels reach only a server the user confirmed or
 * joined before (main/session/serverTrust.ts): not even the lookup is sent anywhere else.
 */
export function ssoHandlers(deps: { api: ServerApi; trust: ServerTrust; signIn: SsoSignIn; calls: SignedCalls }) {
  const lookup: IpcHandler<'sso.lookup'> = async (request) => {
    const server = signInServer(request.server);
    if (!(await deps.trust.isTrusted(server))) return notConfirmed();
    try {
      return { ok: true, value: await deps.api.call(server, 'ssoLookup', { body: request.lookup }) };
    } catch (error) {
      if (error instanceof ServerConnectionError || error instanceof ApiError) return fail(error.code, error.message);
      return fail('lookup_failed', 'The server did not say how to sign in.');
    }
  };
  const signIn: IpcHandler<'sso.signIn'> = async (request) => {
    const server = signInServer(request.server);
    if (!(await deps.trust.isTrusted(server))) return notConfirmed();
    const result = await deps.signIn(server, request.workspace);
    if (result.ok) await deps.trust.rememberJoined(server);
    return result;
  };
  return {
    'sso.lookup': lookup,
    'sso.signIn': signIn,
    'admin.ssoSettings': forward<'admin.ssoSettings', 'getSsoSettings'>(
      deps.calls,
      'getSsoSettings',
      (r) => ({ params: r }),
      same,
    ),
    'admin.saveSsoSettings': forward<'admin.saveSsoSettings', 'putSsoSettings'>(
      deps.calls,
      'putSsoSettings',
      (r) => ({ params: { workspaceId: r.workspaceId }, body: bodyWithout(r, 'workspaceId') }),
      same,
    ),
    'admin.removeSsoSettings': forward<'admin.removeSsoSettings', 'deleteSsoSettings'>(
      deps.calls,
      'deleteSsoSettings',
      (r) => ({ params: r }),
      nothing,
    ),
  } as const;
}
