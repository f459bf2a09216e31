import type { WhootApi } from '../../shared/ipc';
import type { RealtimeHub } from '../realtime/realtimeHub';
import type { VoiceCredentialsStore } from '../stores/voiceCredentialsStore';
import type { WorkspaceStore } from '../stores/workspaceStore';
import type { MicrophonePort, SpeakerPort } from './ports';
import { createVoiceEngine, type VoiceEngine } from './voiceEngine';

export interface AppVoiceEnvironment {
  readonly createPeerConnection: (configuration: RTCConfiguration) => RTCPeerConnection;
  readonly microphone: MicrophonePort;
  readonly speakers: SpeakerPort;
  readonly network: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> | null;
  /** Plays the microphone back on a speaker for Settings' "Let's check" (browserPorts.ts); absent, no check. */
  readonly playBack?: (track: MediaStreamTrack, outputDeviceId: string | null) => Promise<() => void>;
}

/**
 * The voice engine as the app runs it: signalling through the page's WSS hub, credentials through main (held in the
 * credentials store, the one place the renderer keeps them), and every reason to end a call wired to `leave`:
 * main's voice.dropCredentials (sign-out, session end), page unload, and switching workspace.
 */
export function createAppVoice(deps: {
  api: WhootApi;
  hub: RealtimeHub;
  credentials: VoiceCredentialsStore;
  workspace: WorkspaceStore;
  environment: AppVoiceEnvironment;
}): { engine: VoiceEngine; dispose: () => void } {
  const { api, hub, credentials, workspace, environment } = deps;
  const engine = createVoiceEngine({
    createPeerConnection: environment.createPeerConnection,
    microphone: environment.microphone,
    speakers: environment.speakers,
    signalling: hub,
    network: environment.network,
    async credentials(channelId) {
      const result = await api.voice.credentials({ channelId });
      if (result.ok) credentials.getState().hold(result.value.iceServers, result.value.expiresAt);
      return result;
    },
  });

  const unsubscribers = [
    credentials.subscribe((state, previous) => {
      // Dropped credentials end the call: the engine forgets its copy and closes every peer connection.
      if (state.lastDropReason !== null && previous.expiresAt !== null && state.expiresAt === null) engine.leave();
    }),
    engine.store.subscribe((state, previous) => {
      if (state.channelId === null && previous.channelId !== null && credentials.getState().expiresAt !== null) {
        credentials.getState().drop('call-ended');
      }
    }),
    workspace.subscribe((state, previous) => {
      if (state.selectedId !== previous.selectedId) engine.leave();
    }),
  ];

  return {
    engine,
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      engine.dispose();
    },
  };
}
