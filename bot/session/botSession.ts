import type { Invite } from '../../shared/deepLink';
import type { EventChannel, EventPayloadOf } from '../../shared/ipc';
import type { Channel } from '../../shared/rest/endpoints';
import { fail, ok, type Result } from '../../shared/result';
import { signInRequestSchema, type WorkspaceSummary } from '../../shared/session';
import { realtimeTicketHandler } from '../../main/ipc/handlers/realtimeTicket';
import { voiceCredentialsHandler } from '../../main/ipc/handlers/voiceCredentials';
import { workspaceChannelsHandler, workspaceMembersHandler } from '../../main/ipc/handlers/workspaceQueries';
import type { IpcSender } from '../../main/ipc/sender';
import { ApiError, createServerApi, type ServerApi } from '../../main/session/apiClient';
import { CredentialVault, type SessionIdentity } from '../../main/session/credentialVault';
import { ServerConnectionError } from '../../main/session/pinnedTls';
import { createSessionService } from '../../main/session/sessionService';
import type { ConnectTicket } from '../../renderer/realtime/workspaceSocket';
import type { VoiceCredentials } from '../../renderer/voice/ports';

export type BotAccount =
  | { readonly kind: 'signIn'; readonly email: string; readonly password: string }
  | { readonly kind: 'signUp'; readonly email: string; readonly password: string; readonly displayName: string };

export interface BotSessionOptions {
  readonly invite: Invite;
  readonly account: BotAccount;
  /** The workspace's address (slug); by default the invite's workspace. */
  readonly workspaceSlug?: string;
  readonly api?: ServerApi;
}

export interface Member {
  readonly userId: string;
  readonly displayName: string;
}

/**
 * The IPC handlers check the sending frame in the dispatcher, not in themselves; the bot has no frames and calls
 * them directly, so this sender only satisfies their signature.
 */
const BOT_SENDER: IpcSender = { url: 'whoot-bot:', isMainFrame: true };

/**
 * The bot's main-process half: sign-in through the app's own session service (vault in memory, no keychain: the
 * refresh token is simply not kept), and the app's IPC handlers for channels, members, TURN credentials and WSS
 * tickets, so the bot asks the server exactly what the desktop app asks, signed the same way.
 */
export async function startBotSession(options: BotSessionOptions): Promise<Result<BotSession>> {
  const api = options.api ?? createServerApi();
  const { invite, account } = options;
  const server = { host: invite.host, port: invite.port, spkiPin: invite.spkiPin };
  const dropListeners = new Set<(payload: EventPayloadOf<'voice.dropCredentials'>) => void>();
  const vault = new CredentialVault();
  const session = createSessionService({
    vault,
    keychain: null,
    api,
    events: {
      emit<E extends EventChannel>(event: E, payload: EventPayloadOf<E>) {
        if (event !== 'voice.dropCredentials') return;
        for (const listener of [...dropListeners]) listener(payload as EventPayloadOf<'voice.dropCredentials'>);
      },
    },
  });

  if (account.kind === 'signUp') {
    try {
      await api.call(server, 'signUp', {
        body: {
          email: account.email,
          password: account.password,
          displayName: account.displayName,
          inviteCode: invite.code,
        },
      });
    } catch (error) {
      if (error instanceof ApiError || error instanceof ServerConnectionError) return fail(error.code, error.message);
      return fail('sign_up_failed', 'Creating the account failed.');
    }
  }
  const request = signInRequestSchema.safeParse({
    server: { invite },
    email: account.email,
    password: account.password,
  });
  if (!request.success) return fail('invalid_input', 'The email or password is not valid.');
  const signedIn = await session.signIn(request.data);
  if (!signedIn.ok) return signedIn;
  const identity = vault.identity();
  if (identity === null) return fail('not_signed_in', 'Sign-in did not leave a session.');

  const workspace = await chooseWorkspace(session.calls, identity, invite, options.workspaceSlug);
  if (!workspace.ok) {
    await session.signOut();
    return workspace;
  }

  const channels = workspaceChannelsHandler(session.calls);
  const members = workspaceMembersHandler(session.calls);
  const ticket = realtimeTicketHandler(session.calls);
  const credentials = voiceCredentialsHandler(session.calls);
  const workspaceId = workspace.value.id;

  return ok({
    user: identity.user,
    server,
    workspace: workspace.value,
    async channels(): Promise<Result<readonly Channel[]>> {
      const result = await channels({ workspaceId }, BOT_SENDER);
      return result.ok ? ok(result.value.channels) : result;
    },
    async members(): Promise<Result<readonly Member[]>> {
      const result = await members({ workspaceId }, BOT_SENDER);
      return result.ok ? ok(result.value.members) : result;
    },
    ticket: (): Promise<Result<ConnectTicket>> => Promise.resolve(ticket({ workspaceId }, BOT_SENDER)),
    credentials: (channelId: string): Promise<Result<VoiceCredentials>> =>
      Promise.resolve(credentials({ channelId }, BOT_SENDER)),
    onDropCredentials(listener: (payload: EventPayloadOf<'voice.dropCredentials'>) => void): () => void {
      dropListeners.add(listener);
      return () => void dropListeners.delete(listener);
    },
    async signOut(): Promise<void> {
      await session.signOut();
    },
  });
}

export type BotSession = {
  readonly user: SessionIdentity['user'];
  readonly server: SessionIdentity['server'];
  readonly workspace: WorkspaceSummary;
  channels(): Promise<Result<readonly Channel[]>>;
  members(): Promise<Result<readonly Member[]>>;
  ticket(): Promise<Result<ConnectTicket>>;
  credentials(channelId: string): Promise<Result<VoiceCredentials>>;
  /** The session service's `voice.dropCredentials` (sign-out): the engine must forget its TURN credentials. */
  onDropCredentials(listener: (payload: EventPayloadOf<'voice.dropCredentials'>) => void): () => void;
  signOut(): Promise<void>;
};

/**
 * The invite's workspace: a signed `acceptInvite` names it (and costs no use for a member already in it). A spent
 * single-use invite cannot name it any more, so then the account's only workspace is taken, or `--workspace`.
 */
async function chooseWorkspace(
  calls: ReturnType<typeof createSessionService>['calls'],
  identity: SessionIdentity,
  invite: Invite,
  slug: string | undefined,
): Promise<Result<WorkspaceSummary>> {
  if (slug !== undefined) {
    const named = identity.workspaces.find((w) => w.slug === slug);
    return named ? ok(named) : fail('not_found', `You are not a member of a workspace at "${slug}".`);
  }
  const accepted = await calls.call('acceptInvite', { body: { code: invite.code } });
  if (accepted.ok) return ok(accepted.value.response.workspace);
  const [only, ...others] = identity.workspaces;
  if (only !== undefined && others.length === 0) return ok(only);
  if (only === undefined) return accepted;
  return fail(
    'workspace_ambiguous',
    `The invite can no longer name its workspace; pick one with --workspace (${identity.workspaces.map((w) => w.slug).join(', ')}).`,
  );
}
