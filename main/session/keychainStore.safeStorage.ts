/**
 * The fallback store for machines whose OS keychain does not answer: a small JSON file in the app's userData dir
 * mapping each keychain service to its refresh token encrypted by Electron's safeStorage (as Element Desktop did
 * when it moved off keytar). safeStorage's key lives in the OS keychain on macOS, in DPAPI on Windows and in the
 * Secret Service or KWallet on Linux, so the file alone does not reveal a token.
 */
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../files/writeFileAtomic';
import {
  assertValidRefreshToken,
  assertValidService,
  isValidKeychainService,
  KeychainError,
  type KeychainStore,
} from './keychainStore';
import { errorMessage } from '../../shared/errorMessage';

/** The shape of Electron's safeStorage, injected so that this file (outside main/app) never imports electron. */
export interface SafeStorageApi {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron; missing elsewhere. */
  getSelectedStorageBackend?(): string;
}

export interface SafeStorageStoreOptions {
  readonly safeStorage: SafeStorageApi;
  /** Typically join(app.getPath('userData'), 'refresh-tokens.json'). */
  readonly filePath: string;
  /** Defaults to process.platform; the backend check applies on Linux only. */
  readonly platform?: NodeJS.Platform;
}

export interface SafeStorageKeychainStore extends KeychainStore {
  readonly kind: 'safeStorage';
  readonly filePath: string;
  /** Throws the KeychainError the store would throw, so a caller can choose another store before any write. */
  assertEncryptionUsable(): void;
}

/**
 * On Linux without a Secret Service or KWallet, Electron encrypts with a password hard-coded in Chromium
 * ('basic_text'): anyone with the file can decrypt it, so the store treats it as plaintext and refuses. Electron
 * answers 'unknown' before app 'ready', when it cannot yet say which backend it will use.
 */
const LINUX_UNSAFE_BACKENDS = new Set(['basic_text', 'unknown']);

/** Far above any real file (a few hundred bytes per server); bounds what a damaged or planted file can make us read. */
const MAX_FILE_BYTES = 1024 * 1024;

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const fileSchema = z.strictObject({
  version: z.literal(1),
  entries: z.record(z.string().refine(isValidKeychainService), z.string().min(1).max(16_384).regex(base64Pattern)),
});

export function createSafeStorageStore(options: SafeStorageStoreOptions): SafeStorageKeychainStore {
  const { safeStorage, filePath } = options;
  const platform = options.platform ?? process.platform;

  const assertEncryptionUsable = (): void => {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new KeychainError(
        'encryption_unavailable',
        'Electron safeStorage cannot encrypt on this machine, so the refresh token is not stored',
      );
    }
    if (platform === 'linux') {
      const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
      if (LINUX_UNSAFE_BACKENDS.has(backend)) {
        throw new KeychainError(
          'insecure_backend',
          `Electron safeStorage uses the "${backend}" backend here, which is not real encryption (a password ` +
            'built into Chromium), so the refresh token is not stored',
        );
      }
    }
  };

  // One read-modify-write at a time, so that two servers signing in together cannot drop each other's entry.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const readEntries = async (): Promise<Map<string, string>> => {
    let text: string;
    try {
      const handle = await open(filePath, 'r');
      try {
        const { size } = await handle.stat();
        if (size > MAX_FILE_BYTES) throw corrupted(filePath, `larger than ${MAX_FILE_BYTES} bytes`);
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (error instanceof KeychainError) throw error;
      if (isErrnoException(error) && error.code === 'ENOENT') return new Map();
      throw new KeychainError('keychain_failed', `Could not read the token file ${filePath}: ${errorMessage(error)}`, {
        cause: error,
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw corrupted(filePath, 'not valid JSON');
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw corrupted(filePath, 'not the expected format');
    return new Map(Object.entries(parsed.data.entries));
  };

  const writeEntries = async (entries: Map<string, string>): Promise<void> => {
    const contents = `${JSON.stringify({ version: 1, entries: Object.fromEntries(entries) }, null, 2)}\n`;
    await writeFileAtomically(filePath, contents);
  };

  return {
    kind: 'safeStorage',
    filePath,
    assertEncryptionUsable,

    getRefreshToken(service) {
      return serialized(async () => {
        assertValidService(service);
        assertEncryptionUsable();
        const ciphertext = (await readEntries()).get(service);
        if (ciphertext === undefined) return null;
        let token: string;
        try {
          token = safeStorage.decryptString(Buffer.from(ciphertext, 'base64'));
          assertValidRefreshToken(token);
        } catch (error) {
          // Typically the OS key changed (new machine, reset keyring). Other servers' entries stay as they are.
          throw new KeychainError(
            'corrupt_store',
            `The refresh token stored for ${service} in ${filePath} could not be decrypted; sign in again`,
            { cause: error },
          );
        }
        return token;
      });
    },

    setRefreshToken(service, token) {
      return serialized(async () => {
        assertValidService(service);
        assertValidRefreshToken(token);
        // Checked before anything touches the disk: a refusal must leave no file and no changed file behind.
        assertEncryptionUsable();
        const entries = await readEntries();
        let ciphertext: Buffer;
        try {
          ciphertext = safeStorage.encryptString(token);
        } catch (error) {
          throw new KeychainError('keychain_failed', `Electron safeStorage could not encrypt: ${errorMessage(error)}`, {
            cause: error,
          });
        }
        entries.set(service, ciphertext.toString('base64'));
        await writeEntries(entries);
      });
    },

    deleteRefreshToken(service) {
      // No encryption check: removing a ciphertext is always safe, and sign-out must be able to do it even after
      // the OS key became unavailable.
      return serialized(async () => {
        assertValidService(service);
        const entries = await readEntries();
        if (!entries.delete(service)) return false;
        await writeEntries(entries);
        return true;
      });
    },
  };
}

/**
 * Writes a sibling temp file and renames it over the target, so a crash mid-write leaves the old file or the new
 * one, never half of each (which would lose every other server's entry).
 */
async function writeFileAtomically(filePath: string, contents: string): Promise<void> {
  try {
    await writeFileAtomic(filePath, contents, 0o600);
  } catch (error) {
    throw new KeychainError('keychain_failed', `Could not write the token file ${filePath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function corrupted(filePath: string, what: string): KeychainError {
  return new KeychainError(
    'corrupt_store',
    `The token file ${filePath} is corrupted (${what}); it was left untouched. ` +
      'Move or delete it to start over; the servers it held will then ask for a new sign-in',
  );
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
