import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WhootApi } from '../../shared/ipc';
import type { WhootError } from '../../shared/result';
import type { SsoSettings, SsoSettingsInput } from '../../shared/sso';
import type { WorkspaceStore } from '../stores/workspaceStore';

export interface SsoSettingsState {
  /** Null until read, or when the workspace has no provider. */
  readonly settings: SsoSettings | null;
  /** The redirect URI to register at the provider (known even before anything is saved). */
  readonly callbackUrl: string | null;
  readonly loading: boolean;
  readonly saving: boolean;
  readonly error: WhootError | null;
  /** A short confirmation after a save or removal, for the status line. */
  readonly saved: string | null;
  load(): Promise<void>;
  /** Without `clientSecret` the stored secret stays (the field is write-only). */
  save(input: SsoSettingsInput): Promise<boolean>;
  remove(): Promise<void>;
}

export type SsoSettingsStore = StoreApi<SsoSettingsState>;

/**
 * The single sign-on section of the admin console, for the selected workspace. The server lets owners only; the
 * client secret goes to main and on to the server and is never read back (the page only learns it is set).
 */
export function createSsoSettingsStore(api: WhootApi, workspace: WorkspaceStore): SsoSettingsStore {
  return createStore<SsoSettingsState>()((set) => {
    const workspaceId = () => workspace.getState().selectedId;
    return {
      settings: null,
      callbackUrl: null,
      loading: false,
      saving: false,
      error: null,
      saved: null,

      async load() {
        const id = workspaceId();
        if (id === null) return;
        set({ loading: true, error: null, saved: null });
        const result = await api.admin.ssoSettings({ workspaceId: id });
        set(
          result.ok
            ? { loading: false, settings: result.value.settings, callbackUrl: result.value.callbackUrl }
            : { loading: false, error: result.error },
        );
      },

      async save(input) {
        const id = workspaceId();
        if (id === null) return false;
        set({ saving: true, error: null, saved: null });
        const result = await api.admin.saveSsoSettings({ ...input, workspaceId: id });
        if (!result.ok) {
          set({ saving: false, error: result.error });
          return false;
        }
        set({ saving: false, settings: result.value.settings, saved: 'Single sign-on settings saved.' });
        return true;
      },

      async remove() {
        const id = workspaceId();
        if (id === null) return;
        set({ saving: true, error: null, saved: null });
        const result = await api.admin.removeSsoSettings({ workspaceId: id });
        set(
          result.ok
            ? { saving: false, settings: null, saved: 'Single sign-on removed: members sign in with passwords.' }
            : { saving: false, error: result.error },
        );
      },
    };
  });
}
