import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ServerAddress } from '../../shared/identifiers';
import type { WhootApi } from '../../shared/ipc';
import type { ServerInfo } from '../../shared/rest/endpoints';
import { parseDeepLink } from '../../shared/deepLink';
import { fail, ok, type Result } from '../../shared/result';
import type { WorkspaceSummary } from '../../shared/session';
import type { SessionStore } from './sessionStore';
import type { WorkspaceStore } from './workspaceStore';

export interface OnboardingState {
  /** Signed out: the form for an account one has, or the one that creates an account. */
  readonly signedOutMode: 'signIn' | 'signUp';
  /** Signed in: the "Join with an invite" dialog, with the link it opened with ('' when typed in). */
  readonly joining: { readonly link: string } | null;
  readonly creating: boolean;
  /** What the server of the invite in the sign-up form allows, once the user has confirmed or joined it. */
  readonly serverInfo: { readonly server: ServerAddress; readonly info: ServerInfo } | null;
  /** Reads `serverInfo` for a server main already trusts; asks nothing and sends nothing otherwise. */
  readServerInfo(server: ServerAddress | null): Promise<void>;
  setSignedOutMode(mode: OnboardingState['signedOutMode']): void;
  /** Joins by invite (the signed-in server's only) and selects the workspace. */
  join(link: string): Promise<Result<WorkspaceSummary>>;
  /** Creates a workspace (where the server allows it) and selects it. */
  create(name: string, slug: string): Promise<Result<WorkspaceSummary>>;
  openJoin(link?: string): void;
  openCreate(): void;
  closeDialogs(): void;
}

export type OnboardingStore = StoreApi<OnboardingState>;

/**
 * Where a person is in getting in: which signed-out form shows, and the rail's "Join with an invite" and "Create a
 * workspace" dialogs. An invite opened from outside the app (a whoot:// link) lands here too, in the sign-up form
 * when signed out, in the join dialog when signed in.
 */
export function createOnboardingStore(
  api: WhootApi,
  stores: { readonly session: SessionStore; readonly workspace: WorkspaceStore },
): OnboardingStore {
  let asked = 0;
  /** Main answered with the session as it is now: show it, then open the workspace it gained. */
  const opened = (result: Awaited<ReturnType<WhootApi['workspaces']['join']>>): Result<WorkspaceSummary> => {
    if (!result.ok) return result;
    stores.session.getState().apply(result.value.session);
    stores.workspace.getState().select(result.value.workspace.id);
    return ok(result.value.workspace);
  };
  return createStore<OnboardingState>()((set) => ({
    signedOutMode: 'signIn',
    joining: null,
    creating: false,
    serverInfo: null,
    async readServerInfo(server) {
      const ask = ++asked;
      set({ serverInfo: null });
      if (server === null) return;
      const review = await api.servers.review(server);
      if (!review.ok || review.value.status !== 'known') return;
      const info = await api.servers.info(server);
      // Only the answer to the latest question: the invite may have changed meanwhile.
      if (ask === asked && info.ok) set({ serverInfo: { server, info: info.value } });
    },
    async join(link) {
      const parsed = parseDeepLink(link.trim());
      if (!parsed.ok) return fail(parsed.error.code, parsed.error.message);
      return opened(await api.workspaces.join({ invite: parsed.value.invite }));
    },
    async create(name, slug) {
      return opened(await api.workspaces.create({ name, slug }));
    },
    setSignedOutMode(mode) {
      set({ signedOutMode: mode });
    },
    openJoin(link = '') {
      set({ joining: { link }, creating: false });
    },
    openCreate() {
      set({ creating: true, joining: null });
    },
    closeDialogs() {
      set({ joining: null, creating: false });
    },
  }));
}
