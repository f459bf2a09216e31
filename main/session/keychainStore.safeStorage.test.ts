import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainServiceFor } from '../../shared/identifiers';
import {
  assertValidService,
  KeychainError,
  MAX_REFRESH_TOKEN_LENGTH,
  selectKeychainStore,
  type KeytarApi,
} from './keychainStore';
import { createSafeStorageStore, type SafeStorageApi } from './keychainStore.safeStorage';

/**
 * No Electron binary exists on the machines that run these tests, so this stands in for Electron's safeStorage
 * with real AES-256-GCM from node:crypto (random key per instance, random IV per message). It lets the tests check
 * what really reaches the disk: ciphertext, never the token.
 */
class AesGcmSafeStorage implements SafeStorageApi {
  private readonly key = randomBytes(32);
  available = true;
  backend = 'gnome_libsecret';

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decryptString(encrypted: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, encrypted.subarray(0, 12));
    decipher.setAuthTag(encrypted.subarray(12, 28));
    return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
  }

  getSelectedStorageBackend(): string {
    return this.backend;
  }
}

const serviceA = keychainServiceFor({ host: 'voice.example.com', port: 8443 });
const serviceB = keychainServiceFor({ host: '192.0.2.10', port: 443 });
const tokenA = 'rt_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6';
const tokenB = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX2J5dGVz';

let dir: string;
let filePath: string;
let safeStorage: AesGcmSafeStorage;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'whoot-safestorage-'));
  filePath = join(dir, 'userData', 'refresh-tokens.json');
  safeStorage = new AesGcmSafeStorage();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const linuxStore = () => createSafeStorageStore({ safeStorage, filePath, platform: 'linux' });

