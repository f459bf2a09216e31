import type { SessionService } from '../session/sessionService';
import { appInfoHandler, type AppIdentity } from './handlers/appInfo';
import { sessionSignInHandler } from './handlers/sessionSignIn';
import { sessionSignOutHandler } from './handlers/sessionSignOut';
import { sessionStatusHandler } from './handlers/sessionStatus';
import type { IpcHandlers } from './registerHandlers';

/** One handler per contract channel; the IpcHandlers type fails the build if one is missing or extra. */
export function createHandlers(deps: { identity: AppIdentity; sessions: SessionService }): IpcHandlers {
  return {
    'app.info': appInfoHandler(deps.identity),
    'session.status': sessionStatusHandler(deps.sessions),
    'session.signIn': sessionSignInHandler(deps.sessions),
    'session.signOut': sessionSignOutHandler(deps.sessions),
  };
}
