import type { PushToTalkService } from '../input/pushToTalkController';
import { createServerTrust, type ServerTrust } from '../session/serverTrust';
import type { SessionService } from '../session/sessionService';
import { createReportedCallState, type ReportedCallState } from '../tray/reportedCallState';
import { appInfoHandler, type AppIdentity } from './handlers/appInfo';
import { serversConfirmHandler, serversReviewHandler } from './handlers/servers';
import { sessionSignInHandler } from './handlers/sessionSignIn';
import { sessionSignOutHandler } from './handlers/sessionSignOut';
import { sessionStatusHandler } from './handlers/sessionStatus';
import { pushToTalkGetHandler } from './handlers/pushToTalkGet';
import { pushToTalkSetHandler } from './handlers/pushToTalkSet';
import { voicePreferencesGetHandler, voicePreferencesSetHandler } from './handlers/voicePreferences';
import type { PreferencesStore } from '../settings/preferencesStore';
import { voiceReportStateHandler } from './handlers/voiceReportState';
import {
  moderationMoveVoiceHandler,
  moderationSetVoiceMuteHandler,
  moderationVoiceMutesHandler,
} from './handlers/moderation';
import { realtimeTicketHandler } from './handlers/realtimeTicket';
import { voiceCredentialsHandler } from './handlers/voiceCredentials';
import {
  workspaceChannelsHandler,
  workspaceMembersHandler,
  workspaceVoiceRoomsHandler,
} from './handlers/workspaceQueries';
import type { IpcHandlers } from './registerHandlers';
import { adminIntegrationHandlers } from './handlers/adminIntegrations';
import { adminSecurityHandlers } from './handlers/adminSecurity';
import { adminWorkspaceHandlers } from './handlers/adminWorkspace';
import { doctorRunHandler } from './handlers/doctorRun';
import {
  chatDeleteHandler,
  chatEditHandler,
  chatHistoryHandler,
  chatMarkReadHandler,
  chatPostHandler,
  chatUnreadHandler,
  filesRemoveHandler,
} from './handlers/chatTimeline';
import { chatNotifyHandler, type MentionNotifier } from './handlers/chatNotify';
import { createFileTransfers, type SavePathChooser } from './handlers/filesTransfers';
import { linksOpenHandler, type LinkOpener } from './handlers/linksOpen';
import { outboxAccount, outboxLoadHandler, outboxSaveHandler } from './handlers/outbox';
import type { OutboxFile } from '../outbox/outboxFile';
import { accountSettingsHandlers } from './handlers/accountSettings';
import { hostSetupHandlers } from './handlers/hostSetup';
import {
  serversInfoHandler,
  sessionCompleteSignInHandler,
  sessionFinishWelcomeHandler,
  sessionSignUpHandler,
} from './handlers/sessionOnboarding';
import { workspaceMembershipHandlers } from './handlers/workspaceMembership';
import type { HostedServer } from '../host/hostedServer';
import { ssoHandlers } from './handlers/sso';
import { createSsoSignIn } from '../session/ssoSignIn';
import { policyGetHandler, refusedByPolicy, relayOnlyCredentials } from './handlers/policy';
import type { LoadedPolicy } from '../policy/policyFile';
import type { UpdateService } from '../updates/updateService';
import { updatesCheckHandler, updatesStatusHandler } from './handlers/updates';
import { withManagedPolicy } from '../policy/managedPreferences';

