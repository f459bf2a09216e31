import { createStore, type StoreApi } from 'zustand/vanilla';
import { formatInviteLink, type Invite } from '../../shared/deepLink';
import type { WhootApi } from '../../shared/ipc';
import type { ServerTrustStore } from './serverTrustStore';

export interface InviteState {
  /**
   * The invite link as typed or pasted. Lives here rather than in the form so a link the OS opens while another
   * screen is showing is still there when the user reaches sign-in.
   */
  readonly link: string;
  setLink(link: string): void;
}

export type InviteStore = StoreApi<InviteState>;

/** Where an invite opened from outside the app goes. */
export interface InviteRoutes {
  /**
   * Offered the invite first, before any question: true when it took it. The signed-in app takes it for its join
   * dialog, where main sends nothing unless the invite names the signed-in server and its key, so the question
   * about a new server belongs to the sign-in form only.
   */
  readonly take?: (invite: Invite) => boolean;
  /** After the user confirmed the invite's server, with the form filled in. */
  readonly onReceived?: (invite: Invite) => void;
}

/**
 * The invite link field. A whoot:// link can come from any web page, so one for a server the app has not joined
 * fills the form only after the user confirmed that server (host and key fingerprint) in the trust question.
 */
export function createInviteStore(
  api: WhootApi,
  trust: ServerTrustStore,
  routes: InviteRoutes = {},
): { store: InviteStore; dispose: () => void } {
  const store = createStore<InviteState>()((set) => ({
    link: '',
    setLink(link) {
      set({ link });
    },
  }));

  // The preload already validated the payload against inviteSchema; formatting it back gives the form one input path.
  const unsubscribe = api.on('invite.received', (invite) => {
    if (routes.take?.(invite) === true) return;
    const { host, port, spkiPin } = invite;
    void trust
      .getState()
      .ensureConfirmed({ host, port, spkiPin }, 'link')
      .then((confirmed) => {
        if (!confirmed) return;
        store.setState({ link: formatInviteLink(invite) });
        routes.onReceived?.(invite);
      });
  });

  return { store, dispose: unsubscribe };
}
