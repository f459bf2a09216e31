/**
 * Runs against a real Secret Service (gnome-keyring on a private D-Bus session, started by test/with-keyring.sh
 * through `npm run test:keychain`), with the real keytar: nothing here is mocked.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainServiceFor } from '../../shared/identifiers';
import { KeychainError, REFRESH_TOKEN_ACCOUNT, selectKeychainStore, type SafeStorageApi } from './keychainStore';
import { createKeytarStore } from './keychainStore.keytar';

const runId = randomBytes(6).toString('hex');
const used = new Set<string>();
/** A fresh service per test and run, so a leftover from an aborted run can never make a test pass. */
function uniqueService(label: string): string {
  const service = keychainServiceFor({ host: `${label}-${runId}.keychain-test.invalid`, port: 8443 });
  used.add(service);
  return service;
}
const newToken = () => randomBytes(32).toString('base64url');

/** Present only so that selection has a fallback to prefer keytar over; it never encrypts anything here. */
const unusedSafeStorage: SafeStorageApi = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: () => {
    throw new Error('the keychain suite never stores through safeStorage');
  },
  decryptString: () => {
    throw new Error('the keychain suite never stores through safeStorage');
  },
};

let dir: string;

beforeAll(async () => {
  if (!process.env['DBUS_SESSION_BUS_ADDRESS']) {
    throw new Error('No D-Bus session: run this suite with `npm run test:keychain` (test/with-keyring.sh)');
  }
  dir = await mkdtemp(join(tmpdir(), 'whoot-keychain-'));
});

afterAll(async () => {
  for (const service of used) {
    for (const { account } of await keytar.findCredentials(service)) await keytar.deletePassword(service, account);
  }
  await rm(dir, { recursive: true, force: true });
});

// This describe must stay first: libsecret keeps its bus connection once it has one, so a broken bus can only be
// shown before any other test has connected.
describe('selectKeychainStore without a reachable Secret Service', () => {
  it('falls back to safeStorage when the real keytar cannot reach D-Bus', async () => {
    const realBus = process.env['DBUS_SESSION_BUS_ADDRESS'];
    process.env['DBUS_SESSION_BUS_ADDRESS'] = `unix:path=${join(tmpdir(), `no-such-bus-${runId}`)}`;
    const log: string[] = [];
    try {
      const store = await selectKeychainStore({
        safeStorageFallback: { safeStorage: unusedSafeStorage, filePath: join(dir, 'refresh-tokens.json') },
        platform: 'linux',
        log: (message) => log.push(message),
      });
      expect(store.kind).toBe('safeStorage');
      expect(log.join('\n')).toMatch(/OS keychain \(keytar\)/);
    } finally {
      process.env['DBUS_SESSION_BUS_ADDRESS'] = realBus;
    }
  });
});

describe('keytar keychain store on a real Secret Service', () => {
  const store = createKeytarStore();

  it('answers the probe', async () => {
    await expect(store.probe(5000)).resolves.toBeUndefined();
  });

  it('round-trips a token under the service and the fixed account', async () => {
    const service = uniqueService('roundtrip');
    const token = newToken();
    expect(await store.getRefreshToken(service)).toBeNull();

    await store.setRefreshToken(service, token);
    expect(await store.getRefreshToken(service)).toBe(token);
    // Read back with keytar itself: one entry for this server, under the documented account name.
    expect(await keytar.findCredentials(service)).toEqual([{ account: REFRESH_TOKEN_ACCOUNT, password: token }]);

    const replacement = newToken();
    await store.setRefreshToken(service, replacement);
    expect(await store.getRefreshToken(service)).toBe(replacement);
    expect(await keytar.findCredentials(service)).toHaveLength(1);

    expect(await store.deleteRefreshToken(service)).toBe(true);
    expect(await store.getRefreshToken(service)).toBeNull();
    expect(await keytar.findCredentials(service)).toEqual([]);
  });

  it('keeps two servers apart', async () => {
    const first = uniqueService('first');
    const second = uniqueService('second');
    const firstToken = newToken();
    const secondToken = newToken();
    await store.setRefreshToken(first, firstToken);
    await store.setRefreshToken(second, secondToken);
    expect(await store.getRefreshToken(first)).toBe(firstToken);
    expect(await store.getRefreshToken(second)).toBe(secondToken);

    expect(await store.deleteRefreshToken(first)).toBe(true);
    expect(await store.getRefreshToken(first)).toBeNull();
    expect(await store.getRefreshToken(second)).toBe(secondToken);
    expect(await store.deleteRefreshToken(second)).toBe(true);
  });

  it('returns false when deleting an entry that does not exist', async () => {
    expect(await store.deleteRefreshToken(uniqueService('missing'))).toBe(false);
  });

  it('rejects invalid services and tokens with a KeychainError and stores nothing', async () => {
    const service = uniqueService('invalid');
    for (const bad of ['', 'example.com:443', 'whoot:Example.com:443', 'whoot:example.com', 'whoot:a b:1']) {
      await expect(store.setRefreshToken(bad, newToken())).rejects.toMatchObject({ code: 'invalid_service' });
      await expect(store.getRefreshToken(bad)).rejects.toMatchObject({ code: 'invalid_service' });
      await expect(store.deleteRefreshToken(bad)).rejects.toMatchObject({ code: 'invalid_service' });
    }
    const secretLooking = 'not a token but secret';
    for (const bad of ['', secretLooking, 'x'.repeat(4096), 'line\nbreak']) {
      const error = await store.setRefreshToken(service, bad).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(KeychainError);
      expect(error).toMatchObject({ code: 'invalid_token' });
      expect((error as Error).message).not.toContain(secretLooking);
    }
    expect(await keytar.findCredentials(service)).toEqual([]);
  });

  it('refuses to hand out a malformed value that something else stored under our service', async () => {
    const service = uniqueService('malformed');
    await keytar.setPassword(service, REFRESH_TOKEN_ACCOUNT, 'not a refresh token');
    const error = await store.getRefreshToken(service).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'corrupt_store' });
    expect((error as Error).message).not.toContain('not a refresh token');
    expect(await store.deleteRefreshToken(service)).toBe(true);
  });
});

describe('selectKeychainStore with a Secret Service running', () => {
  it('picks keytar over the safeStorage fallback, and the chosen store works', async () => {
    const store = await selectKeychainStore({
      safeStorageFallback: { safeStorage: unusedSafeStorage, filePath: join(dir, 'refresh-tokens.json') },
      platform: 'linux',
    });
    expect(store.kind).toBe('keytar');

    const service = uniqueService('selected');
    const token = newToken();
    await store.setRefreshToken(service, token);
    expect(await store.getRefreshToken(service)).toBe(token);
    expect(await store.deleteRefreshToken(service)).toBe(true);
  });
});
