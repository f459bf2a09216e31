import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSessionId } from '../auth/sessionTokens';
import { mintTurnCredentials } from '../auth/turnCredentials';
import { createRelay, type Relay, type RelayOptions } from './relayServer';
import { freeUdpPort } from '../../../test/support/freePort';

/**
 * Interop with coturn's own test clients (Debian package coturn): turnutils_uclient allocates, binds channels (or
 * uses Send indications) and relays client to client or through turnutils_peer, over UDP, TCP and TLS, with TURN
 * REST credentials minted by the server's turnCredentials module. Skipped where coturn is not installed.
 */
const hasCoturn = spawnSync('which', ['turnutils_uclient', 'turnutils_peer']).status === 0;
const run = promisify(execFile);
const SECRET = 'uclient-interop-secret-0123456789abcdefghij';
const cleanup: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startRelay(overrides: Partial<RelayOptions> = {}): Promise<Relay> {
  const relay = await createRelay({
    realm: 'whoot.test',
    secret: SECRET,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: 0 },
    relay: { address: '127.0.0.1' },
    // turnutils_uclient picks channel numbers from RFC 5766's 0x4000-0x7FFF.
    legacyChannelNumbers: true,
    // Every uclient session shares one username, so one user holds them all.
    limits: { maxAllocationsPerUser: 100 },
    log: () => undefined,
    ...overrides,
  });
  cleanup.push(() => relay.close());
  return relay;
}

function credentials() {
  const minted = mintTurnCredentials({
    secret: SECRET,
    userId: randomUUID(),
    sessionId: generateSessionId(),
    now: Math.floor(Date.now() / 1000),
  });
  if (!minted.ok) throw new Error(minted.error.message);
  return minted.value;
}

interface UclientResult {
  sent: number;
  received: number;
  lost: number;
  output: string;
}

async function uclient(port: number, flags: string[], messages: number, clients: number): Promise<UclientResult> {
  const { username, credential } = credentials();
  const args = ['-p', String(port), '-u', username, '-w', credential, '-m', String(clients), '-n', String(messages)];
  args.push('-l', '172', '-z', '5', ...flags, '127.0.0.1');
  const { stdout, stderr } = await run('turnutils_uclient', args, { timeout: 120_000 });
  const output = `${stdout}${stderr}`;
  const totals = /tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/m.exec(
    output
      .split('\n')
      .filter((l) => /start_mclient: tot_send_msgs/.test(l))
      .join('\n'),
  );
  const lost = /Total lost packets (\d+)/.exec(output);
  return {
    sent: Number(totals?.[1] ?? -1),
    received: Number(totals?.[2] ?? -1),
    lost: Number(lost?.[1] ?? -1),
    output,
  };
}

async function startPeer(): Promise<number> {
  const port = await freeUdpPort();
  const peer: ChildProcess = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  cleanup.push(() => {
    peer.kill();
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return port;
}

describe.skipIf(!hasCoturn)('turnutils_uclient against the bundled relay', () => {
  it.concurrent('UDP, client to client over channels: every message arrives', async () => {
    const relay = await startRelay();
    const result = await uclient(relay.addresses.udp!.port, ['-y', '-c'], 100, 4);
    expect(result.sent, result.output).toBe(400);
    expect(result.received).toBe(400);
    expect(result.lost).toBe(0);
    const stats = relay.stats();
    expect(stats.relayed.client_to_peer.packets).toBeGreaterThanOrEqual(400);
    expect(stats.allocations.created).toBeGreaterThanOrEqual(4);
  });

  it.concurrent('UDP, client to client with Send/Data indications (-s)', async () => {
    const relay = await startRelay();
    const result = await uclient(relay.addresses.udp!.port, ['-y', '-c', '-s'], 100, 4);
    expect(result.received, result.output).toBe(400);
    expect(result.lost).toBe(0);
  });

  it.concurrent('UDP through turnutils_peer with RTP/RTCP pairs (EVEN-PORT and RESERVATION-TOKEN)', async () => {
    const peerPort = await startPeer();
    const relay = await startRelay({ allowedPeers: ['127.0.0.1'] });
    const result = await uclient(relay.addresses.udp!.port, ['-e', '127.0.0.1', '-r', String(peerPort)], 100, 2);
    expect(result.received, result.output).toBe(result.sent);
    expect(result.sent).toBeGreaterThanOrEqual(200);
    expect(result.lost).toBe(0);
    expect(relay.stats().relayed.peer_to_client.packets).toBeGreaterThanOrEqual(200);
  });

  it.concurrent(
    'the same peer is refused (403 on ChannelBind) without the loopback exemption: nothing relayed',
    async () => {
      const peerPort = await startPeer();
      const relay = await startRelay();
      await uclient(relay.addresses.udp!.port, ['-c', '-e', '127.0.0.1', '-r', String(peerPort)], 20, 1).catch(
        () => undefined,
      );
      expect(relay.stats().refusals.peer_loopback).toBeGreaterThan(0);
      expect(relay.stats().relayed.client_to_peer.packets).toBe(0);
      expect(relay.stats().relayed.peer_to_client.packets).toBe(0);
    },
  );

  it.concurrent('TCP, client to client over channels with padding (-D)', async () => {
    const relay = await startRelay();
    const result = await uclient(relay.addresses.tcp!.port, ['-t', '-D', '-y', '-c'], 100, 4);
    expect(result.received, result.output).toBe(400);
    expect(result.lost).toBe(0);
  });

  it.concurrent('TLS (TURNS) on its own port, client to client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whoot-turns-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    const relay = await startRelay({
      listen: {
        host: '127.0.0.1',
        udpPort: null,
        tcpPort: null,
        tls: { port: 0, cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
      },
    });
    const result = await uclient(relay.addresses.tls!.port, ['-t', '-S', '-y', '-c'], 50, 2);
    // The relay forwards every message (its own counts are exact). turnutils_uclient itself drops messages over TLS
    // when records arrive together: about 10 % on a quiet machine, against coturn too with the same flags, and 43 %
    // with both cores saturated, when more records coalesce. So its count only shows the framing decodes at all.
    expect(relay.stats().relayed.client_to_peer.packets, result.output).toBe(100);
    expect(relay.stats().relayed.peer_to_client.packets).toBe(100);
    expect(result.received).toBeGreaterThan(0);
  });
});
