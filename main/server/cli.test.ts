import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDeepLink } from '../../shared/deepLink';
import { hasUnsafeCharacters } from '../../shared/plainText';
import { spkiPinOf } from '../crypto/spkiPin';
import { verifyPassword } from './auth/passwordHashing';
import { DATABASE_FILE } from './store';
import { EXAMPLE_CONFIG, exampleConfigText } from './cli/configFile';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './cli/io';
import { runCli } from './cli/run';
import { parseServerConfig } from './config';
import { LOCK_FILE_NAME } from './dataDirLock';
import { startServer } from './serverApp';
import { EPHEMERAL_RELAY } from '../../test/support/serverHarness';
import {
  DATA_KEYS_ENV,
  KEY_FILE_NAME,
  dataKeySet,
  generateDataKey,
  keyFileSource,
  newId,
  openStore,
  type DataKeySet,
  type Store,
} from './store';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const PASSWORD = 'correct horse battery staple';

interface FakeIo extends CliIo {
  readonly lines: { out: string[]; err: string[] };
  stop(): void;
}

function fakeIo(options: { cwd: string; env?: Record<string, string>; stdin?: string }): FakeIo {
  const lines = { out: [] as string[], err: [] as string[] };
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = resolve;
  });
  return {
    lines,
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    env: options.env ?? {},
    cwd: options.cwd,
    readStdin: async () => options.stdin ?? '',
    waitForStop: () => stopped,
    stop: () => stop('SIGTERM'),
  };
}

let dir: string;
let configFile: string;
let dataDir: string;
const cleanups: (() => Promise<void> | void)[] = [];

function writeConfig(config: Record<string, unknown>, file = configFile) {
  writeFileSync(file, JSON.stringify(config));
}

const baseConfig = () => ({
  dataDir: 'data',
  listen: { host: '127.0.0.1', port: 0 },
  publicHost: 'voice.example.test',
  publicPort: 9443,
  relay: EPHEMERAL_RELAY,
});

/** Runs the CLI in this process with the temp config, like `node out/server/cli.cjs --config <file> …args`. */
async function cli(args: string[], options: { stdin?: string; env?: Record<string, string>; now?: number } = {}) {
  const io = fakeIo({ cwd: dir, ...options });
  const code = await runCli(['--config', configFile, ...args], io, { now: () => options.now ?? Date.now() });
  return { code, out: io.lines.out.join('\n'), err: io.lines.err.join('\n') };
}

async function bootstrap(slug = 'team') {
  const created = await cli(['create-workspace', slug, 'The Team', '--owner', 'ada@example.test', '--password-stdin'], {
    stdin: `${PASSWORD}\n`,
  });
  expect(created).toMatchObject({ code: EXIT_OK });
}

async function keysOnDisk(): Promise<DataKeySet> {
  const keys = await keyFileSource(join(dataDir, KEY_FILE_NAME)).load();
  if (keys === null) throw new Error('no key file');
  return keys;
}

