import { createStore, type StoreApi } from 'zustand/vanilla';

export type Politeness = 'polite' | 'assertive';

export interface Announcement {
  readonly text: string;
  /** Bumped on every announcement, so the same words twice ("Bob joined", "Bob joined") are read twice. */
  readonly serial: number;
}

export interface AnnouncerState {
  readonly polite: Announcement | null;
  readonly assertive: Announcement | null;
  announce(text: string, politeness?: Politeness): void;
}

export type AnnouncerStore = StoreApi<AnnouncerState>;

/**
 * What a screen reader should hear that nothing on screen says by itself taking focus: who joined or left the call,
 * that the connection dropped. One pair of live regions for the whole app (LiveAnnouncer renders them).
 */
export function createAnnouncerStore(): AnnouncerStore {
  let serial = 0;
  return createStore<AnnouncerState>()((set) => ({
    polite: null,
    assertive: null,
    announce(text, politeness = 'polite') {
      serial += 1;
      set({ [politeness]: { text, serial } });
    },
  }));
}
