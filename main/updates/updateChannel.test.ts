import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ManagedPolicy } from '../../shared/managedPolicy';
import type { UpdateStatus } from '../../shared/updates';
import { signUpAndIn, startTestServer, type TestServer } from '../../test/support/serverHarness';
import { createEventSink } from '../ipc/eventSink';
import { EXIT_OK } from '../server/cli/io';
import { releaseAdmin } from '../../test/support/releaseAdmin';
import { createServerApi } from '../session/apiClient';
import { CredentialVault } from '../session/credentialVault';
import { createRequestSigner } from '../session/requestSigner';
import { createSignedCalls } from '../session/signedCalls';
import { createUpdateService } from './updateService';
import { createUpdateStateStore } from './updateState';

/**
 * The signed update channel end to end on this machine: the admin's CLI makes the key and publishes into a real
 * server's store, the real server answers over real TLS, and the app's verifying half (no Electron) checks what it
 * is offered. Each refusal must reach the status the About page shows, with its reason.
 */

describe('signed update channel', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof releaseAdmin>>;
  let publicKey: string;
  let otherKey: string;
  const api = createServerApi({ timeoutMs: 60_000 });
  const cli = (...args: string[]) => admin.cli(...args);
  const installer = (name: string) => admin.installer(name);
  const publish = (version: string, options: { channel?: string; rollout?: number } = {}) =>
    admin.publish(version, options);

  beforeAll(async () => {
    server = await startTestServer();
    admin = await releaseAdmin(server.dataDir);
    publicKey = admin.publicKey;
    otherKey = (await admin.keygen('other-key.pem')).publicKey;
  });
  afterAll(async () => {
    await server.close();
    admin.remove();
  });

  let stateDir: string;
  let events: UpdateStatus[];
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'whoot-update-state-'));
    events = [];
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  /** The app's update service, signed in to `address` (the test server unless another is given). */
  async function app(
    policy: ManagedPolicy,
    options: { version?: string; address?: ReturnType<TestServer['address']> } = {},
  ) {
    const client = await signUpAndIn(server.server);
    const vault = new CredentialVault();
    vault.establish({
      server: options.address ?? server.address(),
      sessionId: client.grant.id,
      sessionSecret: Buffer.from(client.grant.secret, 'base64url'),
      user: client.user,
      workspaces: [],
    });
    const calls = createSignedCalls({ vault, api, signer: createRequestSigner({ vault }) });
    return createUpdateService({
      calls,
      api,
      policy,
      currentVersion: options.version ?? '1.0.0',
      platform: 'linux',
      state: createUpdateStateStore({ filePath: join(stateDir, 'updates.json') }),
      events: createEventSink((_channel, payload) => events.push(payload as UpdateStatus)),
    });
  }
  const trusting = (extra: ManagedPolicy = {}): ManagedPolicy => ({ releasePublicKey: publicKey, ...extra });

  it('makes a key pair: the private key 0600 and never overwritten, the public key for the policy', async () => {
    expect(publicKey).toMatch(/^ed25519:[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(admin.dir, 'release-key.pem')).mode & 0o777).toBe(0o600);
    expect((await admin.keygen('release-key.pem')).code).not.toBe(EXIT_OK);
  });

  it('refuses a release key kept in the server data directory', async () => {
    writeFileSync(join(server.dataDir, 'release-key.pem'), readFileSync(join(admin.dir, 'release-key.pem')));
    const result = await cli(
      'release',
      'publish',
      '--channel',
      'stable',
      '--version',
      '9.9.9',
      '--key',
      join(server.dataDir, 'release-key.pem'),
      installer('x.AppImage'),
    );
    expect(result.code).not.toBe(EXIT_OK);
    expect(result.err).toMatch(/keep the release key off the server/);
    rmSync(join(server.dataDir, 'release-key.pem'));
  });

  it('offers a good release, downloads it over the pinned connection and verifies it', async () => {
    await publish('1.1.0');
    const updates = await app(trusting());
    const status = await updates.check();
    expect(status.lastCheck).toMatchObject({ outcome: 'available', reason: null, offeredVersion: '1.1.0' });
    expect(events.at(-1)?.lastCheck?.outcome).toBe('available');
    const downloaded = await updates.download(join(stateDir, 'pending'));
    expect(downloaded.ok).toBe(true);
    if (!downloaded.ok) return;
    expect(readFileSync(downloaded.value.path).equals(readFileSync(join(admin.dir, 'whoot-1.1.0.AppImage')))).toBe(
      true,
    );
    expect((await updates.status()).lastCheck?.outcome).toBe('downloaded');
    expect(await updates.verifyDownloaded(downloaded.value.path)).toBe(true);
  });

  it('says updates are off without a release key in the policy', async () => {
    const status = await (await app({})).check();
    expect(status.lastCheck).toMatchObject({ outcome: 'not_configured' });
    expect(status.lastCheck?.message).toMatch(/releasePublicKey/);
  });

  it('refuses a feed signed with another key', async () => {
    const status = await (await app({ releasePublicKey: otherKey })).check();
    expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'bad_signature' });
    expect(status.lastCheck?.message).toMatch(/not signed with your organization's release key/);
    expect(events.at(-1)?.lastCheck?.reason).toBe('bad_signature');
  });

  // These two change the server's data behind its back, which the test reaches in its SQLite file and release folder.
  const sqliteStore = process.env['WHOOT_TEST_STORE'] !== 'postgres';

  it.runIf(sqliteStore)('refuses a feed the server changed after it was signed', async () => {
    const id = await publish('1.2.0');
    const db = new Database(join(server.dataDir, 'whoot.db'));
    const feed = (db.prepare('SELECT feed FROM releases WHERE id = ?').get(id) as { feed: string }).feed;
    db.prepare('UPDATE releases SET feed = ? WHERE id = ?').run(feed.replace('version: 1.2.0', 'version: 1.2.1'), id);
    db.close();
    const status = await (await app(trusting())).check();
    expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'bad_signature' });
    await cli('release', 'pause', id);
  });

  it.runIf(sqliteStore)('refuses an installer whose bytes differ from the signed feed, and deletes it', async () => {
    const id = await publish('1.3.0');
    const release = await server.server.store.releases.get(id);
    const stored = join(server.dataDir, 'releases', release?.files[0]?.id ?? '');
    const size = statSync(stored).size;
    writeFileSync(stored, randomBytes(size));
    const updates = await app(trusting());
    expect((await updates.check()).lastCheck?.outcome).toBe('available');
    const downloaded = await updates.download(join(stateDir, 'pending'));
    expect(!downloaded.ok && downloaded.error.code).toBe('hash_mismatch');
    const status = await updates.status();
    expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'hash_mismatch', offeredVersion: '1.3.0' });
    expect(readdirSync(join(stateDir, 'pending'))).toEqual([]);
    await cli('release', 'pause', id);
  });

  it('refuses a lower version than the one running', async () => {
    const status = await (await app(trusting(), { version: '5.0.0' })).check();
    expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'downgrade' });
    expect(status.lastCheck?.message).toMatch(/go back to 1\.1\.0 from 5\.0\.0/);
  });

  it.runIf(sqliteStore)(
    'refuses a feed for a channel the policy does not allow, even served under an allowed one',
    async () => {
      const id = await publish('1.4.0', { channel: 'beta' });
      // A server that answers the stable channel with the signed beta feed.
      const db = new Database(join(server.dataDir, 'whoot.db'));
      db.prepare("UPDATE releases SET channel = 'stable', serial = serial + 1000000 WHERE id = ?").run(id);
      db.close();
      const status = await (await app(trusting())).check();
      expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'channel_not_allowed' });
      expect(status.lastCheck?.message).toMatch(/"beta" channel/);
      await cli('release', 'pause', id);
    },
  );

  it('refuses an older feed offered again after a newer one was accepted (a replay)', async () => {
    const updates = await app(trusting());
    expect((await updates.check()).lastCheck?.offeredVersion).toBe('1.1.0');
    const newer = await publish('1.5.0');
    expect((await updates.check()).lastCheck).toMatchObject({ outcome: 'available', offeredVersion: '1.5.0' });
    // The server goes back to offering 1.1.0's feed: correctly signed, but older than what this app accepted.
    await cli('release', 'pause', newer);
    const status = await updates.check();
    expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'replayed_feed' });
    expect(updates.accepted()).toBeNull();
  });

  it('refuses to reach a server whose key is not the pinned one, before any request is sent', async () => {
    const impostor = await startTestServer();
    try {
      const status = await (
        await app(trusting(), { address: { ...server.address(), port: impostor.server.port } })
      ).check();
      expect(status.lastCheck).toMatchObject({ outcome: 'refused', reason: 'server_key_mismatch' });
    } finally {
      await impostor.close();
    }
  });

  it('offers a staged release only to the installations its rollout includes', async () => {
    const id = await publish('1.6.0', { rollout: 0 });
    const updates = await app(trusting());
    expect((await updates.check()).lastCheck?.offeredVersion).toBe('1.1.0');
    expect(await cli('release', 'rollout', id, '100')).toMatchObject({ code: EXIT_OK });
    expect((await updates.check()).lastCheck?.offeredVersion).toBe('1.6.0');
    const listed = await cli('release', 'list', '--channel', 'stable');
    expect(listed.out.join('\n')).toMatch(
      new RegExp(`${id}\\s+stable-linux\\.yml\\s+1\\.6\\.0\\s+serial \\d+\\s+rollout 100%`),
    );
    expect(existsSync(join(server.dataDir, 'release-key.pem'))).toBe(false);
  });
});
