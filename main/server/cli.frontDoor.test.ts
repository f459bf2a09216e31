import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './cli/io';
import { runCli } from './cli/run';

/** `front-door <file>`: the HAProxy configuration an operator puts in front of the nodes, checked before printed. */
describe('front-door', () => {
  let dir: string;
  const lines = { out: [] as string[], err: [] as string[] };
  const io = (): CliIo => ({
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    env: {},
    cwd: dir,
    readStdin: async () => '',
    waitForStop: () => new Promise(() => undefined),
  });
  const write = (value: unknown) => writeFileSync(join(dir, 'front-door.json'), JSON.stringify(value));
  const nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, host: `10.0.0.1${i}`, port: 8443 }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-front-door-'));
    lines.out.length = 0;
    lines.err.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a configuration HAProxy accepted: TCP, every node checked on /v1/ready over TLS', async () => {
    write({ bind: { host: '0.0.0.0', port: 443 }, nodes });
    expect(await runCli(['front-door', 'front-door.json'], io())).toBe(EXIT_OK);
    const text = lines.out.join('\n');
    expect(text).toContain('    mode tcp');
    expect(text).toContain('    bind 0.0.0.0:443');
    for (const node of nodes) expect(text).toContain(`    server ${node.name} ${node.host}:8443`);
    expect(text).toContain('http-check send meth GET uri /v1/ready');
    expect(lines.err).toEqual([]);
  });

  it('refuses a file that would put its own words into haproxy.cfg, and prints nothing', async () => {
    write({ bind: { host: '0.0.0.0', port: 443 }, nodes: [{ name: 'node1\n    stats enable', host: 'a', port: 1 }] });
    expect(await runCli(['front-door', 'front-door.json'], io())).toBe(EXIT_USAGE);
    expect(lines.out).toEqual([]);
    expect(lines.err.join('\n')).toMatch(/front-door\.json: .*name/);
  });

  it('refuses a missing or malformed file, and a call without one', async () => {
    expect(await runCli(['front-door', 'absent.json'], io())).toBe(EXIT_USAGE);
    writeFileSync(join(dir, 'broken.json'), '{"bind":');
    expect(await runCli(['front-door', 'broken.json'], io())).toBe(EXIT_USAGE);
    expect(await runCli(['front-door'], io())).toBe(EXIT_USAGE);
    expect(lines.out).toEqual([]);
  });
});
