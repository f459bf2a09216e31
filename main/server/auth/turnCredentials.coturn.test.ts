import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coturnArgs } from '../../../test/support/coturn';
import { mintTurnCredentials, relaySecretText } from './turnCredentials';
import { freeUdpPort } from '../../../test/support/freePort';

/**
 * The scale-out promise (ARCHITECTURE.md): a coturn fleet with `use-auth-secret` accepts the credentials this
 * server mints. Checked against a real turnserver on loopback, allocating with coturn's own test client. Needs
 * coturn's binaries; skips with one line where they are not installed.
 */
const hasCoturn = ['turnserver', 'turnutils_uclient'].every(
  (binary) => spawnSync(binary, ['--help'], { stdio: 'ignore' }).error === undefined,
);
if (!hasCoturn) console.info('coturn interop skipped: turnserver/turnutils_uclient not installed');

const SECRET = relaySecretText(new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff));
const USER = '0190f0b4-7c2e-7a1b-8c3d-4e5f60718201';
const SESSION = 'c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5YWJj';
const now = () => Math.floor(Date.now() / 1000);

/** Resolves when `pattern` appears in the child's output; rejects on exit or timeout. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = pattern.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited before ${pattern}`));
    });
  });
}

describe.skipIf(!hasCoturn)('coturn accepts minted TURN credentials', () => {
  let server: ChildProcess;
  let port: number;
  let workDir: string;

  beforeAll(async () => {
    port = await freeUdpPort();
    workDir = mkdtempSync(join(tmpdir(), 'whoot-coturn-'));
    server = spawn(
      'turnserver',
      coturnArgs({ port, secret: SECRET, realm: 'whoot.test', workDir, allowLoopbackPeers: true, log: 'stdout' }),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitForOutput(server, /DB connection success/, 10_000);
  });

  afterAll(() => {
    server?.kill('SIGTERM');
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  /** Allocates with coturn's client and stops it as soon as the allocation succeeded or was refused. */
  async function allocates(username: string, credential: string): Promise<boolean> {
    const client = spawn(
      'turnutils_uclient',
      ['-y', '-c', '-n', '0', '-m', '1', '-u', username, '-w', credential, '-p', String(port), '127.0.0.1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const verdict = await waitForOutput(client, /Total connect time|Cannot complete Allocation/, 10_000);
      return verdict === 'Total connect time';
    } finally {
      client.kill('SIGTERM');
    }
  }

  function mint(overrides: { now?: number; sessionId?: string } = {}) {
    const result = mintTurnCredentials({ secret: SECRET, userId: USER, sessionId: SESSION, now: now(), ...overrides });
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  }

  it('allocates with freshly minted credentials', async () => {
    const { username, credential } = mint();
    expect(await allocates(username, credential)).toBe(true);
  });

  it('refuses a credential minted for another session', async () => {
    const { username } = mint();
    const other = mint({ sessionId: 'c2Vzc2lvbi1pZC0wMTIzNDU2Nzg5YWJk' });
    expect(await allocates(username, other.credential)).toBe(false);
  });

  it('refuses expired credentials', async () => {
    const { username, credential } = mint({ now: now() - 700 });
    expect(await allocates(username, credential)).toBe(false);
  });
});
