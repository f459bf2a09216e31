import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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

const run = (args: string[]) =>
  spawnSync(tsx, [join(root, 'main/server/cli.ts'), ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });

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
});
