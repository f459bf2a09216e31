import type { SessionService } from '../session/sessionService';
import { appInfoHandler, type AppIdentity } from './handlers/appInfo';
import { sessionSignInHandler } from './handlers/sessionSignIn';
import { sessionSignOutHandler } from './handlers/sessionSignOut';
import { sessionStatusHandler } from './handlers/sessionStatus';
import { realtimeTicketHandler } from './handlers/realtimeTicket';
import { voiceCredentialsHandler } from './handlers/voiceCredentials';
import { workspaceChannelsHandler, workspaceMembersHandler } from './handlers/workspaceQueries';
import type { IpcHandlers } from './registerHandlers';

/** One handler per contract channel; the IpcHandlers type fails the build if one is missing or extra. */
export function createHandlers(deps: { identity: AppIdentity; sessions: SessionService }): IpcHandlers {
  return {
    'app.info': appInfoHandler(deps.identity),
    'session.status': sessionStatusHandler(deps.sessions),
    'session.signIn': sessionSignInHandler(deps.sessions),
    'session.signOut': sessionSignOutHandler(deps.sessions),
    'workspace.channels': workspaceChannelsHandler(deps.sessions.calls),
    'workspace.members': workspaceMembersHandler(deps.sessions.calls),
    'voice.credentials': voiceCredentialsHandler(deps.sessions.calls),
    'realtime.ticket': realtimeTicketHandler(deps.sessions.calls),
  };
}
