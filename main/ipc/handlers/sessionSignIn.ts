import { fail } from '../../../shared/result';
import { signInServer } from '../../../shared/session';
import type { ServerTrust } from '../../session/serverTrust';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';
import { serverNotAllowed } from './servers';

/**
 * Sign-in from the page, only to a server the user confirmed or joined before (main/session/serverTrust.ts). The
 * check is here, in main, not in the form: a page that skips the question, whatever the reason, still cannot make
 * main open a connection to an unconfirmed server, let alone send it the password.
 */
export const sessionSignInHandler =
  (sessions: SessionService, trust: ServerTrust): IpcHandler<'session.signIn'> =>
  async (request) => {
    const server = signInServer(request.server);
    if (!trust.isAllowed(server)) return serverNotAllowed();
    if (!(await trust.isTrusted(server))) {
      return fail('server_not_confirmed', 'Confirm this server before signing in to it: whoot has not joined it yet.');
    }
    const result = await sessions.signIn(request);
    if (result.ok) await trust.rememberJoined(server);
    return result;
  };
