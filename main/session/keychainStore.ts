/**
 * Where the main process keeps each server's refresh token between runs: the OS keychain through keytar when one
 * answers, else a file encrypted by Electron's safeStorage, else nowhere (sign-in then lasts one run). There is
 * deliberately no plaintext fallback.
 *
 * The two implementations import the validators and KeychainError from this file while this file imports their
 * factories. The cycle is safe because each side only calls the other's functions later, never while loading.
 */
import { createKeytarStore, type KeytarApi } from './keychainStore.keytar';
import { createSafeStorageStore, type SafeStorageApi } from './keychainStore.safeStorage';
import { errorMessage } from '../../shared/errorMessage';

export type { KeytarApi } from './keychainStore.keytar';
export type { SafeStorageApi } from './keychainStore.safeStorage';

export interface KeychainStore {
  readonly kind: 'keytar' | 'safeStorage';
  getRefreshToken(service: string): Promise<string | null>;
  setRefreshToken(service: string, token: string): Promise<void>;
  /** Resolves true if an entry existed and is now gone, false if there was nothing to delete. */
  deleteRefreshToken(service: string): Promise<boolean>;
}

export type KeychainErrorCode =
  | 'invalid_service'
  | 'invalid_token'
  | 'keychain_unavailable'
  | 'keychain_failed'
  | 'encryption_unavailable'
  | 'insecure_backend'
  | 'corrupt_store'
  | 'no_secure_storage';

/**
 * Every failure of a store carries a stable code so callers (IPC handlers) can map it to a WhootError. Messages
 * never contain a token: they name what was wrong, not the value.
 */
export class KeychainError extends Error {
  override readonly name = 'KeychainError';
  readonly code: KeychainErrorCode;

  constructor(code: KeychainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One keychain entry per server (the service); the account is the same for all, since a server has one token. */
export const REFRESH_TOKEN_ACCOUNT = 'refresh-token';

/**
 * Windows Credential Manager caps a credential blob at 2,560 bytes, so a bound well below it keeps the same token
 * storable on every platform; real refresh tokens are a few dozen characters.
 */
export const MAX_REFRESH_TOKEN_LENGTH = 2048;

/** The shape keychainServiceFor() builds: `whoot:{host}:{port}`, host being a DNS name or an IPv4/IPv6 literal. */
const servicePattern = /^whoot:[a-z0-9.:-]{1,253}:[1-9][0-9]{0,4}$/;
/** base64, base64url and dot-separated (JWT-like) tokens; nothing that could be whitespace or a control character. */
const tokenPattern = /^[A-Za-z0-9._~+/=-]+$/;

export function isValidKeychainService(service: unknown): service is string {
  return typeof service === 'string' && servicePattern.test(service);
}

export function assertValidService(service: unknown): asserts service is string {
  if (!isValidKeychainService(service)) {
    // The value is not echoed: a caller that swapped arguments would otherwise print a token here.
    throw new KeychainError(
      'invalid_service',
      'Invalid keychain service: expected "whoot:{host}:{port}" as built by keychainServiceFor()',
    );
  }
}

export function assertValidRefreshToken(token: unknown): asserts token is string {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_REFRESH_TOKEN_LENGTH) {
    throw new KeychainError(
      'invalid_token',
      `Invalid refresh token: expected a string of 1-${MAX_REFRESH_TOKEN_LENGTH} characters`,
    );
  }
  if (!tokenPattern.test(token)) {
    throw new KeychainError(
      'invalid_token',
      'Invalid refresh token: only base64/base64url characters and dots are allowed',
    );
  }
}

export interface SelectKeychainStoreOptions {
  /**
   * Electron's safeStorage (injected by main/app, the only layer that imports electron) and the file it may keep
   * in app.getPath('userData'). Omit to allow the OS keychain only. On Linux, pass it only after app 'ready':
   * before that, Electron cannot tell which backend it will use.
   */
  readonly safeStorageFallback?: { readonly safeStorage: SafeStorageApi; readonly filePath: string };
  /** How long the OS keychain may take to answer the probe before it counts as absent. */
  readonly probeTimeoutMs?: number;
  /** Replaces the real keytar module: for tests, or for a build that ships without it. */
  readonly loadKeytar?: () => Promise<KeytarApi>;
  /** Defaults to process.platform; the basic_text check applies on Linux only. */
  readonly platform?: NodeJS.Platform;
  /** Told why a store was skipped, so support can see why a machine ended up on the fallback. */
  readonly log?: (message: string) => void;
}

/**
 * A locked keyring or a D-Bus activation can take a moment on first use; longer than this, and the user would be
 * better served by the fallback than by a frozen start.
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 5000;

/**
 * Picks the most trustworthy store that works on this machine right now. Keytar wins when its keychain answers a
 * probe; safeStorage is next when encryption is real (not Linux's basic_text); otherwise this rejects with
 * 'no_secure_storage' and the caller should keep the token in memory only.
 */
export async function selectKeychainStore(options: SelectKeychainStoreOptions = {}): Promise<KeychainStore> {
  const reasons: string[] = [];

  const keytarStore = createKeytarStore({ loadKeytar: options.loadKeytar });
  try {
    await keytarStore.probe(options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
    return keytarStore;
  } catch (error) {
    const reason = `OS keychain (keytar): ${errorMessage(error)}`;
    reasons.push(reason);
    options.log?.(`keychain store: skipping ${reason}`);
  }

  const fallback = options.safeStorageFallback;
  if (fallback) {
    const store = createSafeStorageStore({
      safeStorage: fallback.safeStorage,
      filePath: fallback.filePath,
      platform: options.platform,
    });
    try {
      store.assertEncryptionUsable();
      options.log?.('keychain store: using the safeStorage-encrypted file');
      return store;
    } catch (error) {
      const reason = `Electron safeStorage: ${errorMessage(error)}`;
      reasons.push(reason);
      options.log?.(`keychain store: skipping ${reason}`);
    }
  } else {
    reasons.push('Electron safeStorage: not offered by the caller');
  }

  throw new KeychainError(
    'no_secure_storage',
    `No secure storage for the refresh token on this machine (${reasons.join('; ')}). ` +
      'To stay signed in across restarts on Linux, run and unlock a Secret Service keyring (gnome-keyring or ' +
      'KWallet); elsewhere, reinstall the app so its keychain module is present.',
  );
}
