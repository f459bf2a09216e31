import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpAndIn, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { generateSessionId } from '../auth/sessionTokens';
import { relaySecretText } from '../auth/turnCredentials';
import { createMintedTurnTestClient } from './testing/turnTestClient';

/**
 * `npm run relay` as an operator runs it, as a process, wired to a real server by --feed-url and --feed-pin: the
 * wiring in relayCli.ts (not only the modules it uses) must refuse a credential for a session the server never
 * issued, and allocate for a real one.
 */
const root = resolve(import.meta.dirname, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');

for (const workers of [1, 2]) describe(`npm run relay -- --workers ${workers}`, () => relayWith(workers));

function relayWith(workers: number) {
  let server: TestServer;
  let secret: string;
  let relay: ChildProcess;
  let udpPort: number;
  const stdout: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ relay: { enabled: false } });
    secret = relaySecretText(await server.server.store.secrets.relaySecret());
    const address = server.address();
    relay = spawn(
      tsx,
      [
        join(root, 'main/server/turn/relayCli.ts'),
        ...['--listen-ip', '127.0.0.1', '--udp-port', '0', '--tcp-port', 'off', '--relay-ip', '127.0.0.1'],
        ...['--min-port', '40000', '--max-port', '60000', '--nonce-ttl', '120'],
        ...['--feed-url', `https://127.0.0.1:${address.port}`, '--feed-pin', address.spkiPin],
        ...['--workers', String(workers)],
      ],
      { env: { ...process.env, WHOOT_RELAY_SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Ready when it says where it listens: a line on its pipe, however long a busy machine takes to get there.
    const lines = createInterface({ input: relay.stdout! });
    lines.on('line', (line) => stdout.push(line));
    const listening = new Promise<number>((found, failed) => {
      lines.on('line', (line) => {
        const match = /listening: udp 127\.0\.0\.1:(\d+)/.exec(line);
        if (match) found(Number(match[1]));
      });
      relay.once('exit', (code) => failed(new Error(`the relay exited (${code}): ${stdout.join('\n')}`)));
    });
    udpPort = await listening;
  }, 120_000);

  afterAll(async () => {
    if (relay.exitCode === null) {
      const exited = once(relay, 'exit');
      relay.kill('SIGTERM');
      await exited;
    }
    await server?.close();
  });

  async function allocateAs(userId: string, sessionId: string) {
    const client = await createMintedTurnTestClient({
      server: { host: '127.0.0.1', port: udpPort },
      secret,
      userId,
      sessionId,
      timeoutMs: 10_000,
    });
    try {
      return await client.allocate();
    } finally {
      await client.close();
    }
  }

  describe('npm run relay with a revocation feed', () => {
    it('refuses a session the server never issued, allocates for a real one, and counts both', async () => {
      expect(stdout.join('\n')).toContain('sessions checked with, and revocations polled from, 127.0.0.1:');
      expect(stdout.join('\n')).toContain(`${workers} worker`);
      expect((await allocateAs(randomUUID(), generateSessionId())).answer.errorCode).toBe(401);
      const ada = await signUpAndIn(server.server);
      expect((await allocateAs(ada.user.id, ada.grant.id)).relayed).not.toBeNull();

      // On SIGTERM it prints its counters and exits 0.
      const exited = once(relay, 'exit');
      relay.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      const statsLine = stdout.find((line) => line.includes('[whoot relay] stats '));
      const stats = JSON.parse(statsLine!.slice(statsLine!.indexOf('{'))) as {
        allocations: { created: number };
        refusals: Record<string, number>;
      };
      expect(stats.allocations.created).toBe(1);
      expect(stats.refusals.revoked_session).toBe(1);
    }, 180_000);
  });
}