async function openDirect(keys?: DataKeySet): Promise<Store> {
  const store = await openStore({ file: join(dataDir, DATABASE_FILE), keys: keys ?? (await keysOnDisk()) });
  cleanups.push(() => store.close());
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-cli-'));
  configFile = join(dir, 'whoot.server.json');
  dataDir = join(dir, 'data');
  writeConfig(baseConfig());
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('usage and configuration', () => {
  it('prints help without needing a config', async () => {
    const io = fakeIo({ cwd: dir });
    expect(await runCli(['--help'], io)).toBe(EXIT_OK);
    expect(io.lines.out.join('\n')).toMatch(
      /invite <workspace>[\s\S]*create-workspace[\s\S]*rotate-key[\s\S]*audit verify/,
    );
    expect(await runCli(['help'], fakeIo({ cwd: dir }))).toBe(EXIT_OK);
  });

  it.each([
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['invite'], /Usage: invite <workspace>/],
    [['invite', 'team', 'extra'], /Usage: invite <workspace>/],
    [['audit'], /Usage: audit verify/],
    [['invite', 'team', '--owner', 'x@example.test'], /--owner does not go with invite/],
    [['rotate-key', '--max-uses', '2'], /--max-uses does not go with rotate-key/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['create-workspace', 'team'], /Usage: create-workspace/],
  ])('refuses %j with exit 2 and a pointer to --help', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(message);
  });

  it('exits 2 with an example config when no config file is found', async () => {
    const io = fakeIo({ cwd: dir });
    rmSync(configFile);
    expect(await runCli(['invite', 'team'], io)).toBe(EXIT_USAGE);
    const message = io.lines.err.join('\n');
    expect(message).toContain(`no whoot.server.json in ${dir}`);
    expect(message).toContain(exampleConfigText());

    const named = fakeIo({ cwd: dir });
    expect(await runCli(['--config', 'missing.json', 'serve'], named)).toBe(EXIT_USAGE);
    expect(named.lines.err.join('\n')).toContain(`The config file ${join(dir, 'missing.json')} does not exist`);
  });

  it('offers an example config that is itself valid', () => {
    expect(JSON.parse(exampleConfigText())).toEqual(EXAMPLE_CONFIG);
    expect(() => parseServerConfig(EXAMPLE_CONFIG)).not.toThrow();
  });

  it('finds ./whoot.server.json without --config', async () => {
    await bootstrap();
    const io = fakeIo({ cwd: dir });
    expect(await runCli(['audit', 'verify'], io)).toBe(EXIT_OK);
  });

  it.each([
    ['not JSON', '{ "dataDir": ', /not valid JSON/],
    ['an unknown key', JSON.stringify({ dataDir: 'd', bogus: 1 }), /Unrecognized key: "bogus"/],
    ['a bad port', JSON.stringify({ dataDir: 'd', listen: { host: '127.0.0.1', port: 70000 } }), /listen\.port/],
    ['no dataDir', JSON.stringify({}), /dataDir/],
  ])('exits 2 naming the file and the fault for %s', async (_what, text, message) => {
    writeFileSync(configFile, text);
    const result = await cli(['audit', 'verify']);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toContain(configFile);
    expect(result.err).toMatch(message);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('does not create a server where the config points at no data', async () => {
    for (const command of [['invite', 'team'], ['audit', 'verify'], ['rotate-key']]) {
      const result = await cli(command);
      expect(result.code).toBe(EXIT_FAILED);
      expect(result.err).toContain(`There is no server data in ${dataDir}`);
    }
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(false);
  });
});

describe('create-workspace', () => {
  it('creates the owner account from a password on stdin, then the workspace', async () => {
    const result = await cli(
      [
        'create-workspace',
        'team',
        'The Team',
        '--owner',
        'Ada@Example.test',
        '--password-stdin',
        '--display-name',
        'Ada',
      ],
      { stdin: `${PASSWORD}\r\nignored second line\n` },
    );
    expect(result.code).toBe(EXIT_OK);
    expect(result.out).toContain('Created workspace team (The Team)');
    expect(result.out).toContain(`--config ${configFile} invite team`);
    expect(result.out + result.err).not.toContain(PASSWORD);

    const store = await openDirect();
    const user = await store.users.byEmail('ada@example.test');
    expect(user).toMatchObject({ displayName: 'Ada', serverOwner: true });
    expect(await verifyPassword(user!.passwordHash, PASSWORD)).toBe(true);
    const workspace = await store.workspaces.bySlug('team');
    expect(workspace?.name).toBe('The Team');
    expect(await store.forWorkspace(workspace!.id).members.get(user!.id)).toMatchObject({ role: 'owner' });
    expect((await store.audit.since(0, 10)).map((entry) => entry.type)).toEqual([
      'account.created',
      'workspace.created',
    ]);
  });

  it('uses an existing account, and refuses a taken address', async () => {
    await bootstrap('team');
    const second = await cli(['create-workspace', 'other', 'Other', '--owner', 'ada@example.test']);
    expect(second.code).toBe(EXIT_OK);
    const taken = await cli(['create-workspace', 'team', 'Again', '--owner', 'ada@example.test']);
    expect(taken).toMatchObject({ code: EXIT_FAILED, err: expect.stringContaining('team is taken') });
  });

  it('explains how to create a missing owner account', async () => {
    const result = await cli(['create-workspace', 'team', 'The Team', '--owner', 'nobody@example.test']);
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.err).toMatch(/No account uses nobody@example\.test[\s\S]*--password-stdin/);
  });

  it.each([
    [['create-workspace', 'Team!', 'x', '--owner', 'a@example.test'], /workspace address/],
    [['create-workspace', 'team', '   ', '--owner', 'a@example.test'], /workspace name/],
    [['create-workspace', 'team', 'x', '--owner', 'not-an-email'], /--owner/],
    [['create-workspace', 'team', 'x'], /needs --owner/],
  ])('refuses bad input %j with exit 2', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(message);
  });

  it('refuses a short password from stdin without creating anything', async () => {
    const result = await cli(['create-workspace', 'team', 'x', '--owner', 'a@example.test', '--password-stdin'], {
      stdin: 'short\n',
    });
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(/at least 8 characters/);
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(false);
  });
});

