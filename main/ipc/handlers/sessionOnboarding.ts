import { fail } from '../../../shared/result';
import { signInServer } from '../../../shared/session';
import type { ServerTrust } from '../../session/serverTrust';
import type { SessionService } from '../../session/sessionService';
import type { IpcHandler } from '../registerHandlers';

const notConfirmed = () =>
  fail('server_not_confirmed', 'Confirm this server before using it: whoot has not joined it yet.');

/**
 * What a server allows, asked only of a server the user confirmed or joined: even this unauthenticated question
 * opens a connection, and nothing goes to a server the user was not asked about.
 */
export const serversInfoHandler =
  (sessions: SessionService, trust: ServerTrust): IpcHandler<'servers.info'> =>
  async (server) => {
    if (!(await trust.isTrusted(server))) return notConfirmed();
    return sessions.serverInfo(server);
  };

/** A new account, by invite or on an open server, then a sign-in to it: only on a server the user confirmed. */
export const sessionSignUpHandler =
  (sessions: SessionService, trust: ServerTrust): IpcHandler<'session.signUp'> =>
  async (request) => {
    const server = signInServer(request.server);
    if (!(await trust.isTrusted(server))) return notConfirmed();
    const result = await sessions.signUp(request);
    if (result.ok) await trust.rememberJoined(server);
    return result;
  };

/** The code for a sign-in that waits for one; the server it goes to was checked at the first step. */
export const sessionCompleteSignInHandler =
  (sessions: SessionService, trust: ServerTrust): IpcHandler<'session.completeSignIn'> =>
  async (factor) => {
    const result = await sessions.completeSignIn(factor);
    const identity = sessions.identity();
    if (result.ok && identity !== null) await trust.rememberJoined(identity.server);
    return result;
  };

export const sessionFinishWelcomeHandler =
  (sessions: SessionService): IpcHandler<'session.finishWelcome'> =>
  () =>
    sessions.finishWelcome();
