import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_OK, type CliIo } from '../../main/server/cli/io';
import { runCli } from '../../main/server/cli/run';
import { EPHEMERAL_RELAY } from './serverHarness';

/** The CLI in this process with captured output, as `npm run server -- …` would run it from `cwd`. */
export function cliIo(cwd: string): { io: CliIo; lines: { out: string[]; err: string[] } } {
  const lines = { out: [] as string[], err: [] as string[] };
  const io: CliIo = {
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    env: {},
    cwd,
    readStdin: async () => '',
    waitForStop: () => new Promise(() => undefined),
  };
  return { io, lines };
}

/**
 * An organization's admin next to a running test server: a folder of their own holding the release key pair (made
 * by `release keygen`) and a config naming the server's data directory, and `publish` as the admin types it.
 */
export async function releaseAdmin(serverDataDir: string) {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-release-admin-'));
  const configFile = join(dir, 'whoot.server.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: serverDataDir,
      publicHost: '127.0.0.1',
      listen: { host: '127.0.0.1', port: 0 },
      relay: EPHEMERAL_RELAY,
    }),
  );
  const keygen = async (file: string) => {
    const made = cliIo(dir);
    const code = await runCli(['release', 'keygen', '--out', file], made.io);
    return { code, publicKey: made.lines.out[0] ?? '' };
  };
  const { publicKey } = await keygen('release-key.pem');
  const cli = async (...args: string[]) => {
    const { io, lines } = cliIo(dir);
    const code = await runCli(['--config', configFile, ...args], io);
    return { code, out: lines.out, err: lines.err.join('\n') };
  };
  /** Writes a random installer of that name into the admin's folder; answers its name. */
  const installer = (name: string, bytes = randomBytes(300_000)) => {
    writeFileSync(join(dir, name), bytes);
    return name;
  };
  /** Publishes a Linux installer of `version`; answers the release id (the first word the CLI prints). */
  const publish = async (version: string, options: { channel?: string; rollout?: number } = {}) => {
    const result = await cli(
      'release',
      'publish',
      '--channel',
      options.channel ?? 'stable',
      '--version',
      version,
      '--key',
      'release-key.pem',
      ...(options.rollout === undefined ? [] : ['--rollout', String(options.rollout)]),
      installer(`whoot-${version}.AppImage`),
    );
    if (result.code !== EXIT_OK) throw new Error(`release publish failed: ${result.err}`);
    return result.out[0]?.split(/\s+/)[0] ?? '';
  };
  return {
    dir,
    publicKey,
    keygen,
    cli,
    installer,
    publish,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
