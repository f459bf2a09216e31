import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortKeyFingerprint } from '../../shared/serverTrust';
import { createPreferencesStore, MAX_JOINED_SERVERS } from '../settings/preferencesStore';
import { createServerTrust } from './serverTrust';

const PIN_A = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
const PIN_B = 'ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210_-edcba';
const server = { host: 'voice.example.org', port: 8443, spkiPin: PIN_A };

describe('server trust', () => {
  let dir: string;
  let filePath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-server-trust-'));
    filePath = join(dir, 'preferences.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const trustOverFile = () => createServerTrust({ preferences: createPreferencesStore({ filePath }) });

  it('shows the key fingerprint in short form: the pin’s first 16 characters in fours', () => {
    expect(shortKeyFingerprint(PIN_A)).toBe('AbCd EfGh IjKl MnOp');
  });

  it('trusts nothing at first, a confirmed server for this run, and a joined one across restarts', async () => {
    const trust = trustOverFile();
    expect(await trust.review(server)).toEqual({ ...server, fingerprint: 'AbCd EfGh IjKl MnOp', status: 'new' });
    expect(await trust.isTrusted(server)).toBe(false);
    trust.confirm(server);
    expect(await trust.isTrusted(server)).toBe(true);
    expect(await trust.review(server)).toMatchObject({ status: 'known' });
    // Confirmed is not joined: a restart before a successful sign-in asks again.
    expect(await trustOverFile().isTrusted(server)).toBe(false);

    expect(await trust.rememberJoined(server)).toEqual({ ok: true, value: undefined });
    const afterRestart = trustOverFile();
    expect(await afterRestart.isTrusted(server)).toBe(true);
    expect(JSON.parse(readFileSync(filePath, 'utf8')).joinedServers).toEqual([server]);
  });

  it('tells a new key for a joined host and port apart from a new server, and trusts it only once confirmed', async () => {
    await trustOverFile().rememberJoined(server);
    const trust = trustOverFile();
    const rekeyed = { ...server, spkiPin: PIN_B };
    expect(await trust.review(rekeyed)).toMatchObject({ status: 'key_changed', fingerprint: 'ZyXw VuTs RqPo NmLk' });
    expect(await trust.isTrusted(rekeyed)).toBe(false);
    expect(await trust.review({ ...server, port: 9443 })).toMatchObject({ status: 'new' });
    // Confirming one server trusts exactly that one: not its host on another port, nor another key.
    trust.confirm(rekeyed);
    expect(await trust.isTrusted({ ...rekeyed, port: 9443 })).toBe(false);
    // Signing in with the new key replaces the old one for that address.
    await trust.rememberJoined(rekeyed);
    expect(JSON.parse(readFileSync(filePath, 'utf8')).joinedServers).toEqual([rekeyed]);
    expect(await trustOverFile().isTrusted(server)).toBe(false);
  });

  it('keeps the most recent joined servers when the list is full', async () => {
    const trust = trustOverFile();
    for (let port = 1; port <= MAX_JOINED_SERVERS + 2; port += 1) await trust.rememberJoined({ ...server, port });
    const saved = JSON.parse(readFileSync(filePath, 'utf8')).joinedServers as { port: number }[];
    expect(saved).toHaveLength(MAX_JOINED_SERVERS);
    expect(saved[0]!.port).toBe(3);
    expect(await trustOverFile().isTrusted({ ...server, port: 1 })).toBe(false);
  });

  it('trusts nothing from a planted or damaged list: the file is set aside and the defaults apply', async () => {
    await createPreferencesStore({ filePath }).update('joinedServers', () => [server]);
    const valid = JSON.parse(readFileSync(filePath, 'utf8'));
    const planted = { host: 'evil.example/..', port: 443, spkiPin: PIN_B };
    writeFileSync(filePath, JSON.stringify({ ...valid, joinedServers: [server, planted] }));
    const trust = trustOverFile();
    expect(await trust.isTrusted(planted)).toBe(false);
    // One bad entry spoils the list: the file went aside whole, so even the good entry asks again.
    expect(await trust.review(server)).toMatchObject({ status: 'new' });
    expect(readdirSync(dir).some((name) => name.startsWith('preferences.json.corrupt-'))).toBe(true);
  });

  it('without a preferences file, remembers joined servers for the run only', async () => {
    const trust = createServerTrust({ preferences: null });
    await trust.rememberJoined(server);
    expect(await trust.isTrusted(server)).toBe(true);
    expect(await createServerTrust({ preferences: null }).isTrusted(server)).toBe(false);
  });
});
