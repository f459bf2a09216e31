import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/writeFileAtomic';
import { DataKeyError, formatDataKeys, generateDataKey, parseDataKeys, type DataKeySet } from './keyMaterial';

/**
 * Where the data keys live. Never next to the data in the database: a copied database file without its keys must
 * give away no secret. `save` is absent for sources the server cannot write (an environment variable).
 */
export interface DataKeySource {
  /** For error messages and logs: names the place, never the keys. */
  readonly description: string;
  load(): Promise<DataKeySet | null>;
  save?(keys: DataKeySet): Promise<void>;
}

/** The OS keychain as main/session exposes it; the store never imports keytar or electron itself. */
export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
}

export const DATA_KEYS_ENV = 'WHOOT_DATA_KEYS';
export const KEY_FILE_NAME = 'data-keys';
export const SECRET_STORE_ENTRY = 'whoot-server-data-keys';

/** Headless, for containers and secret managers that inject variables: `id:base64[,id:base64…]`, first current. */
export function environmentKeySource(
  env: Readonly<Record<string, string | undefined>> = process.env,
  name: string = DATA_KEYS_ENV,
): DataKeySource {
  const description = `environment variable ${name}`;
  return {
    description,
    async load() {
      const text = env[name];
      return text === undefined || text.trim() === '' ? null : parseDataKeys(text, description);
    },
  };
}

/**
 * Headless, without a secret manager: a file in the data directory, created 0600. A file that group or others may
 * read is refused rather than used, because a key that other accounts can read protects nothing, and a server that
 * starts anyway teaches nobody to fix it.
 */
export function keyFileSource(file: string): DataKeySource {
  const description = `key file ${file}`;
  return {
    description,
    async load() {
      const text = await readPrivateFile(file);
      return text === null ? null : parseDataKeys(text, description);
    },
    async save(keys) {
      await writePrivateFile(file, formatDataKeys(keys));
    },
  };
}

/** In the desktop app: the OS keychain (through main/session's keychain store), one entry per server. */
export function secretStoreKeySource(store: SecretStore, name: string = SECRET_STORE_ENTRY): DataKeySource {
  const description = `keychain entry ${name}`;
  return {
    description,
    async load() {
      const text = await store.get(name);
      return text === null ? null : parseDataKeys(text, description);
    },
    async save(keys) {
      await store.set(name, formatDataKeys(keys));
    },
  };
}

/** In-app the keychain; headless the environment variable when it is set, otherwise the key file. */
export function chooseDataKeySource(options: {
  readonly dataDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly secretStore?: SecretStore;
}): DataKeySource {
  if (options.secretStore !== undefined) return secretStoreKeySource(options.secretStore);
  const env = options.env ?? process.env;
  if ((env[DATA_KEYS_ENV] ?? '').trim() !== '') return environmentKeySource(env);
  return keyFileSource(join(options.dataDir, KEY_FILE_NAME));
}

/** The source's keys; on first start a writable source gets a fresh key, a read-only one is an error. */
export async function loadOrCreateDataKeys(source: DataKeySource, now: Date = new Date()): Promise<DataKeySet> {
  const keys = await source.load();
  if (keys !== null) return keys;
  if (source.save === undefined) throw new DataKeyError(`${source.description} holds no data key`);
  const created: DataKeySet = { current: generateDataKey(now), previous: [] };
  await source.save(created);
  return created;
}

async function readPrivateFile(file: string): Promise<string | null> {
  let handle;
  try {
    // O_NOFOLLOW: a symlink planted in the data directory must not redirect us to someone else's file.
    handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new DataKeyError(`key file ${file} is a symbolic link; refusing to follow it`);
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new DataKeyError(`key file ${file} is not a regular file`);
    // Windows has no POSIX mode bits; there the file inherits the data directory's ACL.
    if (process.platform !== 'win32') {
      if ((stats.mode & 0o077) !== 0) {
        const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
        throw new DataKeyError(
          `key file ${file} has mode ${mode}, so other accounts can read it; refusing to use it. ` +
            `Restrict it with: chmod 600 ${file}`,
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && stats.uid !== uid) {
        throw new DataKeyError(`key file ${file} belongs to another account (uid ${stats.uid}); refusing to use it`);
      }
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Write-to-temporary then rename: a crash mid-write leaves the old file, never a half-written key. */
function writePrivateFile(file: string, text: string): Promise<void> {
  return writeFileAtomic(file, text, 0o600);
}
