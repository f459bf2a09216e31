import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ServerAddress } from '../../shared/identifiers';
import type { WhootApi } from '../../shared/ipc';
import type { ServerReview } from '../../shared/serverTrust';

/** The question the app asks before it talks to a server it has not joined. */
export interface ServerQuestion {
  readonly review: ServerReview;
  /** `link`: a whoot:// link opened from outside (a web page, a chat elsewhere); `sign-in`: the form's invite. */
  readonly source: 'link' | 'sign-in';
}

export interface ServerTrustState {
  /** Shown as a dialog while set. */
  readonly question: ServerQuestion | null;
  /**
   * Resolves true when main already knows the server or the user confirms it now (main is told), false when the
   * user declines, a newer question replaces this one, or main cannot be asked.
   */
  ensureConfirmed(server: ServerAddress, source: ServerQuestion['source']): Promise<boolean>;
  answer(confirmed: boolean): Promise<void>;
}

export type ServerTrustStore = StoreApi<ServerTrustState>;

/**
 * Asks the user about a new server before anything is sent to it. Main decides what is new (`servers.review`) and
 * enforces the answer (sign-in refuses a server nobody confirmed); this store only holds the question and carries
 * the answer back. The sign-in form and whoot:// links both come through here.
 */
export function createServerTrustStore(api: WhootApi): ServerTrustStore {
  let settle: ((confirmed: boolean) => void) | null = null;
  const settlePending = (confirmed: boolean) => {
    const pending = settle;
    settle = null;
    pending?.(confirmed);
  };

  return createStore<ServerTrustState>()((set, get) => ({
    question: null,

    async ensureConfirmed(server, source) {
      const review = await api.servers.review(server);
      if (!review.ok) return false;
      if (review.value.status === 'known') return true;
      // One question at a time: a newer one (another link) replaces the open one, which counts as declined.
      settlePending(false);
      set({ question: { review: review.value, source } });
      return new Promise<boolean>((resolve) => {
        settle = resolve;
      });
    },

    async answer(confirmed) {
      const question = get().question;
      if (question === null) return;
      set({ question: null });
      if (!confirmed) return settlePending(false);
      const { host, port, spkiPin } = question.review;
      const told = await api.servers.confirm({ host, port, spkiPin });
      settlePending(told.ok);
    },
  }));
}
