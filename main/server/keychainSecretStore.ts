import { MAX_REFRESH_TOKEN_LENGTH, type KeychainStore } from '../session/keychainStore';
import type { SecretStore } from './store';

/**
 * The store's SecretStore (named secrets, used in-app for the server's data keys) over main/session's keychain
 * store, which keeps one entry per `whoot:{host}:{port}` service. A secret gets the service `whoot:{name}:99999`:
 * the pattern check accepts it, and no real server has port 99999, so it can never share an entry with a refresh
 * token. Values are stored as `v1.` + base64url of the text, because the entry accepts token characters only.
 */
const SECRET_PORT = 99999;
const FORMAT_PREFIX = 'v1.';
const namePattern = /^[a-z0-9-]{1,64}$/;

export function keychainServiceForSecret(name: string): string {
  if (!namePattern.test(name)) throw new Error(`"${name}" is not a keychain secret name (a-z, 0-9, -)`);
  return `whoot:${name}:${SECRET_PORT}`;
}

export function keychainSecretStore(keychain: KeychainStore): SecretStore {
  return {
    async get(name) {
      const stored = await keychain.getRefreshToken(keychainServiceForSecret(name));
      if (stored === null) return null;
      if (!stored.startsWith(FORMAT_PREFIX)) {
        throw new Error(`The keychain entry for ${name} is not in a format this version reads.`);
      }
      return Buffer.from(stored.slice(FORMAT_PREFIX.length), 'base64url').toString('utf8');
    },
    async set(name, value) {
      const encoded = `${FORMAT_PREFIX}${Buffer.from(value, 'utf8').toString('base64url')}`;
      if (encoded.length > MAX_REFRESH_TOKEN_LENGTH) {
        throw new Error(`${name} is too large for one keychain entry (${encoded.length} characters).`);
      }
      await keychain.setRefreshToken(keychainServiceForSecret(name), encoded);
    },
  };
}
