/**
 * The refresh-token store over keytar: macOS Keychain, Windows Credential Manager, or the Secret Service
 * (gnome-keyring, KWallet) on Linux. keytar is a native module and is loaded on first use, so a missing or
 * mis-built binary turns into a KeychainError that selectKeychainStore() can step past, not a crash at startup.
 */
import {
  assertValidRefreshToken,
  assertValidService,
  KeychainError,
  REFRESH_TOKEN_ACCOUNT,
  type KeychainStore,
} from './keychainStore';
import { errorMessage } from '../../shared/errorMessage';

/** The part of keytar's API this store uses; tests and alternative builds can supply their own. */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface KeytarKeychainStore extends KeychainStore {
  readonly kind: 'keytar';
  /**
   * Resolves once the OS keychain has answered a harmless lookup within timeoutMs. Loading keytar proves only
   * that the binary exists; on Linux the Secret Service may still be absent, or hang waiting for D-Bus activation.
   */
  probe(timeoutMs: number): Promise<void>;
}

export interface KeytarStoreOptions {
  readonly loadKeytar?: () => Promise<KeytarApi>;
}

/** A service name no real entry uses (it fails assertValidService), so the probe never reads or unlocks a secret. */
const PROBE_SERVICE = 'whoot:keychain-probe';

export function createKeytarStore(options: KeytarStoreOptions = {}): KeytarKeychainStore {
  const load = options.loadKeytar ?? loadKeytarModule;
  let loaded: Promise<KeytarApi> | undefined;
  const keytar = (): Promise<KeytarApi> => {
    loaded ??= load().catch((error: unknown) => {
      throw new KeychainError(
        'keychain_unavailable',
        `The keytar native module could not be loaded (${errorMessage(error)}); reinstall the app or rebuild keytar`,
        { cause: error },
      );
    });
    return loaded;
  };

  return {
    kind: 'keytar',

    async probe(timeoutMs) {
      const api = await keytar();
      await withTimeout(
        callKeychain('probe', () => api.findCredentials(PROBE_SERVICE)),
        timeoutMs,
        `The OS keychain did not answer within ${timeoutMs} ms`,
      );
    },

    async getRefreshToken(service) {
      assertValidService(service);
      const api = await keytar();
      const token = await callKeychain('read', () => api.getPassword(service, REFRESH_TOKEN_ACCOUNT));
      if (token === null) return null;
      try {
        assertValidRefreshToken(token);
      } catch {
        // Something other than whoot wrote this entry, or it was damaged: handing it to the API client would only
        // fail later and less clearly.
        throw new KeychainError('corrupt_store', 'The refresh token stored in the OS keychain is malformed');
      }
      return token;
    },

    async setRefreshToken(service, token) {
      assertValidService(service);
      assertValidRefreshToken(token);
      const api = await keytar();
      await callKeychain('write', () => api.setPassword(service, REFRESH_TOKEN_ACCOUNT, token));
    },

    async deleteRefreshToken(service) {
      assertValidService(service);
      const api = await keytar();
      return callKeychain('delete', () => api.deletePassword(service, REFRESH_TOKEN_ACCOUNT));
    },
  };
}

async function loadKeytarModule(): Promise<KeytarApi> {
  // keytar is CommonJS: Node's ESM loader exposes it as the default export, the CJS main build as the namespace.
  const imported = (await import('keytar')) as unknown as Partial<KeytarApi> & { default?: Partial<KeytarApi> };
  const api = imported.default ?? imported;
  if (
    typeof api.getPassword !== 'function' ||
    typeof api.setPassword !== 'function' ||
    typeof api.deletePassword !== 'function' ||
    typeof api.findCredentials !== 'function'
  ) {
    throw new Error('the keytar module does not export the expected functions');
  }
  return api as KeytarApi;
}

/** Native keychain errors (e.g. "Cannot autolaunch D-Bus") are wrapped so callers see one error type and code. */
async function callKeychain<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new KeychainError('keychain_failed', `OS keychain ${operation} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/**
 * A native keychain call cannot be cancelled, so on timeout it keeps running in the background; only our wait for
 * it ends. The timer is unref'd so that a pending probe never keeps the process alive.
 */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeychainError('keychain_unavailable', message)), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
