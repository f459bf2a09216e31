import type { WhootApi } from '../../shared/ipc';
import { createAccountStore, type AccountStore } from '../account/accountStore';
import { createAdminStore, type AdminStore } from '../admin/adminStore';
import { createSsoSettingsStore, type SsoSettingsStore } from '../admin/ssoSettingsStore';
import { createDoctorStore, type DoctorStore } from '../screens/doctor/doctorStore';
import { createChatStore, type ChatStore } from '../chat/chatStore';
import { createOutboxStore, type OutboxStore } from '../chat/outboxStore';
import { createRemovalStore, type RemovalStore } from '../chat/removalStore';
import { hostAndPort } from '../../shared/identifiers';
import { createRealtimeHub, type RealtimeHub } from '../realtime/realtimeHub';
import type { WebSocketLike } from '../realtime/workspaceSocket';
import { createAppVoice, type AppVoiceEnvironment } from '../voice/appVoice';
import type { VoiceEngine } from '../voice/voiceEngine';
import { linkPushToTalkToVoice } from '../voice/linkPushToTalk';
import { linkVoicePreferences } from '../voice/linkVoicePreferences';
import { createChannelsStore, type ChannelsStore } from './channelsStore';
import { createDevicesStore, type DevicesStore, type MediaDevicesPort } from './devicesStore';
import { createInviteStore, type InviteStore } from './inviteStore';
import { createHostStore, type HostStore } from './hostStore';
import { createOnboardingStore, type OnboardingStore } from './onboardingStore';
import { formatInviteLink } from '../../shared/deepLink';
import { createLinkStore, type LinkStore } from '../chat/linkStore';
import { createNavigationStore, type NavigationStore } from './navigationStore';
import { createPushToTalkStore, linkCallToTray, type PushToTalkStore } from './pushToTalkStore';
import { createServerTrustStore, type ServerTrustStore } from './serverTrustStore';
import { createSessionStore, type SessionStore } from './sessionStore';
import { createSsoStore, type SsoStore } from './ssoStore';
import { createToastStore, type ToastStore } from './toastStore';
import { createCopyStore, type ClipboardPort, type CopyStore } from './copyStore';
import { createMicCheckStore, type MicCheckStore } from './micCheckStore';
import { createAnnouncerStore, type AnnouncerStore } from './announcerStore';
import { createVerificationStore, type VerificationStore } from '../call/verificationStore';
import { linkCallAnnouncements } from '../call/linkCallAnnouncements';
import {
  createVoiceCredentialsStore,
  type PageLifecycleTarget,
  type VoiceCredentialsStore,
} from './voiceCredentialsStore';
import { createWorkspaceStore, type WorkspaceStore } from './workspaceStore';
import { createPolicyStore, type PolicyStore } from './policyStore';
import { createUpdatesStore, type UpdatesStore } from './updatesStore';

export interface Stores {
  readonly session: SessionStore;
  readonly workspace: WorkspaceStore;
  readonly voiceCredentials: VoiceCredentialsStore;
  readonly navigation: NavigationStore;
  readonly devices: DevicesStore;
  readonly invite: InviteStore;
  /** The question before the app talks to a server it has not joined (sign-in and whoot:// links). */
  readonly serverTrust: ServerTrustStore;
  /** "Sign in with {provider}" on the sign-in screen (single sign-on through the system browser). */
  readonly sso: SsoStore;
  /** Push-to-talk mode and whether the shortcut holds the microphone open: what the voice engine gates on. */
  readonly pushToTalk: PushToTalkStore;
  readonly realtime: RealtimeHub;
  readonly channels: ChannelsStore;
  /** Channel timelines, unread counts, uploads (renderer/chat). */
  readonly chat: ChatStore;
  /** Messages written and not yet confirmed by the server: pending, sent in order, or failed with Retry. */
  readonly outbox: OutboxStore;
  /** Deleted messages and removed files held back while their Undo toast shows. */
  readonly removals: RemovalStore;
  /** Links from messages: main's decision, and the question it wants the reader to answer first. */
  readonly links: LinkStore;
  /** Null where the page has no WebRTC (a plain test environment). */
  readonly voice: VoiceEngine | null;
  /** The admin console's data for the selected workspace (renderer/admin). */
  readonly admin: AdminStore;
  /** The signed-in account's settings and sessions (renderer/account). */
  readonly account: AccountStore;
  /** The server this app hosts, if any, and its first-run set-up. */
  readonly host: HostStore;
  /** Which signed-out form shows, and the rail's join and create dialogs. */
  readonly onboarding: OnboardingStore;
  /** The admin console's single sign-on section (owners). */
  readonly ssoSettings: SsoSettingsStore;
  /** Test my connection: the network doctor's last report. */
  readonly doctor: DoctorStore;
  /** Short messages at the foot of the window, some with an action such as Undo (components/ToastRegion). */
  readonly toasts: ToastStore;
  /** Screen-reader announcements (components/LiveAnnouncer). */
  readonly announcer: AnnouncerStore;
  /** Copy buttons: what was just copied (components/CopyButton), announced. */
  readonly copy: CopyStore;
  /** The microphone level and "Let's check" in Settings. */
  readonly micCheck: MicCheckStore;
  /** What the user said after comparing safety codes in the Verify call dialog, for the current call. */
  readonly verification: VerificationStore;
  /** The organization's managed policy, shown read-only in Settings. */
  readonly policy: PolicyStore;
  /** Version, update channel and the last update check (Settings, About). */
  readonly updates: UpdatesStore;
}

