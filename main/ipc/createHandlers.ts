import type { PushToTalkService } from '../input/pushToTalkController';
import type { SessionService } from '../session/sessionService';
import { createReportedCallState, type ReportedCallState } from '../tray/reportedCallState';
import { appInfoHandler, type AppIdentity } from './handlers/appInfo';
import { sessionSignInHandler } from './handlers/sessionSignIn';
import { sessionSignOutHandler } from './handlers/sessionSignOut';
import { sessionStatusHandler } from './handlers/sessionStatus';
import { pushToTalkGetHandler } from './handlers/pushToTalkGet';
import { pushToTalkSetHandler } from './handlers/pushToTalkSet';
import { voiceReportStateHandler } from './handlers/voiceReportState';
import { realtimeTicketHandler } from './handlers/realtimeTicket';
import { voiceCredentialsHandler } from './handlers/voiceCredentials';
import {
  workspaceChannelsHandler,
  workspaceMembersHandler,
  workspaceVoiceRoomsHandler,
} from './handlers/workspaceQueries';
import type { IpcHandlers } from './registerHandlers';

/** One handler per contract channel; the IpcHandlers type fails the build if one is missing or extra. */
export function createHandlers(deps: {
  identity: AppIdentity;
  sessions: SessionService;
  /** Absent where there is no desktop to hook (the Chromium e2e harness): the channels then say it is unavailable. */
  pushToTalk?: PushToTalkService | null;
  /** What the tray shows; absent where there is no tray, and the reports are then kept for nobody. */
  callState?: ReportedCallState;
}): IpcHandlers {
  return {
    'app.info': appInfoHandler(deps.identity),
    'session.status': sessionStatusHandler(deps.sessions),
    'session.signIn': sessionSignInHandler(deps.sessions),
    'session.signOut': sessionSignOutHandler(deps.sessions),
    'workspace.channels': workspaceChannelsHandler(deps.sessions.calls),
    'workspace.members': workspaceMembersHandler(deps.sessions.calls),
    'workspace.voiceRooms': workspaceVoiceRoomsHandler(deps.sessions.calls),
    'voice.credentials': voiceCredentialsHandler(deps.sessions.calls),
    'realtime.ticket': realtimeTicketHandler(deps.sessions.calls),
    'pushToTalk.get': pushToTalkGetHandler(deps.pushToTalk ?? null),
    'pushToTalk.set': pushToTalkSetHandler(deps.pushToTalk ?? null),
    'voice.reportState': voiceReportStateHandler(deps.callState ?? createReportedCallState()),
  };
}
