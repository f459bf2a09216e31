import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Invite } from '../../shared/deepLink';
import type { WhootApi } from '../../shared/ipc';
import type { WhootError } from '../../shared/result';
import type { SsoProvider } from '../../shared/sso';
import type { ServerTrustStore } from './serverTrustStore';

export interface SsoState {
  /** The provider of the invite's workspace, once main asked the server; null when there is none (or not asked). */
  readonly provider: SsoProvider | null;
  /** The invite `provider` belongs to, so a changed link never shows another workspace's button. */
  readonly inviteCode: string | null;
  /** True while the browser trip runs: from the click until main has the session or the reason. */
  readonly pending: boolean;
  readonly error: WhootError | null;
  /**
   * Asks whether the invite's workspace signs in through a provider, but only of a server the user already joined
   * or confirmed: for a new one nothing is sent, and `signIn` asks the trust question first.
   */
  lookup(invite: Invite | null): Promise<void>;
  /** Confirms the server if it is new, looks the provider up if needed, and signs in through the browser. */
  signIn(invite: Invite): Promise<boolean>;
}

export type SsoStore = StoreApi<SsoState>;

const NO_SSO: WhootError = {
  code: 'sso_not_configured',
  message: 'This workspace does not use single sign-on. Sign in with your email and password.',
};
const NOT_CONFIRMED: WhootError = {
  code: 'server_not_confirmed',
  message: 'You did not confirm the server, so nothing was sent to it.',
};

/**
 * Single sign-on on the sign-in screen. The page never sees a code, verifier or token: it names the invite's server
 * and the workspace, main opens the system browser and answers with the session (which also arrives as
 * `session.changed`, so the session store shows it the usual way) or the reason it did not finish.
 */
export function createSsoStore(api: WhootApi, trust: ServerTrustStore): SsoStore {
  const serverOf = (invite: Invite) => ({ host: invite.host, port: invite.port, spkiPin: invite.spkiPin });

  return createStore<SsoState>()((set, get) => {
    async function ask(invite: Invite): Promise<SsoProvider | null> {
      const answer = await api.sso.lookup({ server: { invite }, lookup: { inviteCode: invite.code } });
      const provider = answer.ok ? answer.value.sso : null;
      set({ provider, inviteCode: invite.code });
      return provider;
    }

    return {
      provider: null,
      inviteCode: null,
      pending: false,
      error: null,

      async lookup(invite) {
        if (invite === null) {
          set({ provider: null, inviteCode: null, error: null });
          return;
        }
        if (invite.code === get().inviteCode) return;
        set({ provider: null, inviteCode: null, error: null });
        const review = await api.servers.review(serverOf(invite));
        if (!review.ok || review.value.status !== 'known') return;
        await ask(invite);
      },

      async signIn(invite) {
        if (get().pending) return false;
        set({ pending: true, error: null });
        try {
          if (!(await trust.getState().ensureConfirmed(serverOf(invite), 'sign-in'))) {
            set({ error: NOT_CONFIRMED });
            return false;
          }
          const provider = get().inviteCode === invite.code ? get().provider : await ask(invite);
          if (provider === null) {
            set({ error: NO_SSO });
            return false;
          }
          const result = await api.sso.signIn({ server: { invite }, workspace: provider.workspace });
          if (!result.ok) set({ error: result.error });
          return result.ok && result.value.signedIn;
        } finally {
          set({ pending: false });
        }
      },
    };
  });
}
