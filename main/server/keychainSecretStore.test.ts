import { describe, expect, it } from 'vitest';
import { keychainServiceFor } from '../../shared/identifiers';
import { REFRESH_TOKEN_ACCOUNT, selectKeychainStore, type KeytarApi } from '../session/keychainStore';
import { keychainSecretStore, keychainServiceForSecret } from './keychainSecretStore';
import { dataKeySet, generateDataKey, loadOrCreateDataKeys, secretStoreKeySource } from './store';
import { formatDataKeys } from './store/keyMaterial';

/** keytar's API over a Map, so the real keychain store (validation included) runs on top of it. */
function memoryKeytar() {
  const entries = new Map<string, string>();
  const api: KeytarApi = {
    getPassword: async (service, account) => entries.get(`${service}\n${account}`) ?? null,
    setPassword: async (service, account, password) => void entries.set(`${service}\n${account}`, password),
    deletePassword: async (service, account) => entries.delete(`${service}\n${account}`),
    findCredentials: async () => [],
  };
  return { entries, api };
}

describe('the SecretStore over the keychain store', () => {
  it('round-trips data key text (colons, commas, newlines, a comment) through one keychain entry', async () => {
    const keytar = memoryKeytar();
    const secrets = keychainSecretStore(await selectKeychainStore({ loadKeytar: async () => keytar.api }));
    const text = formatDataKeys(dataKeySet(generateDataKey(), [generateDataKey(new Date(0))]));
    expect(await secrets.get('whoot-server-data-keys')).toBeNull();
    await secrets.set('whoot-server-data-keys', text);
    expect(await secrets.get('whoot-server-data-keys')).toBe(text);

    const service = keychainServiceForSecret('whoot-server-data-keys');
    expect(service).toBe('whoot:whoot-server-data-keys:99999');
    expect([...keytar.entries.keys()]).toEqual([`${service}\n${REFRESH_TOKEN_ACCOUNT}`]);
    expect([...keytar.entries.values()][0]).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
  });

  it('is what the store uses for data keys in-app: created once, then the same key', async () => {
    const keytar = memoryKeytar();
    const secrets = keychainSecretStore(await selectKeychainStore({ loadKeytar: async () => keytar.api }));
    const first = await loadOrCreateDataKeys(secretStoreKeySource(secrets));
    const again = await loadOrCreateDataKeys(secretStoreKeySource(secrets));
    expect(again.current.id).toBe(first.current.id);
    expect(Buffer.from(again.current.material)).toEqual(Buffer.from(first.current.material));
  });

  it('can never share an entry with a server refresh token (no real server has port 99999)', () => {
    expect(keychainServiceForSecret('whoot-server-data-keys')).not.toBe(
      keychainServiceFor({ host: 'whoot-server-data-keys', port: 65535 }),
    );
    expect(() => keychainServiceForSecret('Bad Name')).toThrow(/not a keychain secret name/);
  });

  it('refuses an entry in another format and a value too large for one entry', async () => {
    const keytar = memoryKeytar();
    const secrets = keychainSecretStore(await selectKeychainStore({ loadKeytar: async () => keytar.api }));
    keytar.entries.set(`${keychainServiceForSecret('x')}\n${REFRESH_TOKEN_ACCOUNT}`, 'plain');
    await expect(secrets.get('x')).rejects.toThrow(/not in a format this version reads/);
    await expect(secrets.set('x', 'k'.repeat(2000))).rejects.toThrow(/too large for one keychain entry/);
  });
});
