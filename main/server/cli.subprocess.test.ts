import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasUnsafeCharacters } from '../../shared/plainText';
import { KEY_FILE_NAME, keyFileSource, openStore } from './store';

/** One real process, as an operator runs it from source: `npx tsx main/server/cli.ts --config <file> …`. */
const root = resolve(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'whoot-cli-process-'));
const config = join(dir, 'whoot.server.json');
writeFileSync(
  config,
  JSON.stringify({ dataDir: 'data', listen: { host: '127.0.0.1', port: 0 }, relay: { udpPort: 0, tcpPort: 0 } }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], input?: string) =>
  spawnSync(tsx, [join(root, 'main/server/cli.ts'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    ...(input === undefined ? {} : { input }),
  });

describe('the CLI as a process', () => {
  it('prints help and exits 0', () => {
    const result = run(['--config', config, '--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: node out/server/cli.cjs [--config FILE] [command]');
  });

  it('exits 2 with a clear message for an invalid config', () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ dataDir: 'data', listen: { port: 'x' } }));
    const result = run(['--config', 'bad.json', 'audit', 'verify']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^whoot: .*bad\.json: Invalid server configuration: listen\.port/);
  });

  it('refuses a name with terminal escapes, and prints one stored before the rule as visible escapes', async () => {
    const created = run(
      ['--config', config, 'create-workspace', 'team', 'Team', '--owner', 'ada@example.test', '--password-stdin'],
      'correct horse battery staple\n',
    );
    expect(created.status).toBe(0);
    const hostile = '\x1b[2J\x1b]0;pwned\x07Evil\u202Etxt\r\n';
    const refused = run(['--config', config, 'create-channel', 'team', hostile]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/must not contain control/);

    // A row from before names were checked, written past every schema.
    const keys = await keyFileSource(join(dir, 'data', KEY_FILE_NAME)).load();
    const store = await openStore({ file: join(dir, 'data', 'whoot.db'), keys: keys! });
    const workspace = await store.workspaces.bySlug('team');
    await store.forWorkspace(workspace!.id).channels.create({ name: hostile });
    await store.close();

    const listed = run(['--config', config, 'list-channels', 'team']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('\\x1B[2J\\x1B]0;pwned\\x07Evil\\u{202E}txt\\x0D\\x0A\n');
    // Apart from the line breaks and tabs of the output's own layout, nothing the name rule refuses gets printed.
    const printed = [refused.stdout, refused.stderr, listed.stdout, listed.stderr].join('\n').split(/[\n\t]/);
    expect(printed.filter(hasUnsafeCharacters)).toEqual([]);
    // Four processes, each starting tsx: slow on a busy machine, and nothing here waits on a clock.
  }, 120_000);
});