async function expectKeychainError(promise: Promise<unknown>, code: string, secret?: string): Promise<KeychainError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a KeychainError ${code}, but the call succeeded`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeychainError);
  expect(error).toMatchObject({ code });
  if (secret !== undefined) expect(String((error as Error).message)).not.toContain(secret);
  return error as KeychainError;
}

describe('safeStorage keychain store: storing', () => {
  it('round-trips a token, reports absence as null and deletes once', async () => {
    const store = linuxStore();
    expect(store.kind).toBe('safeStorage');
    expect(await store.getRefreshToken(serviceA)).toBeNull();

    await store.setRefreshToken(serviceA, tokenA);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenA);

    // A second store on the same file (the next app start) reads what the first wrote.
    expect(await linuxStore().getRefreshToken(serviceA)).toBe(tokenA);

    await store.setRefreshToken(serviceA, tokenB);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenB);

    expect(await store.deleteRefreshToken(serviceA)).toBe(true);
    expect(await store.getRefreshToken(serviceA)).toBeNull();
    expect(await store.deleteRefreshToken(serviceA)).toBe(false);
  });

  it('keeps one entry per server: a second server does not overwrite the first', async () => {
    const store = linuxStore();
    await store.setRefreshToken(serviceA, tokenA);
    await store.setRefreshToken(serviceB, tokenB);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenA);
    expect(await store.getRefreshToken(serviceB)).toBe(tokenB);

    expect(await store.deleteRefreshToken(serviceA)).toBe(true);
    expect(await store.getRefreshToken(serviceB)).toBe(tokenB);
  });

  it('keeps every entry when several servers store at the same time', async () => {
    const store = linuxStore();
    const services = Array.from({ length: 8 }, (_, i) => keychainServiceFor({ host: `s${i}.example.org`, port: 443 }));
    await Promise.all(services.map((service, i) => store.setRefreshToken(service, `${tokenA}${i}`)));
    for (const [i, service] of services.entries()) expect(await store.getRefreshToken(service)).toBe(`${tokenA}${i}`);
  });

  it('never writes the token in plaintext, and writes the file with mode 0600 and no temp files left', async () => {
    const store = linuxStore();
    await store.setRefreshToken(serviceA, tokenA);
    await store.setRefreshToken(serviceB, tokenB);

    const bytes = await readFile(filePath);
    for (const token of [tokenA, tokenB]) {
      expect(bytes.includes(Buffer.from(token, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(token, 'utf8').toString('base64'))).toBe(false);
      expect(bytes.includes(Buffer.from(token, 'utf16le'))).toBe(false);
    }
    // The file is the documented JSON map: service -> base64 ciphertext.
    const json = JSON.parse(bytes.toString('utf8')) as { version: number; entries: Record<string, string> };
    expect(json.version).toBe(1);
    expect(Object.keys(json.entries).sort()).toEqual([serviceA, serviceB].sort());

    if (process.platform !== 'win32') {
      expect((await stat(filePath)).mode & 0o777).toBe(0o600);
    }
    expect(await readdir(join(dir, 'userData'))).toEqual(['refresh-tokens.json']);
  });

  it('works on platforms where Electron reports no storage backend (macOS, Windows)', async () => {
    safeStorage.backend = 'basic_text'; // must not matter: the backend check is for Linux only
    const store = createSafeStorageStore({ safeStorage, filePath, platform: 'darwin' });
    await store.setRefreshToken(serviceA, tokenA);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenA);
  });
});

describe('safeStorage keychain store: refusing', () => {
  it('refuses when encryption is unavailable, and writes no file', async () => {
    safeStorage.available = false;
    const store = linuxStore();
    expect(() => store.assertEncryptionUsable()).toThrow(KeychainError);
    await expectKeychainError(store.setRefreshToken(serviceA, tokenA), 'encryption_unavailable', tokenA);
    await expectKeychainError(store.getRefreshToken(serviceA), 'encryption_unavailable');
    expect(existsSync(filePath)).toBe(false);
    expect(existsSync(join(dir, 'userData'))).toBe(false);
  });

  it.each(['basic_text', 'unknown'])(
    'refuses the Linux backend %s (a built-in password is not encryption), and writes no file',
    async (backend) => {
      safeStorage.backend = backend;
      const store = linuxStore();
      const error = await expectKeychainError(store.setRefreshToken(serviceA, tokenA), 'insecure_backend', tokenA);
      expect(error.message).toContain(backend);
      expect(existsSync(filePath)).toBe(false);
    },
  );

  it('refuses on Linux when safeStorage cannot name its backend (it might be basic_text)', async () => {
    const withoutBackend: SafeStorageApi = {
      isEncryptionAvailable: () => true,
      encryptString: (plainText) => safeStorage.encryptString(plainText),
      decryptString: (encrypted) => safeStorage.decryptString(encrypted),
    };
    const store = createSafeStorageStore({ safeStorage: withoutBackend, filePath, platform: 'linux' });
    await expectKeychainError(store.setRefreshToken(serviceA, tokenA), 'insecure_backend', tokenA);
    expect(existsSync(filePath)).toBe(false);
  });

  it('leaves an existing file byte-for-byte unchanged when it refuses', async () => {
    await linuxStore().setRefreshToken(serviceA, tokenA);
    const before = await readFile(filePath);
    const mtimeBefore = (await stat(filePath)).mtimeMs;

    safeStorage.backend = 'basic_text';
    await expectKeychainError(linuxStore().setRefreshToken(serviceB, tokenB), 'insecure_backend', tokenB);
    safeStorage.backend = 'gnome_libsecret';
    safeStorage.available = false;
    await expectKeychainError(linuxStore().setRefreshToken(serviceA, tokenB), 'encryption_unavailable', tokenB);

    expect(await readFile(filePath)).toEqual(before);
    expect((await stat(filePath)).mtimeMs).toBe(mtimeBefore);
    expect(await readdir(join(dir, 'userData'))).toEqual(['refresh-tokens.json']);
  });

  it('still deletes on sign-out when the OS key has become unavailable', async () => {
    await linuxStore().setRefreshToken(serviceA, tokenA);
    await linuxStore().setRefreshToken(serviceB, tokenB);
    safeStorage.available = false;
    expect(await linuxStore().deleteRefreshToken(serviceA)).toBe(true);
    safeStorage.available = true;
    expect(await linuxStore().getRefreshToken(serviceA)).toBeNull();
    expect(await linuxStore().getRefreshToken(serviceB)).toBe(tokenB);
  });
});

describe('safeStorage keychain store: damaged files', () => {
  it.each([
    ['not JSON', '{"version":1,"entries":{'],
    ['a wrong shape', '{"version":2,"entries":{}}'],
    ['a bad service name', '{"version":1,"entries":{"not a service":"AAAA"}}'],
    ['a value that is not base64', '{"version":1,"entries":{"whoot:a.example:1":"**"}}'],
    ['an empty file', ''],
  ])('reports a file with %s clearly, for every operation, and leaves it untouched', async (_what, contents) => {
    await linuxStore().setRefreshToken(serviceA, tokenA); // creates the directory
    await writeFile(filePath, contents, { mode: 0o600 });
    const store = linuxStore();
    const error = await expectKeychainError(store.getRefreshToken(serviceA), 'corrupt_store');
    expect(error.message).toContain(filePath);
    await expectKeychainError(store.setRefreshToken(serviceB, tokenB), 'corrupt_store', tokenB);
    await expectKeychainError(store.deleteRefreshToken(serviceA), 'corrupt_store');
    expect(await readFile(filePath, 'utf8')).toBe(contents);
  });

  it('loses no other entry when one ciphertext is damaged or was made with another key', async () => {
    const store = linuxStore();
    await store.setRefreshToken(serviceA, tokenA);
    await store.setRefreshToken(serviceB, tokenB);

    const json = JSON.parse(await readFile(filePath, 'utf8')) as { version: 1; entries: Record<string, string> };
    const damaged = Buffer.from(json.entries[serviceA] ?? '', 'base64');
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] ?? 0) ^ 0xff;
    json.entries[serviceA] = damaged.toString('base64');
    await writeFile(filePath, JSON.stringify(json));

    await expectKeychainError(store.getRefreshToken(serviceA), 'corrupt_store');
    expect(await store.getRefreshToken(serviceB)).toBe(tokenB);

    const serviceC = keychainServiceFor({ host: 'third.example.net', port: 9000 });
    await store.setRefreshToken(serviceC, tokenA);
    expect(await store.getRefreshToken(serviceB)).toBe(tokenB);
    expect(await store.getRefreshToken(serviceC)).toBe(tokenA);

    // Signing in again replaces only the damaged entry.
    await store.setRefreshToken(serviceA, tokenA);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenA);

    // A new OS key (another machine, a reset keyring) cannot read the old entries, and says so.
    safeStorage = new AesGcmSafeStorage();
    await expectKeychainError(linuxStore().getRefreshToken(serviceB), 'corrupt_store');
  });
});

describe('keychain store input validation', () => {
  it('accepts what keychainServiceFor builds, including IPv6 literals', () => {
    for (const host of ['example.com', 'a-b.example.co.uk', '10.0.0.1', '::1', 'fe80::1']) {
      expect(() => assertValidService(keychainServiceFor({ host, port: 65535 }))).not.toThrow();
    }
  });

  it.each([
    ['empty', ''],
    ['without the whoot prefix', 'example.com:443'],
    ['without a port', 'whoot:example.com'],
    ['upper case', 'whoot:Example.com:443'],
    ['with a path', 'whoot:example.com/x:443'],
    ['with whitespace', 'whoot:example.com :443'],
    ['with a newline', 'whoot:example.com:443\n'],
    ['too long', `whoot:${'a'.repeat(300)}:443`],
    ['not a string', 42],
  ])('rejects a service %s before touching the disk', async (_what, service) => {
    const store = linuxStore();
    await expectKeychainError(store.setRefreshToken(service as string, tokenA), 'invalid_service', tokenA);
    await expectKeychainError(store.getRefreshToken(service as string), 'invalid_service');
    await expectKeychainError(store.deleteRefreshToken(service as string), 'invalid_service');
    expect(existsSync(filePath)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['too long', 'a'.repeat(MAX_REFRESH_TOKEN_LENGTH + 1)],
    ['with a space', 'abc def'],
    ['with a newline', 'abcdef\n'],
    ['with a control character', 'abc\u0000def'],
    ['non-ASCII', 'tökén'],
    ['not a string', null],
  ])('rejects a token %s without echoing it', async (_what, token) => {
    const error = await expectKeychainError(
      linuxStore().setRefreshToken(serviceA, token as string),
      'invalid_token',
      typeof token === 'string' && token.length > 0 ? token : undefined,
    );
    expect(error.message).toMatch(/refresh token/);
    expect(existsSync(filePath)).toBe(false);
  });

  it('accepts a token of exactly the maximum length', async () => {
    const store = linuxStore();
    const longest = 'A'.repeat(MAX_REFRESH_TOKEN_LENGTH);
    await store.setRefreshToken(serviceA, longest);
    expect(await store.getRefreshToken(serviceA)).toBe(longest);
  });

  it('does not echo a token passed by mistake as the service', async () => {
    await expectKeychainError(linuxStore().getRefreshToken(tokenA), 'invalid_service', tokenA);
  });
});

/** A keytar stand-in: these tests are about choosing a store, the real keytar is exercised by the keychain suite. */
function fakeKeytar(findCredentials: KeytarApi['findCredentials']): () => Promise<KeytarApi> {
  const unused = () => Promise.reject(new Error('not used by the probe'));
  return () => Promise.resolve({ findCredentials, getPassword: unused, setPassword: unused, deletePassword: unused });
}

describe('selectKeychainStore fallback', () => {
  it('falls back to safeStorage when the keytar module cannot be loaded', async () => {
    const log: string[] = [];
    const store = await selectKeychainStore({
      loadKeytar: () => Promise.reject(new Error('Cannot find module keytar.node')),
      safeStorageFallback: { safeStorage, filePath },
      platform: 'linux',
      log: (message) => log.push(message),
    });
    expect(store.kind).toBe('safeStorage');
    expect(log.join('\n')).toMatch(/keytar native module could not be loaded/);
    await store.setRefreshToken(serviceA, tokenA);
    expect(await store.getRefreshToken(serviceA)).toBe(tokenA);
  });

  it('falls back when the Secret Service does not answer in time', async () => {
    const started = Date.now();
    const store = await selectKeychainStore({
      loadKeytar: fakeKeytar(() => new Promise(() => undefined)),
      probeTimeoutMs: 100,
      safeStorageFallback: { safeStorage, filePath },
      platform: 'linux',
    });
    expect(store.kind).toBe('safeStorage');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('uses keytar when its probe answers', async () => {
    const store = await selectKeychainStore({
      loadKeytar: fakeKeytar(() => Promise.resolve([])),
      safeStorageFallback: { safeStorage, filePath },
    });
    expect(store.kind).toBe('keytar');
  });

  it('throws a clear error, and writes nothing, when neither store is secure', async () => {
    safeStorage.backend = 'basic_text';
    const error = await expectKeychainError(
      selectKeychainStore({
        loadKeytar: fakeKeytar(() => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'))),
        safeStorageFallback: { safeStorage, filePath },
        platform: 'linux',
      }),
      'no_secure_storage',
    );
    expect(error.message).toMatch(/No secure storage/);
    expect(error.message).toMatch(/D-Bus/);
    expect(error.message).toMatch(/basic_text/);
    expect(existsSync(filePath)).toBe(false);
  });

  it('never falls back to anything when no safeStorage is offered', async () => {
    await expectKeychainError(
      selectKeychainStore({ loadKeytar: () => Promise.reject(new Error('missing')) }),
      'no_secure_storage',
    );
  });
});
