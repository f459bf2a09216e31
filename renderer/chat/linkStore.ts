import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { LinkConcern } from '../../shared/links';

/** What main asked the reader to confirm before a link opens (its answer to links.open), plus the text they saw. */
export interface LinkConfirmation {
  readonly url: string;
  readonly text: string;
  readonly host: string;
  readonly concerns: readonly LinkConcern[];
}

export interface LinkState {
  /** The link waiting for the reader's answer; the dialog shows while this is set. */
  readonly confirmation: LinkConfirmation | null;
  /** Why the last link did not open, for the chat to show. */
  readonly error: string | null;
  /** Asks main to open a link from a message; main opens it, refuses it, or says what to confirm first. */
  open(url: string, text: string): Promise<void>;
  /** The reader saw main's answer and wants the link: main decides again, now with their word. */
  confirm(): Promise<void>;
  cancel(): void;
  clearError(): void;
}

export type LinkStore = StoreApi<LinkState>;

/**
 * Opening links from messages. Every decision is main's (main/security/linkPolicy.ts): this store passes the link
 * and its visible text along, shows what main asks about, and sends the reader's answer back.
 */
export function createLinkStore(api: WhootApi): LinkStore {
  return createStore<LinkState>()((set, get) => {
    const ask = async (url: string, text: string, confirmed: boolean) => {
      const result = await api.links.open({ url, text, ...(confirmed ? { confirmed: true as const } : {}) });
      if (!result.ok) return set({ confirmation: null, error: result.error.message });
      if (result.value.opened) return set({ confirmation: null, error: null });
      set({ confirmation: { ...result.value.confirm, text }, error: null });
    };
    return {
      confirmation: null,
      error: null,
      open: (url, text) => ask(url, text, false),
      async confirm() {
        const pending = get().confirmation;
        if (pending === null) return;
        set({ confirmation: null });
        // The URL main answered with (parsed and re-serialised), not the one in the message.
        await ask(pending.url, pending.text, true);
      },
      cancel() {
        set({ confirmation: null });
      },
      clearError() {
        set({ error: null });
      },
    };
  });
}
