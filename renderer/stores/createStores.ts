import type { WhootApi } from '../../shared/ipc';
import { createDevicesStore, type DevicesStore, type MediaDevicesPort } from './devicesStore';
import { createInviteStore, type InviteStore } from './inviteStore';
import { createNavigationStore, type NavigationStore } from './navigationStore';
import { createPushToTalkStore, linkCallToTray, type PushToTalkStore } from './pushToTalkStore';
import { createSessionStore, type SessionStore } from './sessionStore';
import {
  createVoiceCredentialsStore,
  type PageLifecycleTarget,
  type VoiceCredentialsStore,
} from './voiceCredentialsStore';
import { createWorkspaceStore, type WorkspaceStore } from './workspaceStore';

export interface Stores {
  readonly session: SessionStore;
  readonly workspace: WorkspaceStore;
  readonly voiceCredentials: VoiceCredentialsStore;
  readonly navigation: NavigationStore;
  readonly devices: DevicesStore;
  readonly invite: InviteStore;
  /** Push-to-talk mode and whether the shortcut holds the microphone open: what the voice engine gates on. */
  readonly pushToTalk: PushToTalkStore;
}

/** What the stores reach outside themselves. main.tsx passes the real ones; tests pass fakes. */
export interface StoreEnvironment {
  readonly page: PageLifecycleTarget | null;
  readonly mediaDevices: MediaDevicesPort | null | undefined;
}

/**
 * Builds every store around one injected `window.whoot`, so no store reads globals and each can be tested with a
 * fake api. Cross-store rules (what a session change means for navigation and credentials) live here, in one place.
 */
export function createStores(api: WhootApi, environment: StoreEnvironment): { stores: Stores; dispose: () => void } {
  const session = createSessionStore(api);
  const workspace = createWorkspaceStore(session.store);
  const voiceCredentials = createVoiceCredentialsStore(api, environment.page);
  const navigation = createNavigationStore();
  const devices = createDevicesStore(environment.mediaDevices);
  const invite = createInviteStore(api, () => {
    // A link opened from the OS is a request to join: show the form it filled in, unless already signed in.
    if (!session.store.getState().session.signedIn) navigation.getState().go('signIn');
  });

  const pushToTalk = createPushToTalkStore(api);
  // Read at start, not when Settings opens: the voice engine needs the mode for the first call.
  void pushToTalk.store.getState().load();
  // No voice engine on this page yet: the tray is told there is no call.
  const unlinkTray = linkCallToTray(api, null, null);

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

  const parts = [session, workspace, voiceCredentials, devices, invite];
  return {
    stores: {
      session: session.store,
      workspace: workspace.store,
      voiceCredentials: voiceCredentials.store,
      navigation,
      devices: devices.store,
      invite: invite.store,
      pushToTalk: pushToTalk.store,
    },
    dispose() {
      unsubscribeSession();
      pushToTalk.dispose();
      unlinkTray();
      for (const part of parts) part.dispose();
    },
  };
}