/** The lines of a channel listing (id, kind, relay-only or direct, name: tab-separated), and their fields after the id. */
const channelLines = (out: string) => out.split('\n').filter((line) => /^[0-9a-f-]{36}\t/.test(line));
const fields = (line: string) => line.split('\t').slice(1);
/** Channels made in the same millisecond list in either order. */
const byName = <T extends readonly unknown[]>(rows: T[]) =>
  [...rows].sort((a, b) => String(a.at(-1)).localeCompare(String(b.at(-1))));

describe('default channels, create-channel and list-channels', () => {
  it('gives a new workspace a text channel and a voice channel, and prints them', async () => {
    const created = await cli(
      ['create-workspace', 'team', 'The Team', '--owner', 'ada@example.test', '--password-stdin'],
      {
        stdin: `${PASSWORD}\n`,
      },
    );
    expect(created.code).toBe(EXIT_OK);
    expect(channelLines(created.out).map(fields)).toEqual([
      ['text', 'relay-only', 'general'],
      ['voice', 'relay-only', 'Lounge'],
    ]);
    const store = await openDirect();
    const workspace = await store.workspaces.bySlug('team');
    const channels = await store.forWorkspace(workspace!.id).channels.list();
    expect(byName(channels.map((c) => [c.kind, c.relayOnly, c.name]))).toEqual([
      ['text', true, 'general'],
      ['voice', true, 'Lounge'],
    ]);
    const audit = await store.audit.since(0, 10);
    expect(audit.find((entry) => entry.type === 'workspace.created')?.details).toEqual({ via: 'cli', channels: 2 });
  });

  it('uses the defaultChannels of the config, none when it is empty', async () => {
    writeConfig({ ...baseConfig(), defaultChannels: [{ name: 'Standup', kind: 'voice', relayOnly: false }] });
    await bootstrap('team');
    expect(channelLines((await cli(['list-channels', 'team'])).out).map(fields)).toEqual([
      ['voice', 'direct', 'Standup'],
    ]);
    writeConfig({ ...baseConfig(), defaultChannels: [] });
    expect((await cli(['create-workspace', 'bare', 'Bare', '--owner', 'ada@example.test'])).code).toBe(EXIT_OK);
    const listed = await cli(['list-channels', 'bare']);
    expect(listed).toMatchObject({ code: EXIT_OK, out: '', err: expect.stringContaining('has no channels') });
  });

  it('refuses a config whose default channel breaks the create-channel rules', async () => {
    writeConfig({ ...baseConfig(), defaultChannels: [{ name: 'bad\u001b[31m', kind: 'voice' }] });
    const result = await cli(['list-channels', 'team']);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(/defaultChannels\.0\.name: must not contain control/);
  });

  it('creates channels of either kind, relay-only unless --direct, and lists them', async () => {
    await bootstrap('team');
    const voice = await cli(['create-channel', 'team', 'Design review']);
    expect(voice.code).toBe(EXIT_OK);
    expect(voice.out).toMatch(/^[0-9a-f-]{36}\tvoice\trelay-only\tDesign review$/);
    const text = await cli(['create-channel', 'team', 'notes', '--kind', 'text', '--direct']);
    expect(fields(text.out)).toEqual(['text', 'direct', 'notes']);
    const listed = channelLines((await cli(['list-channels', 'team'])).out).map((l) => fields(l)[2]);
    expect(listed.slice(2)).toEqual(['Design review', 'notes']);
    // What the CLI made is what members see through the API.
    const server = await startServer({ ...baseConfig(), dataDir }, { env: {}, log: () => undefined });
    cleanups.push(() => server.close());
    const workspace = await server.store.workspaces.bySlug('team');
    const stored = await server.store.forWorkspace(workspace!.id).channels.list();
    // Recorded as the API records it: webhooks deliver it, apps that reconnect receive it.
    const events = await server.store.forWorkspace(workspace!.id).events.since(0, 10);
    expect(events.map((e) => [e.type, (e.payload as { channel: { name: string } }).channel.name])).toEqual([
      ['channel.created', 'Design review'],
      ['channel.created', 'notes'],
    ]);
    expect(byName(stored.map((c) => [c.kind, c.relayOnly, c.name]))).toEqual([
      ['voice', true, 'Design review'],
      ['text', true, 'general'],
      ['voice', true, 'Lounge'],
      ['text', false, 'notes'],
    ]);
  });

  it.each([
    [['create-channel', 'team', ''], /Invalid channel: name/],
    [['create-channel', 'team', 'x'.repeat(65)], /Invalid channel: name/],
    [['create-channel', 'team', 'Voice', '--kind', 'video'], /Invalid channel: kind/],
    [['create-channel', 'Team!', 'Voice'], /workspace address/],
    [['create-channel', 'team'], /Usage: create-channel/],
    [['list-channels'], /Usage: list-channels/],
    [['list-channels', 'team', '--kind', 'text'], /--kind does not go with list-channels/],
  ])('refuses %j with exit 2, adding nothing', async (args, message) => {
    await bootstrap('team');
    const result = await cli(args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(message);
    expect(channelLines((await cli(['list-channels', 'team'])).out)).toHaveLength(2);
  });

  it('exits 1 for a workspace that does not exist', async () => {
    await bootstrap('team');
    for (const args of [
      ['create-channel', 'nope', 'Voice'],
      ['list-channels', 'nope'],
    ]) {
      expect(await cli(args)).toMatchObject({ code: EXIT_FAILED, err: expect.stringContaining('No workspace') });
    }
  });
});

describe('names that would reach a terminal', () => {
  const ESC = '\x1b';
  const hostile = `${ESC}[2J${ESC}]0;pwned\u0007Evil\u202Etxt.exe\u200B\r\nline`;

  it.each([
    ['create-workspace', ['create-workspace', 'evil', hostile, '--owner', 'ada@example.test']],
    ['create-channel', ['create-channel', 'team', hostile]],
    ['create-channel (bidi only)', ['create-channel', 'team', 'Lounge\u202E']],
    ['create-channel (zero-width only)', ['create-channel', 'team', 'Lou\u200Bnge']],
  ])('%s refuses the name with exit 2 and stores nothing', async (_what, args) => {
    await bootstrap('team');
    const store = await openDirect();
    const workspace = await store.workspaces.bySlug('team');
    const before = await store.forWorkspace(workspace!.id).channels.list();
    const result = await cli(args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(/must not contain control, formatting \(bidi, zero-width\) or line break characters/);
    expect(result.out + result.err).not.toContain(ESC);
    expect(await store.workspaces.bySlug('evil')).toBeUndefined();
    expect(await store.forWorkspace(workspace!.id).channels.list()).toEqual(before);
  });

  it('prints names stored before the rule escaped: invite and list-channels', async () => {
    await bootstrap('team');
    // Rows written before names were checked: straight into the store, past every schema.
    const store = await openDirect();
    const workspace = await store.workspaces.bySlug('team');
    const owner = await store.users.byEmail('ada@example.test');
    const old = await store.workspaces.create({ slug: 'old', name: hostile, ownerUserId: owner!.id });
    expect(old.ok).toBe(true);
    await store.forWorkspace(workspace!.id).channels.create({ name: hostile, kind: 'voice' });

    const escaped = '\\x1B[2J\\x1B]0;pwned\\x07Evil\\u{202E}txt.exe\\u{200B}\\x0D\\x0Aline';
    const invite = await cli(['invite', 'old']);
    expect(invite.code).toBe(EXIT_OK);
    expect(invite.err).toContain(`Invite to ${escaped} (old)`);
    const listed = await cli(['list-channels', 'team']);
    expect(fields(listed.out.split('\n').at(-1) ?? '')).toEqual(['voice', 'relay-only', escaped]);
    // Apart from the line breaks and tabs of the output's own layout, nothing the name rule refuses gets printed.
    const printed = [invite.out, invite.err, listed.out, listed.err].join('\n').split(/[\n\t]/);
    expect(printed.filter(hasUnsafeCharacters)).toEqual([]);
  });
});

describe('invite', () => {
  it('prints a link that parses, names the public host and port, and pins the running server key', async () => {
    await bootstrap();
    // The CLI runs beside a live server on the same data directory, without binding its port.
    const server = await startServer({ ...baseConfig(), dataDir }, { env: {}, log: () => undefined });
    cleanups.push(() => server.close());

    const now = Date.now();
    const result = await cli(['invite', 'team', '--max-uses', '3', '--ttl-hours', '2'], { now });
    expect(result.code).toBe(EXIT_OK);
    expect(result.out.split('\n')).toHaveLength(1);
    expect(result.err).toContain(`up to 3 uses, valid until ${new Date(now + 2 * 3600_000).toISOString()}`);
    const parsed = parseDeepLink(result.out);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.invite).toMatchObject({ host: 'voice.example.test', port: 9443, spkiPin: server.spkiPin });

    // The pin is the key the server really presents on the wire.
    const presented = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
        resolve(spkiPinOf(socket.getPeerX509Certificate()!.raw));
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(parsed.value.invite.spkiPin).toBe(presented);

    // And the code is a real invite: three people can use it, the fourth cannot.
    const workspace = await server.store.workspaces.bySlug('team');
    const invites = await server.store.forWorkspace(workspace!.id).invites.list();
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({ maxUses: 3, role: 'member', expiresAt: now + 2 * 3600_000 });
    const outcomes = [];
    for (let i = 0; i < 4; i += 1) {
      const user = await server.store.users.create({
        email: `u${i}@example.test`,
        displayName: 'U',
        passwordHash: 'h',
      });
      outcomes.push((await server.store.invites.redeem(parsed.value.invite.code, user.ok ? user.value.id : '')).ok);
    }
    expect(outcomes).toEqual([true, true, true, false]);
  });

  it('pins the same key before the server has ever started, and after it starts', async () => {
    await bootstrap();
    const first = parseDeepLink((await cli(['invite', 'team'])).out);
    const server = await startServer({ ...baseConfig(), dataDir }, { env: {}, log: () => undefined });
    cleanups.push(() => server.close());
    expect(first.ok && first.value.invite.spkiPin).toBe(server.spkiPin);
  });

  it('falls back to listen.port, and refuses port 0 without publicPort', async () => {
    await bootstrap();
    writeConfig({ ...baseConfig(), publicPort: undefined, listen: { host: '127.0.0.1', port: 8555 } });
    const link = parseDeepLink((await cli(['invite', 'team'])).out);
    expect(link.ok && link.value.invite.port).toBe(8555);
    writeConfig({ ...baseConfig(), publicPort: undefined });
    const refused = await cli(['invite', 'team']);
    expect(refused).toMatchObject({ code: EXIT_USAGE, err: expect.stringContaining('set publicPort') });
  });

  it.each([
    [['invite', 'team', '--max-uses', '0'], /--max-uses/],
    [['invite', 'team', '--max-uses', '1.5'], /--max-uses/],
    [['invite', 'team', '--max-uses', '1001'], /--max-uses/],
    [['invite', 'team', '--ttl-hours', 'soon'], /--ttl-hours/],
    [['invite', 'team', '--ttl-hours', '721'], /--ttl-hours/],
    [['invite', 'Not_A_Slug'], /workspace address/],
  ])('refuses %j with exit 2', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.err).toMatch(message);
  });

  it('exits 1 for a workspace that does not exist, printing no link', async () => {
    await bootstrap();
    const result = await cli(['invite', 'nope']);
    expect(result).toMatchObject({ code: EXIT_FAILED, out: '' });
    expect(result.err).toContain('No workspace with the address nope');
  });
});

