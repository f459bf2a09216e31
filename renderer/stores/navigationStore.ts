import { createStore, type StoreApi } from 'zustand/vanilla';

export type Screen = 'signIn' | 'workspace' | 'settings' | 'admin' | 'doctor' | 'account';

export interface NavigationState {
  readonly screen: Screen;
  go(screen: Screen): void;
}

export type NavigationStore = StoreApi<NavigationState>;

/** The screen actually shown: the account screens follow the session, whatever was asked for. */
export function visibleScreen(screen: Screen, signedIn: boolean): Screen {
  if (screen === 'settings') return screen;
  if (!signedIn) return 'signIn';
  return screen === 'admin' || screen === 'doctor' || screen === 'account' ? screen : 'workspace';
}

export function createNavigationStore(): NavigationStore {
  return createStore<NavigationState>()((set) => ({
    screen: 'signIn',
    go(screen) {
      set({ screen });
    },
  }));
}
