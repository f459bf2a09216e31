import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { WhootError } from '../../shared/result';
import type { ServerAddress } from '../../shared/identifiers';
import { sameConnectPolicy } from '../../shared/contentSecurityPolicy';
import { signInServer, type SessionState, type SignInRequest } from '../../shared/session';
import type { SignUpRequest } from '../../shared/accountIpc';

export type SessionPhase = 'loading' | 'ready' | 'failed';

export interface SessionStoreState {
  /** `loading` until main first answers; `failed` if it could not, so the UI can offer a retry instead of a form. */
  readonly phase: SessionPhase;
  readonly session: SessionState;
  readonly loadError: WhootError | null;
  readonly signInPending: boolean;
  readonly signInError: WhootError | null;
  readonly signOutPending: boolean;
  readonly signOutError: WhootError | null;
  load(): Promise<void>;
  /** Resolves true when signed in. The request is passed straight through and never kept in the store. */
  signIn(request: SignInRequest): Promise<boolean>;
  /**
   * The account's password was right and the server wants a code: main keeps that first step, and the form asks for
   * the code alone (`completeSignIn`).
   */
  readonly secondFactorNeeded: boolean;
  completeSignIn(factor: { totp: string } | { recoveryCode: string }): Promise<boolean>;
  /** Back from the code step to the first one. */
  cancelSecondFactor(): void;
  /** A new account (by invite, or on an open server), then signed in to it; resolves true when signed in. */
  signUp(request: SignUpRequest): Promise<boolean>;
  /** The new account's welcome is over (authenticator set up, or skipped). */
  finishWelcome(): Promise<void>;
  /** A session main answered with (after a join or a new workspace), shown like a pushed `session.changed`. */
  apply(session: SessionState): void;
  /** `sessionEnded`: the server ended the session already (its socket said so); the sign-in screen tells why. */
  signOut(options?: { sessionEnded?: true }): Promise<void>;
  clearSignInError(): void;
}

export type SessionStore = StoreApi<SessionStoreState>;

const signedOut: SessionState = { signedIn: false };
const NOT_CONFIRMED: WhootError = {
  code: 'server_not_confirmed',
  message: 'You did not confirm the server, so nothing was sent to it.',
};

export interface SessionStoreOptions {
  /**
   * Asked before every sign-in: true when the user has joined or now confirms the server (serverTrustStore). Main
   * refuses an unconfirmed server anyway; asking first lets the user decide before anything is sent.
   */
  readonly confirmServer?: (server: ServerAddress) => Promise<boolean>;
  /**
   * Reloads the page. Main serves each document with a CSP that lets it connect only to the servers signed in to
   * when it loaded (shared/contentSecurityPolicy.ts), and a loaded document keeps its policy. So when a sign-in,
   * sign-out or change of server needs other connect sources, the store reloads instead of showing the new
   * session in a page that could not reach it; the new document reads the session from main. Absent (tests), the
   * store shows every session in place.
   */
  readonly reloadPage?: (() => void) | null;
}

export function createSessionStore(
  api: WhootApi,
  options: SessionStoreOptions = {},
): { store: SessionStore; dispose: () => void } {
  const confirmServer = options.confirmServer ?? (async () => true);
  // Counts pushed updates, so a slow session.status answer cannot overwrite a newer session.changed event.
  let pushedVersion = 0;

  const reloadPage = options.reloadPage ?? null;
  /** The first session this page showed: main served the document's policy for it. */
  let documentSession: SessionState | null = null;
  let reloading = false;
  /** False when the page is reloading to get the policy `session` needs, instead of showing it here. */
  const showable = (session: SessionState): boolean => {
    if (reloading) return false;
    documentSession ??= session;
    if (reloadPage === null || sameConnectPolicy(documentSession, session)) return true;
    reloading = true;
    reloadPage();
    return false;
  };

  const store = createStore<SessionStoreState>()((set, get) => {
    /** A sign-in, sign-up or second step answered: signed in, waiting for a code, or refused. */
    const settleSignIn = (result: Awaited<ReturnType<WhootApi['session']['signIn']>>): boolean => {
      if (result.ok) {
        pushedVersion += 1;
        // While the page reloads for its new policy, the form stays "Signing in…" rather than flash a screen.
        if (showable(result.value)) {
          set({ signInPending: false, secondFactorNeeded: false, phase: 'ready', session: result.value });
        }
        return result.value.signedIn;
      }
      const code = result.error.code;
      // A wrong code keeps the code step; a step that waited too long goes back to the first.
      const secondFactorNeeded =
        code === 'mfa_required' || (code === 'invalid_second_factor' && get().secondFactorNeeded);
      set({ signInPending: false, signInError: result.error, secondFactorNeeded });
      return false;
    };
    /** Sign-in and sign-up: one attempt at a time, nothing sent before the user confirmed the server. */
    const attempt = async (server: ServerAddress, send: () => ReturnType<WhootApi['session']['signIn']>) => {
      if (get().signInPending) return false;
      set({ signInPending: true, signInError: null });
      if (!(await confirmServer(server))) {
        set({ signInPending: false, signInError: NOT_CONFIRMED });
        return false;
      }
      return settleSignIn(await send());
    };
    return {
      phase: 'loading',
      session: signedOut,
      loadError: null,
      signInPending: false,
      signInError: null,
      signOutPending: false,
      signOutError: null,
      secondFactorNeeded: false,

      async load() {
        const versionAtStart = pushedVersion;
        set({ phase: 'loading', loadError: null });
        const result = await api.session.status();
        if (pushedVersion !== versionAtStart) {
          set({ phase: 'ready' });
        } else if (result.ok) {
          if (showable(result.value)) set({ phase: 'ready', session: result.value });
        } else {
          set({ phase: 'failed', loadError: result.error });
        }
      },

      signIn: (request) => attempt(signInServer(request.server), () => api.session.signIn(request)),

      async completeSignIn(factor) {
        if (get().signInPending) return false;
        set({ signInPending: true, signInError: null });
        return settleSignIn(await api.session.completeSignIn(factor));
      },

      cancelSecondFactor() {
        set({ secondFactorNeeded: false, signInError: null });
      },

      signUp: (request) => attempt(signInServer(request.server), () => api.session.signUp(request)),

      async finishWelcome() {
        const result = await api.session.finishWelcome();
        if (result.ok && showable(result.value)) set({ session: result.value });
      },

      async signOut(options = {}) {
        if (get().signOutPending) return;
        set({ signOutPending: true, signOutError: null });
        const result = await api.session.signOut(options);
        if (result.ok) {
          pushedVersion += 1;
          if (showable(result.value)) set({ signOutPending: false, session: result.value });
        } else {
          set({ signOutPending: false, signOutError: result.error });
        }
      },

      clearSignInError() {
        set({ signInError: null });
      },

      apply(session) {
        pushedVersion += 1;
        if (showable(session)) set({ phase: 'ready', session });
      },
    };
  });

  const unsubscribe = api.on('session.changed', (session) => {
    pushedVersion += 1;
    if (showable(session)) store.setState({ phase: 'ready', session, loadError: null });
  });

  return { store, dispose: unsubscribe };
}