/** One handler per contract channel; the IpcHandlers type fails the build if one is missing or extra. */
export function createHandlers(deps: {
  identity: AppIdentity;
  sessions: SessionService;
  /**
   * Servers the user confirmed or joined; sign-in reaches no other. Absent, one is made over `preferences` (or for
   * this run only, without them), so a caller cannot end up with a sign-in that skips the check.
   */
  serverTrust?: ServerTrust;
  /** Absent where there is no desktop to hook (the Chromium e2e harness): the channels then say it is unavailable. */
  pushToTalk?: PushToTalkService | null;
  /** The preferences file; absent, the voice preferences channels say they are unavailable. */
  preferences?: PreferencesStore | null;
  /** What the tray shows; absent where there is no tray, and the reports are then kept for nobody. */
  callState?: ReportedCallState;
  /** Desktop notifications for mentions (main/app); absent where there is no desktop. */
  notifier?: MentionNotifier | null;
  /** The system browser for links from messages (main/app); absent, links.open says it is unavailable. */
  links?: LinkOpener | null;
  /** The save dialog for files.save and the recovery codes (main/app). */
  chooseSavePath?: SavePathChooser | null;
  /** Unsent chat messages per account, kept across restarts; absent, the page keeps them for this run only. */
  outbox?: OutboxFile | null;
  /** The server this app hosts (WHOOT_HOST_SERVER=1); absent, host.status says 'off'. */
  host?: HostedServer | null;
  /**
   * The organization's managed policy (main/policy): absent, nothing is managed. Its values override preferences
   * (the store is wrapped here if the caller has not), and the channels it locks refuse with managed_by_policy.
   */
  policy?: LoadedPolicy;
  /** The signed update channel (main/updates); absent, the About page shows the version with no check. */
  updates?: UpdateService | null;
}): IpcHandlers {
  const policy = deps.policy?.values ?? {};
  const preferences =
    deps.preferences === undefined || deps.preferences === null ? null : withManagedPolicy(deps.preferences, policy);
  const trust =
    deps.serverTrust ??
    createServerTrust({
      preferences,
      ...(policy.allowedServerPins !== undefined ? { allowedPins: policy.allowedServerPins } : {}),
    });
  const outbox = deps.outbox ?? null;
  const session = () => deps.sessions.state();
  const links = deps.links ?? null;
  const files = createFileTransfers(deps.sessions.calls, { chooseSavePath: deps.chooseSavePath ?? null });
  const fileSharingOff = policy.fileSharing === false;
  const credentials = voiceCredentialsHandler(deps.sessions.calls);
  return {
    'app.info': appInfoHandler(deps.identity),
    'updates.status': updatesStatusHandler(deps.updates ?? null, deps.identity.version, policy),
    'updates.check': updatesCheckHandler(deps.updates ?? null),
    'policy.get': policyGetHandler(deps.policy?.view ?? { status: 'none', source: null, values: {}, problems: [] }),
    'session.status': sessionStatusHandler(deps.sessions),
    'session.signIn': sessionSignInHandler(deps.sessions, trust),
    'session.signOut': async (request, sender) => {
      // The account's unsent messages leave the disk with its session: the next person at this device is not it.
      const account = outboxAccount(session());
      const result = await sessionSignOutHandler(deps.sessions)(request, sender);
      if (account !== null) await outbox?.forget(account);
      return result;
    },
    'session.signUp': sessionSignUpHandler(deps.sessions, trust),
    'session.completeSignIn': sessionCompleteSignInHandler(deps.sessions, trust),
    'session.finishWelcome': sessionFinishWelcomeHandler(deps.sessions),
    'servers.info': serversInfoHandler(deps.sessions, trust),
    'servers.review': serversReviewHandler(trust),
    'servers.confirm': serversConfirmHandler(trust),
    'workspace.channels': workspaceChannelsHandler(deps.sessions.calls),
    'workspace.members': workspaceMembersHandler(deps.sessions.calls),
    'workspace.voiceRooms': workspaceVoiceRoomsHandler(deps.sessions.calls),
    'moderation.voiceMutes': moderationVoiceMutesHandler(deps.sessions.calls),
    'moderation.setVoiceMute': moderationSetVoiceMuteHandler(deps.sessions.calls),
    'moderation.moveVoice': moderationMoveVoiceHandler(deps.sessions.calls),
    'voice.credentials': policy.relayOnlyMedia === true ? relayOnlyCredentials(credentials) : credentials,
    'realtime.ticket': realtimeTicketHandler(deps.sessions.calls),
    'pushToTalk.get': pushToTalkGetHandler(deps.pushToTalk ?? null),
    'pushToTalk.set': pushToTalkSetHandler(deps.pushToTalk ?? null),
    'voicePreferences.get': voicePreferencesGetHandler(preferences),
    'voicePreferences.set': voicePreferencesSetHandler(preferences),
    'voice.reportState': voiceReportStateHandler(deps.callState ?? createReportedCallState()),
    'chat.history': chatHistoryHandler(deps.sessions.calls),
    'chat.post': chatPostHandler(deps.sessions.calls),
    'chat.edit': chatEditHandler(deps.sessions.calls),
    'chat.delete': chatDeleteHandler(deps.sessions.calls),
    'chat.markRead': chatMarkReadHandler(deps.sessions.calls),
    'chat.unread': chatUnreadHandler(deps.sessions.calls),
    'chat.notify': chatNotifyHandler(deps.notifier ?? null),
    'outbox.load': outboxLoadHandler(outbox, session),
    'outbox.save': outboxSaveHandler(outbox, session),
    'files.uploadBegin': fileSharingOff ? refusedByPolicy('File sharing') : files['files.uploadBegin'],
    'files.uploadChunk': files['files.uploadChunk'],
    'files.uploadFinish': files['files.uploadFinish'],
    'files.uploadCancel': files['files.uploadCancel'],
    'files.downloadBegin': fileSharingOff ? refusedByPolicy('File sharing') : files['files.downloadBegin'],
    'files.downloadChunk': files['files.downloadChunk'],
    'files.downloadCancel': files['files.downloadCancel'],
    'files.save': fileSharingOff ? refusedByPolicy('File sharing') : files['files.save'],
    'files.remove': filesRemoveHandler(deps.sessions.calls),
    ...adminWorkspaceHandlers(deps.sessions.calls),
    ...adminIntegrationHandlers(deps.sessions.calls),
    ...adminSecurityHandlers(deps.sessions.calls),
    'doctor.run': doctorRunHandler(deps.sessions.calls),
    'links.open': linksOpenHandler(deps.links ?? null),
    ...accountSettingsHandlers(deps.sessions, { chooseSavePath: deps.chooseSavePath ?? null }),
    ...workspaceMembershipHandlers(deps.sessions),
    ...hostSetupHandlers({ host: deps.host ?? null, sessions: deps.sessions, trust }),
    // Single sign-on opens the same system browser, through the same link policy (main/session/ssoSignIn.ts).
    ...ssoHandlers({
      api: deps.sessions.api,
      trust,
      calls: deps.sessions.calls,
      signIn: createSsoSignIn({
        api: deps.sessions.api,
        sessions: deps.sessions,
        openBrowser: links === null ? null : (link) => links.open(link),
      }),
    }),
  };
}
