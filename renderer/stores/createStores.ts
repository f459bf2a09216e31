import type { WhootApi } from '../../shared/ipc';
import { createAdminStore, type AdminStore } from '../admin/adminStore';
import { createDoctorStore, type DoctorStore } from '../screens/doctor/doctorStore';
import { createChatStore, type ChatStore } from '../chat/chatStore';
import { createRealtimeHub, type RealtimeHub } from '../realtime/realtimeHub';
import type { WebSocketLike } from '../realtime/workspaceSocket';
import { createAppVoice, type AppVoiceEnvironment } from '../voice/appVoice';
import type { VoiceEngine } from '../voice/voiceEngine';
import { linkPushToTalkToVoice } from '../voice/linkPushToTalk';
import { linkVoicePreferences } from '../voice/linkVoicePreferences';
import { createChannelsStore, type ChannelsStore } from './channelsStore';
import { createDevicesStore, type DevicesStore, type MediaDevicesPort } from './devicesStore';
import { createInviteStore, type InviteStore } from './inviteStore';
import { createLinkStore, type LinkStore } from '../chat/linkStore';
import { createNavigationStore, type NavigationStore } from './navigationStore';
import { createPushToTalkStore, linkCallToTray, type PushToTalkStore } from './pushToTalkStore';
import { createServerTrustStore, type ServerTrustStore } from './serverTrustStore';
import { createSessionStore, type SessionStore } from './sessionStore';
import { createToastStore, type ToastStore } from './toastStore';
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
  /** Push-to-talk mode and whether the shortcut holds the microphone open: what the voice engine gates on. */
  readonly pushToTalk: PushToTalkStore;
  readonly realtime: RealtimeHub;
  readonly channels: ChannelsStore;
  /** Channel timelines, unread counts, uploads (renderer/chat). */
  readonly chat: ChatStore;
  /** Links from messages: main's decision, and the question it wants the reader to answer first. */
  readonly links: LinkStore;
  /** Null where the page has no WebRTC (a plain test environment). */
  readonly voice: VoiceEngine | null;
  /** The admin console's data for the selected workspace (renderer/admin). */
  readonly admin: AdminStore;
  /** Test my connection: the network doctor's last report. */
  readonly doctor: DoctorStore;
  /** Short messages at the foot of the window, some with an action such as Undo (components/ToastRegion). */
  readonly toasts: ToastStore;
  /** Screen-reader announcements (components/LiveAnnouncer). */
  readonly announcer: AnnouncerStore;
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
  const chat = createChatStore({
    api,
    events: realtime,
    workspace: workspace.store,
    channels: channels.store,
    session: session.store,
    focused: () => typeof document === 'undefined' || document.hasFocus(),
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
  const announcer = createAnnouncerStore();
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
  const unlinkRemoval = realtime.store.subscribe((state, previous) => {
    if (state.endReason === 'removed' && previous.endReason !== 'removed' && state.workspaceId !== null) {
      workspace.store.getState().markRemoved(state.workspaceId);
    }
  });
  const devices = createDevicesStore(environment.mediaDevices);
  const invite = createInviteStore(api, serverTrust, () => {
    // A link opened from the OS is a request to join: show the form it filled in, unless already signed in.
    if (!session.store.getState().session.signedIn) navigation.getState().go('signIn');
  });

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
    channels,
    session,
    workspace,
    voiceCredentials,
    devices,
    invite,
    toasts,
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
      pushToTalk: pushToTalk.store,
      realtime,
      channels: channels.store,
      chat: chat.store,
      links: createLinkStore(api),
      voice: voice?.engine ?? null,
      admin: createAdminStore(api, workspace.store),
      doctor: createDoctorStore(api),
      toasts: toasts.store,
      announcer,
      verification: verification.store,
      policy,
      updates: updates.store,
    },
    dispose() {
      unsubscribeSession();
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