describe('rotate-key', () => {
  async function seedSealedValues() {
    const store = await openDirect();
    const user = await store.users.byEmail('ada@example.test');
    const secret = randomBytes(32);
    const sessionId = newId();
    await store.sessions.create({
      id: sessionId,
      userId: user!.id,
      secret,
      refreshTokenHash: randomBytes(16).toString('hex'),
      idleExpiresAt: Date.now() + 3600_000,
      absoluteExpiresAt: Date.now() + 86_400_000,
    });
    const seed = randomBytes(20);
    await store.users.setTotpSeed(user!.id, seed);
    const relay = Buffer.from(await store.secrets.relaySecret());
    const before = await store.dataKeys.usage();
    await store.close();
    return { userId: user!.id, sessionId, secret, seed, relay, before };
  }

  it('re-seals every value under a new key, keeps them readable, and retires the old key', async () => {
    await bootstrap();
    const oldKeys = await keysOnDisk();
    const seeded = await seedSealedValues();
    expect(seeded.before.every((usage) => usage.keyId === oldKeys.current.id)).toBe(true);
    expect(seeded.before.reduce((sum, usage) => sum + usage.values, 0)).toBe(3);

    const result = await cli(['rotate-key']);
    expect(result.code).toBe(EXIT_OK);
    expect(result.out).toMatch(/Re-encrypted 3 values under key \S+ \(\d+ batch(es)?\)/);
    for (const column of ['users.totp_seed: 1', 'sessions.secret: 1', 'server_secrets.value: 1']) {
      expect(result.out).toContain(column);
    }
    expect(result.out).toContain(`Retired keys no value uses any more: ${oldKeys.current.id}.`);
    expect(result.out + result.err).not.toContain(Buffer.from(oldKeys.current.material).toString('base64url'));

    const newKeys = await keysOnDisk();
    expect(newKeys.current.id).not.toBe(oldKeys.current.id);
    expect(newKeys.previous).toEqual([]);
    const store = await openDirect(newKeys);
    const after = await store.dataKeys.usage();
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((usage) => usage.keyId === newKeys.current.id)).toBe(true);
    expect(Buffer.from((await store.sessions.getLive(seeded.sessionId))!.secret)).toEqual(seeded.secret);
    expect(Buffer.from((await store.users.totpSeed(seeded.userId))!)).toEqual(seeded.seed);
    expect(Buffer.from(await store.secrets.relaySecret())).toEqual(seeded.relay);
  });

  it('with WHOOT_DATA_KEYS re-seals under the key put first and names the ids to drop', async () => {
    const oldKey = generateDataKey(new Date(T0));
    const text = (keys: DataKeySet) =>
      [keys.current, ...keys.previous].map((k) => `${k.id}:${Buffer.from(k.material).toString('base64url')}`).join(',');
    const env = { [DATA_KEYS_ENV]: text(dataKeySet(oldKey)) };
    const created = await cli(['create-workspace', 'team', 'T', '--owner', 'a@example.test', '--password-stdin'], {
      stdin: PASSWORD,
      env,
    });
    expect(created.code).toBe(EXIT_OK);
    expect(existsSync(join(dataDir, KEY_FILE_NAME))).toBe(false);

    const newKey = generateDataKey(new Date(T0 + 86_400_000));
    const rotated = await cli(['rotate-key'], { env: { [DATA_KEYS_ENV]: text(dataKeySet(newKey, [oldKey])) } });
    expect(rotated.code).toBe(EXIT_OK);
    expect(rotated.out).toContain(`remove them from environment variable ${DATA_KEYS_ENV}: ${oldKey.id}.`);
    const store = await openDirect(dataKeySet(newKey));
    expect((await store.dataKeys.usage()).every((usage) => usage.keyId === newKey.id)).toBe(true);
  });

  it('refuses while another live process holds the data directory', async () => {
    await bootstrap();
    const before = await keysOnDisk();
    // The parent of this test process is alive and is not us: it stands in for a running server.
    writeFileSync(
      join(dataDir, LOCK_FILE_NAME),
      JSON.stringify({ pid: process.ppid, purpose: 'server', since: '2026-01-01T00:00:00Z' }),
    );
    const result = await cli(['rotate-key']);
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.err).toContain(`is in use by process ${process.ppid} (server`);
    expect((await keysOnDisk()).current.id).toBe(before.current.id);
  });
});

