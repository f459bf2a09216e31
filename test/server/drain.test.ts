import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { WS_CLOSE_CODES } from '../../shared/ws';
import { connectSocket } from '../support/rawServerClient';
import { ON_ONE_NODE, startTestServer, twoMembersInChannel, type TestServer } from '../support/serverHarness';

/**
 * Graceful drain, as a load balancer and the clients of a node being shut down see it: readiness says 503 at once,
 * new connections are refused (the balancer sends them elsewhere), requests already under way finish with their
 * connection closed behind them, and WSS clients are told to reconnect elsewhere (4005). The process exits 0.
 */

const open: TestServer[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});

/** A TLS connection that has sent `head` of a request and waits for the test to send the rest. */
async function partialRequest(port: number, head: string): Promise<{ socket: TLSSocket; response: Promise<string> }> {
  const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise<void>((done, fail) => {
    socket.once('secureConnect', () => done());
    socket.once('error', fail);
  });
  const response = new Promise<string>((done) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('close', () => done(text));
  });
  socket.write(head);
  return { socket, response };
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

// One node's own drain, and its process's exit: the cluster target's drain through HAProxy is frontDoor.test.ts's.
describe.skipIf(!ON_ONE_NODE)('graceful drain', () => {
  it('says 503 at once, refuses new connections, finishes the request in flight and sends WSS clients elsewhere', async () => {
    const t = await startTestServer();
    open.push(t);
    const { owner, workspace } = await twoMembersInChannel(t.server);
    const { socket: ws } = await connectSocket(t.server, owner, workspace.id);

    // A sign-in whose body is still on its way when the drain begins: in flight.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not the password' });
    const inFlight = await partialRequest(
      t.server.port,
      `POST /v1/auth/sign-in HTTP/1.1\r\nHost: whoot\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    // A probe whose request line arrived, its headers not yet: it is answered after the drain began.
    const probe = await partialRequest(t.server.port, 'GET /v1/ready HTTP/1.1\r\n');
    await new Promise((settle) => setTimeout(settle, 100));

    let drained: boolean | undefined;
    const draining = t.server.drain(30_000).then((result) => (drained = result));

    expect(await ws.closed).toMatchObject({ code: WS_CLOSE_CODES.serverDraining });
    expect(await connectRefused(t.server.port)).toBe(true);
    probe.socket.write('Host: whoot\r\n\r\n');
    const probeAnswer = await probe.response;
    expect(statusOf(probeAnswer)).toBe(503);
    expect(probeAnswer).toMatch(/"not_ready"/);
    expect(probeAnswer.toLowerCase()).toContain('connection: close');

    // The drain waits for the request in flight, however long it takes to arrive.
    await new Promise((settle) => setTimeout(settle, 300));
    expect(drained).toBeUndefined();
    inFlight.socket.write(body.slice(10));
    const answer = await inFlight.response;
    expect(statusOf(answer)).toBe(401);
    expect(answer.toLowerCase()).toContain('connection: close');
    await draining;
    expect(drained).toBe(true);
    expect(t.logs).toContain('drained');
  });

  it('gives up on a request that outlives the deadline, and says so', async () => {
    const t = await startTestServer();
    open.push(t);
    const stuck = await partialRequest(
      t.server.port,
      'POST /v1/auth/sign-in HTTP/1.1\r\nHost: whoot\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    await new Promise((settle) => setTimeout(settle, 100));
    expect(await t.server.drain(300)).toBe(false);
    expect(t.logs.some((line) => /drain deadline passed with 1 requests in flight/.test(line))).toBe(true);
    stuck.socket.destroy();
  });
});

describe.skipIf(!ON_ONE_NODE)('the server process on SIGTERM', () => {
  it('drains and exits 0', async () => {
    const root = resolve(import.meta.dirname, '..', '..');
    const dir = mkdtempSync(join(tmpdir(), 'whoot-drain-'));
    try {
      const config = join(dir, 'whoot.server.json');
      writeFileSync(
        config,
        JSON.stringify({ dataDir: 'data', listen: { host: '127.0.0.1', port: 0 }, relay: { enabled: false } }),
      );
      const child = spawn(
        join(root, 'node_modules', '.bin', 'tsx'),
        [join(root, 'main/server/cli.ts'), '--config', config],
        {
          cwd: dir,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      const lines: string[] = [];
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      const ready = new Promise<void>((done) => {
        createInterface({ input: child.stderr! }).on('line', (line) => {
          lines.push(line);
          if (line.startsWith('whoot server ready')) done();
        });
      });
      await ready;
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(lines).toContain('SIGTERM: draining, then stopping');
      expect(lines.some((line) => line.includes('drained'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
