import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chooseDataKeySource,
  DATA_KEYS_ENV,
  environmentKeySource,
  keyFileSource,
  loadOrCreateDataKeys,
  secretStoreKeySource,
  type SecretStore,
} from './dataKeys';
import { DataKeyError, dataKeySet, formatDataKeys, generateDataKey, parseDataKeys } from './keyMaterial';
import { createStoreTestKit, type StoreTestKit } from './storeTestKit';

let kit: StoreTestKit;
beforeEach(() => {
  kit = createStoreTestKit();
});
afterEach(async () => {
  await kit.cleanup();
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const posixOnly = it.skipIf(process.platform === 'win32');

function memorySecretStore(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    async get(name) {
      return entries.get(name) ?? null;
    },
    async set(name, value) {
      entries.set(name, value);
    },
  };
}

describe('key text format', () => {
  it('round-trips, first entry current, and accepts id:base64 pairs separated by commas', () => {
    const keys = dataKeySet(kit.keyB, [kit.keyA]);
    const parsed = parseDataKeys(formatDataKeys(keys), 'test');
    expect(parsed.current.id).toBe(kit.keyB.id);
    expect(parsed.previous.map((key) => key.id)).toEqual([kit.keyA.id]);
    expect(Buffer.from(parsed.previous[0]!.material)).toEqual(Buffer.from(kit.keyA.material));

    const text = `${kit.keyA.id}:${b64(kit.keyA.material)}, ${kit.keyB.id}:${b64(kit.keyB.material)}`;
    expect(parseDataKeys(text, 'env').current.id).toBe(kit.keyA.id);
  });

  it('refuses malformed entries without repeating their text', () => {
    const short = `k1:${Buffer.alloc(16, 1).toString('base64')}`;
    for (const text of ['', 'nokey', short, 'bad.id:' + b64(kit.keyA.material), `${short},${short}`]) {
      const error = catching(() => parseDataKeys(text, 'WHOOT_DATA_KEYS'));
      expect(error).toBeInstanceOf(DataKeyError);
      if (text !== '') expect(error.message).not.toContain(text);
    }
    const twice = `${kit.keyA.id}:${b64(kit.keyA.material)},${kit.keyA.id}:${b64(kit.keyB.material)}`;
    expect(catching(() => parseDataKeys(twice, 'env')).message).toMatch(/same key id appears twice/);
  });
});

describe('environment variable source', () => {
  it('reads the keys, is read-only, and holds nothing when unset', async () => {
    const env = { [DATA_KEYS_ENV]: `${kit.keyA.id}:${b64(kit.keyA.material)}` };
    const source = environmentKeySource(env);
    expect((await source.load())?.current.id).toBe(kit.keyA.id);
    expect(source.save).toBeUndefined();
    expect(await environmentKeySource({}).load()).toBeNull();
    await expect(loadOrCreateDataKeys(environmentKeySource({}))).rejects.toThrow(/WHOOT_DATA_KEYS holds no data key/);
  });
});

describe('key file source', () => {
  posixOnly('creates the file 0600 on first start and reads the same key back', async () => {
    const file = join(kit.dir, 'keys', 'data-keys');
    const created = await loadOrCreateDataKeys(keyFileSource(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(kit.dir, 'keys')).mode & 0o777).toBe(0o700);
    const again = await loadOrCreateDataKeys(keyFileSource(file));
    expect(again.current.id).toBe(created.current.id);
    expect(Buffer.from(again.current.material)).toEqual(Buffer.from(created.current.material));
  });

  posixOnly('refuses a key file that group or others can read, with a message that says how to fix it', async () => {
    const file = join(kit.dir, 'data-keys');
    writeFileSync(file, formatDataKeys(dataKeySet(kit.keyA)), { mode: 0o600 });
    chmodSync(file, 0o644);
    const error = await keyFileSource(file)
      .load()
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(DataKeyError);
    expect((error as Error).message).toBe(
      `key file ${file} has mode 0644, so other accounts can read it; refusing to use it. Restrict it with: chmod 600 ${file}`,
    );
    chmodSync(file, 0o640);
    await expect(keyFileSource(file).load()).rejects.toThrow(/mode 0640/);
    chmodSync(file, 0o600);
    expect((await keyFileSource(file).load())?.current.id).toBe(kit.keyA.id);
  });

  posixOnly('refuses to follow a symbolic link', async () => {
    const target = join(kit.dir, 'elsewhere');
    writeFileSync(target, formatDataKeys(dataKeySet(kit.keyA)), { mode: 0o600 });
    const link = join(kit.dir, 'data-keys');
    symlinkSync(target, link);
    await expect(keyFileSource(link).load()).rejects.toThrow(/symbolic link/);
  });

  posixOnly('replaces the file atomically with 0600 when saving', async () => {
    const file = join(kit.dir, 'data-keys');
    const source = keyFileSource(file);
    await source.save!(dataKeySet(kit.keyA));
    await source.save!(dataKeySet(kit.keyB, [kit.keyA]));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`${kit.keyB.id}:`);
    expect((await source.load())?.previous.map((key) => key.id)).toEqual([kit.keyA.id]);
  });
});

describe('secret store source (the OS keychain in-app)', () => {
  it('creates a key in the keychain entry on first start and reads it back', async () => {
    const keychain = memorySecretStore();
    const created = await loadOrCreateDataKeys(secretStoreKeySource(keychain));
    expect([...keychain.entries.keys()]).toEqual(['whoot-server-data-keys']);
    expect((await loadOrCreateDataKeys(secretStoreKeySource(keychain))).current.id).toBe(created.current.id);
  });
});

describe('chooseDataKeySource', () => {
  it('prefers the keychain in-app, then the environment variable, then the key file', () => {
    const env = { [DATA_KEYS_ENV]: 'x' };
    expect(chooseDataKeySource({ dataDir: kit.dir, env, secretStore: memorySecretStore() }).description).toBe(
      'keychain entry whoot-server-data-keys',
    );
    expect(chooseDataKeySource({ dataDir: kit.dir, env }).description).toBe('environment variable WHOOT_DATA_KEYS');
    expect(chooseDataKeySource({ dataDir: kit.dir, env: {} }).description).toBe(
      `key file ${join(kit.dir, 'data-keys')}`,
    );
  });
});

describe('generateDataKey', () => {
  it('makes 32 random bytes under a dated, random id', () => {
    const key = generateDataKey(new Date(Date.UTC(2026, 10, 23)));
    expect(key.id).toMatch(/^20261123-[0-9a-f]{8}$/);
    expect(key.material).toHaveLength(32);
    expect(generateDataKey().id).not.toBe(generateDataKey().id);
  });
});

function catching(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
