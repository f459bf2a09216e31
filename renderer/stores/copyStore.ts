import { createStore, type StoreApi } from 'zustand/vanilla';
import { realClock, type VoiceClock } from '../voice/ports';

/** Where copied text goes: the page's clipboard in the app (components/CopyButton.tsx), a fake in tests. */
export interface ClipboardPort {
  /** Resolves true once the text is on the clipboard, false when the page could not put it there. */
  writeText(text: string): Promise<boolean>;
}

export interface CopyState {
  /** What was copied last (the button's `what`), while its "Copied" shows; null otherwise. */
  readonly copied: string | null;
  /** What could not be copied, while that shows; the person then selects the text and copies it by hand. */
  readonly failed: string | null;
  /** Copies `text`, names it `what` ("invite link") in what it shows and announces; resolves whether it worked. */
  copy(what: string, text: string): Promise<boolean>;
}

export type CopyStore = StoreApi<CopyState>;

/** How long a button says "Copied": long enough to see, short enough that a second copy reads as new. */
export const COPIED_SHOWN_MS = 2500;

/**
 * Copy buttons for what the server shows once (invite links, API tokens, webhook secrets) and for input URLs. The
 * button's own words change to "Copied", which a screen reader does not read out by itself, so the store also
 * announces it (politely, or assertively when it failed: then the secret still has to be taken by hand).
 */
export function createCopyStore(deps: {
  readonly clipboard: ClipboardPort | null;
  readonly announce: (text: string, politeness?: 'polite' | 'assertive') => void;
  readonly clock?: Pick<VoiceClock, 'setTimeout' | 'clearTimeout'>;
}): { store: CopyStore; dispose: () => void } {
  const clock = deps.clock ?? realClock;
  let timer: unknown = null;
  const store = createStore<CopyState>()((set) => ({
    copied: null,
    failed: null,
    async copy(what, text) {
      const done = await (deps.clipboard?.writeText(text) ?? Promise.resolve(false)).catch(() => false);
      if (timer !== null) clock.clearTimeout(timer);
      timer = clock.setTimeout(() => {
        timer = null;
        set({ copied: null, failed: null });
      }, COPIED_SHOWN_MS);
      set(done ? { copied: what, failed: null } : { copied: null, failed: what });
      const name = `${what.charAt(0).toUpperCase()}${what.slice(1)}`;
      if (done) deps.announce(`${name} copied.`);
      else deps.announce(`Could not copy the ${what}: select it and copy it by hand.`, 'assertive');
      return done;
    },
  }));
  return {
    store,
    dispose() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