/** What the stores reach outside themselves. main.tsx passes the real ones; tests pass fakes. */
export interface StoreEnvironment {
  readonly page: PageLifecycleTarget | null;
  readonly mediaDevices: MediaDevicesPort | null | undefined;
  /** Opens the WSS connection (main.tsx passes the browser's socket); absent, the page stays offline. */
  readonly openSocket?: ((url: string, protocols: string[]) => WebSocketLike) | null;
  /** WebRTC and audio; absent, there is no voice. */
  readonly voice?: AppVoiceEnvironment | null;
  /** Reloads the page when the session needs another CSP (sessionStore); absent, sessions show in place. */
  readonly reloadPage?: (() => void) | null;
  /** The page's clipboard, for copy buttons; absent, copying says to copy by hand. */
  readonly clipboard?: ClipboardPort | null;
}

/**
 * Builds every store around one injected `window.whoot`, so no store reads globals and each can be tested with a
 * fake api. Cross-store rules (what a session change means for navigation and credentials) live here, in one place.
 */
export function createStores(api: WhootApi, environment: StoreEnvironment): { stores: Stores; dispose: () => void } {
  const serverTrust = createServerTrustStore(api);
  const session = createSessionStore(api, {
    confirmServer: (server) => serverTrust.getState().ensureConfirmed(server, 'sign-in'),
    reloadPage: environment.reloadPage ?? null,
  });
  const workspace = createWorkspaceStore(session.store);
  const voiceCredentials = createVoiceCredentialsStore(api, environment.page);
  const openSocket = environment.openSocket ?? null;
  const realtime = createRealtimeHub(
    api,
    openSocket ??
      (() => {
        throw new Error('This page cannot open sockets.');
      }),
    openSocket !== null,
  );
  const channels = createChannelsStore(api, workspace.store, realtime);
  const announcer = createAnnouncerStore();
  const accountOf = (state: ReturnType<typeof session.store.getState>) =>
    state.session.signedIn ? `${hostAndPort(state.session.server)}/${state.session.user.id}` : null;
  const outbox = createOutboxStore({
    api,
    // The workspace socket is the app's one sign of the server being there (ConnectionStatus shows the same).
    online: {
      get: () => realtime.store.getState().state === 'open',
      subscribe: (listener) =>
        realtime.store.subscribe((state, previous) => {
          if (state.state !== previous.state) listener(state.state === 'open');
        }),
    },
    account: {
      get: () => accountOf(session.store.getState()),
      subscribe: (listener) => session.store.subscribe((state) => listener(accountOf(state))),
    },
    onDelivered: (message) => chat.store.getState().showSent(message),
    announce: (text, politeness) => announcer.getState().announce(text, politeness),
  });
  const chat = createChatStore({
    api,
    events: realtime,
    workspace: workspace.store,
    channels: channels.store,
    session: session.store,
    outbox: outbox.store,
    focused: () => typeof document === 'undefined' || document.hasFocus(),
  });
  // Our own message arriving as an event (the post's answer was lost, or is still on its way): it is there.
  const unlinkOutboxEvents = realtime.onEvent((event) => {
    if (event.type === 'message.posted' && event.payload.message.nonce !== undefined) {
      outbox.store.getState().seen(event.payload.message.nonce);
    }
  });
  const voice =
    environment.voice == null
      ? null
      : createAppVoice({
          api,
          hub: realtime,
          credentials: voiceCredentials.store,
          workspace: workspace.store,
          environment: environment.voice,
        });
  const navigation = createNavigationStore();
  const toasts = createToastStore();
  const removals = createRemovalStore({ api, toasts: toasts.store, page: environment.page });
  const copy = createCopyStore({
    clipboard: environment.clipboard ?? null,
    announce: (text, politeness) => announcer.getState().announce(text, politeness),
  });
  const verification = createVerificationStore(voice?.engine ?? null);
  const unlinkAnnouncements = linkCallAnnouncements({
    channels: channels.store,
    engine: voice?.engine ?? null,
    hub: realtime,
    announcer,
    selfId: () => {
      const current = session.store.getState().session;
      return current.signedIn ? current.user.id : null;
    },
  });
  // Removed from the workspace by an owner or admin (the server closed with 4004): say so, and stop showing it.
  // The session ended on the server (4001: a password change or a revoke elsewhere): sign out here too, and the
  // sign-in screen says why, instead of a workspace that can no longer reach anything.
  const unlinkRemoval = realtime.store.subscribe((state, previous) => {
    if (state.endReason === 'removed' && previous.endReason !== 'removed' && state.workspaceId !== null) {
      workspace.store.getState().markRemoved(state.workspaceId);
    }
    if (state.endReason === 'session_ended' && previous.endReason !== 'session_ended') {
      void session.store.getState().signOut({ sessionEnded: true });
    }
  });
  const devices = createDevicesStore(environment.mediaDevices);
  const micCheck = createMicCheckStore({
    ports:
      environment.voice == null
        ? null
        : {
            microphone: environment.voice.microphone,
            playBack: environment.voice.playBack ?? (() => Promise.reject(new Error('No playback here.'))),
          },
    engine: voice?.engine ?? null,
    devices: devices.store,
  });
  const onboarding = createOnboardingStore(api, { session: session.store, workspace: workspace.store });
  // A link opened from the OS is a request to join: signed in, the dialog that joins the workspace without signing
  // out (or says why it cannot); signed out, after the question about its server, the form that creates an account
  // (with the way to sign in instead beside it).
  const invite = createInviteStore(api, serverTrust, {
    take: (received) => {
      if (!session.store.getState().session.signedIn) return false;
      onboarding.getState().openJoin(formatInviteLink(received));
      return true;
    },
    onReceived: () => {
      onboarding.getState().setSignedOutMode('signUp');
      navigation.getState().go('signIn');
    },
  });

  const host = createHostStore(api);
  void host.store.getState().load();
  const policy = createPolicyStore(api);
  void policy.getState().load();
  const updates = createUpdatesStore(api);

  const pushToTalk = createPushToTalkStore(api);
  // Read at start, not when Settings opens: the voice engine needs the mode for the first call.
  void pushToTalk.store.getState().load();
  const unlinkTray = linkCallToTray(api, voice?.engine ?? null, channels.store);
  const unlinkPushToTalk = linkPushToTalkToVoice(pushToTalk.store, voice?.engine ?? null);
  // Devices chosen in Settings apply to the call at once; the engine keeps the choice through unplug and replug.
  const unlinkDevices =
    voice === null
      ? () => undefined
      : devices.store.subscribe((state, previous) => {
          if (state.selectedInputId !== previous.selectedInputId)
            void voice.engine.setInputDevice(state.selectedInputId);
          if (state.selectedOutputId !== previous.selectedOutputId) {
            void voice.engine.setOutputDevice(state.selectedOutputId).catch(() => undefined);
          }
        });
  // Sensitivity, processing, devices and volumes as the user left them last time, and saved as they change.
  const unlinkVoicePreferences = linkVoicePreferences({
    api,
    engine: voice?.engine ?? null,
    devices: devices.store,
    page: environment.page,
  });
  // The relay enforces a server mute; the engine shows it and stops sending, so the user knows why.
  const unlinkServerMute =
    voice === null
      ? () => undefined
      : channels.store.subscribe((state) => {
          const self = session.store.getState().session;
          const muted = self.signedIn && state.serverMuted[self.user.id] === true;
          if (voice.engine.store.getState().serverMuted !== muted) voice.engine.setServerMuted(muted);
        });

  const unsubscribeSession = session.store.subscribe((state, previous) => {
    const signedIn = state.session.signedIn;
    if (signedIn === previous.session.signedIn) return;
    const { screen, go } = navigation.getState();
    if (signedIn && screen === 'signIn') go('workspace');
    if (!signedIn) {
      // Main also sends voice.dropCredentials; dropping here too means a missed event cannot leave them behind.
      const credentials = voiceCredentials.store.getState();
      if (credentials.expiresAt !== null) credentials.drop('session-ended');
      if (screen === 'workspace') go('signIn');
    }
  });

  // Disposed in this order: the call ends before its signalling and credentials go.
  const parts = [
    ...(voice === null ? [] : [voice]),
    chat,
    outbox,
    channels,
    session,
    workspace,
    voiceCredentials,
    devices,
    invite,
    removals,
    toasts,
    copy,
    micCheck,
    host,
  ];
  return {
    stores: {
      session: session.store,
      workspace: workspace.store,
      voiceCredentials: voiceCredentials.store,
      navigation,
      devices: devices.store,
      invite: invite.store,
      serverTrust,
      sso: createSsoStore(api, serverTrust),
      pushToTalk: pushToTalk.store,
      realtime,
      channels: channels.store,
      chat: chat.store,
      outbox: outbox.store,
      removals: removals.store,
      links: createLinkStore(api),
      voice: voice?.engine ?? null,
      admin: createAdminStore(api, workspace.store),
      account: createAccountStore(api),
      host: host.store,
      onboarding,
      ssoSettings: createSsoSettingsStore(api, workspace.store),
      doctor: createDoctorStore(api),
      toasts: toasts.store,
      announcer,
      copy: copy.store,
      micCheck: micCheck.store,
      verification: verification.store,
      policy,
      updates: updates.store,
    },
    dispose() {
      unsubscribeSession();
      unlinkOutboxEvents();
      updates.dispose();
      pushToTalk.dispose();
      unlinkTray();
      unlinkPushToTalk();
      unlinkServerMute();
      unlinkAnnouncements();
      unlinkRemoval();
      verification.dispose();
      unlinkDevices();
      unlinkVoicePreferences();
      for (const part of parts) part.dispose();
      realtime.dispose();
    },
  };
}