describe('audit verify', () => {
  it('prints the entry count and head, then exits 1 naming the first tampered entry', async () => {
    await bootstrap();
    await cli(['invite', 'team']);
    const store = await openDirect();
    const head = await store.audit.head();
    await store.close();

    const ok = await cli(['audit', 'verify']);
    expect(ok.code).toBe(EXIT_OK);
    expect(ok.out).toContain('Audit log intact: 3 entries.');
    expect(ok.out).toContain(`Head: seq ${head.seq} hash ${head.hash}`);

    // An attacker with write access to the file: drop the append-only triggers and rewrite entry 2.
    const raw = new Database(join(dataDir, DATABASE_FILE));
    raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    raw.prepare("UPDATE audit_log SET type = 'innocent' WHERE seq = 2").run();
    raw.close();

    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(EXIT_FAILED);
    expect(broken.err).toContain('Audit log broken at seq 2');
    expect(broken.err).toContain('hash_mismatch');
    expect(broken.out).toBe('');
  });
});

describe('serve', () => {
  it('starts, holds the data directory lock, and stops cleanly on a stop signal', async () => {
    const io = fakeIo({ cwd: dir });
    const exit = runCli(['--config', configFile, 'serve'], io);
    const ready = async () => {
      for (let i = 0; i < 200; i += 1) {
        const line = io.lines.err.find((l) => l.startsWith('whoot server ready'));
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`server did not start: ${io.lines.err.join('\n')}`);
    };
    const line = await ready();
    expect(line).toMatch(/clients connect to voice\.example\.test:9443 and pin [A-Za-z0-9_-]{43}$/);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);
    const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(io.lines.err.join('\n'))?.[1]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        socket.end();
        resolve();
      });
      socket.on('error', reject);
    });

    io.stop();
    expect(await exit).toBe(EXIT_OK);
    expect(io.lines.err).toContain('stopped');
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve('connected'));
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    // The key file the server made on first start is private.
    expect(readFileSync(join(dataDir, KEY_FILE_NAME), 'utf8')).toMatch(/^# whoot data keys/);
    if (process.platform !== 'win32') expect(statSync(join(dataDir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
  });

  it('refuses to start a second server on the same data directory', async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify({ pid: process.ppid, purpose: 'server', since: 'x' }));
    const result = await cli(['serve']);
    expect(result.code).toBe(EXIT_FAILED);
    expect(result.err).toContain('is in use by process');
  });
});
