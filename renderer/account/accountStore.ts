import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SessionSummary } from '../../shared/admin';
import type { WhootApi } from '../../shared/ipc';
import type { Account } from '../../shared/rest/endpoints';
import type { Result, WhootError } from '../../shared/result';

/** The authenticator's set-up as the account screen walks through it. */
export type TotpStep =
  | { readonly step: 'idle' }
  /** A secret to scan or type in, waiting for the first code from the app. */
  | { readonly step: 'scan'; readonly secret: string; readonly otpauthUri: string }
  /** On: the recovery codes, shown this once. */
  | { readonly step: 'codes'; readonly recoveryCodes: readonly string[] };

export interface AccountState {
  /** What the server says of the account (two-step sign-in, workspace creation); null until read. */
  readonly account: Account | null;
  readonly sessions: readonly SessionSummary[];
  readonly error: WhootError | null;
  readonly totp: TotpStep;
  load(): Promise<void>;
  loadSessions(): Promise<void>;
  revokeSession(sessionId: string): Promise<Result<unknown>>;
  changePassword(currentPassword: string, newPassword: string): Promise<Result<{ signedOutSessions: number }>>;
  setDisplayName(displayName: string): Promise<Result<unknown>>;
  beginTotp(): Promise<Result<unknown>>;
  confirmTotp(code: string): Promise<Result<unknown>>;
  disableTotp(code: string): Promise<Result<unknown>>;
  saveRecoveryCodes(): Promise<Result<{ saved: boolean }>>;
  /** Leaves the recovery codes screen: they are not shown again. */
  closeTotp(): void;
}

export type AccountStore = StoreApi<AccountState>;

/**
 * The signed-in account's own settings and sessions, for the account screen and the admin console's Sessions tab
 * (one list, one store). Every change is an IPC call main signs; the server decides, and its refusal comes back as
 * the call's result for the form that made it.
 */
export function createAccountStore(api: WhootApi): AccountStore {
  return createStore<AccountState>()((set, get) => {
    /** Runs a call; a failure is also the store's visible error. */
    async function run<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
      let result: Result<T>;
      try {
        result = await call();
      } catch {
        result = {
          ok: false,
          error: { code: 'request_failed', message: 'The main process of the app did not answer.' },
        };
      }
      set({ error: result.ok ? null : result.error });
      return result;
    }

    return {
      account: null,
      sessions: [],
      error: null,
      totp: { step: 'idle' },
      async load() {
        const result = await run(() => api.account.get());
        if (result.ok) set({ account: result.value });
      },
      async loadSessions() {
        const result = await run(() => api.account.sessions());
        if (result.ok) set({ sessions: result.value.sessions });
      },
      async revokeSession(sessionId) {
        const result = await run(() => api.account.revokeSession({ sessionId }));
        await get().loadSessions();
        return result;
      },
      async changePassword(currentPassword, newPassword) {
        const result = await run(() => api.account.changePassword({ currentPassword, newPassword }));
        if (result.ok) await get().loadSessions();
        return result;
      },
      async setDisplayName(displayName) {
        const result = await run(() => api.account.setDisplayName({ displayName }));
        if (result.ok) await get().load();
        return result;
      },
      async beginTotp() {
        const result = await run(() => api.account.totpBegin());
        if (result.ok) set({ totp: { step: 'scan', ...result.value } });
        return result;
      },
      async confirmTotp(code) {
        const result = await run(() => api.account.totpConfirm({ code }));
        if (result.ok) {
          set({ totp: { step: 'codes', recoveryCodes: result.value.recoveryCodes } });
          await get().load();
        }
        return result;
      },
      async disableTotp(code) {
        const result = await run(() => api.account.totpDisable({ code }));
        if (result.ok) await get().load();
        return result;
      },
      async saveRecoveryCodes() {
        const { totp } = get();
        if (totp.step !== 'codes') return { ok: true, value: { saved: false } };
        return run(() => api.account.saveRecoveryCodes({ codes: [...totp.recoveryCodes] }));
      },
      closeTotp() {
        set({ totp: { step: 'idle' } });
      },
    };
  });
}
