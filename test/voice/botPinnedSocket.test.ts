import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pinnedSocketOpener } from '../../bot/net/pinnedWebSocket';
import { serverUrl } from '../../shared/identifiers';
import { parseServerMessage, WS_PATH, wsProtocolsFor } from '../../shared/ws';
import type { WebSocketLike } from '../../renderer/realtime/workspaceSocket';
import { makeSelfSignedCertificate, type TestCertificate } from '../support/selfSignedCertificate';
import { signUpAndIn, startTestServer, type TestServer } from '../support/serverHarness';

/*
 * The bot's WSS opener as an attacker meets it: a server (or a man in the middle) with another key completes a TLS
 * handshake and then waits for the upgrade request, whose Sec-WebSocket-Protocol carries the one-time ticket. The
 * pin check happens between the handshake and the first written byte, so the attacker records nothing, and the
 * ticket it never saw still works on the real server afterwards.
 */

/** A TLS server that answers nothing and keeps every byte each connection sends. */
async function recordingTlsServer(certificate: TestCertificate) {
  const received: Buffer[] = [];
  let connections = 0;
  const server: TlsServer = createTlsServer({ key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2' });
  server.on('connection', () => connections++);
  server.on('tlsClientError', () => undefined);
  server.on('secureConnection', (socket) => {
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      // Enough to see the request line and headers; then refuse, so the client closes promptly.
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    text: () => Buffer.concat(received).toString('latin1'),
    bytes: () => received.reduce((sum, chunk) => sum + chunk.length, 0),
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Resolves with the close code once the socket is closed (after an error, too). */
function closed(socket: WebSocketLike): Promise<number> {
  return new Promise((resolve) => {
    socket.onclose = (event: { code: number }) => resolve(event.code);
    socket.onerror = () => undefined;
  });
}

const TICKET = 'A'.repeat(43);

let genuine: TestCertificate;
let impostor: TestCertificate;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(() => {
  genuine = makeSelfSignedCertificate();
  impostor = makeSelfSignedCertificate();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('pinned WebSocket for the bot', () => {
  it('never sends the upgrade request (or its ticket) to a server with another key', async () => {
    const attacker = await recordingTlsServer(impostor);
    cleanups.push(attacker.close);
    const open = pinnedSocketOpener({ host: '127.0.0.1', port: attacker.port, spkiPin: genuine.spkiPin });
    const socket = open(serverUrl('wss', { host: '127.0.0.1', port: attacker.port }, WS_PATH), wsProtocolsFor(TICKET));
    const code = await closed(socket);

    expect(code).toBe(1006);
    expect(socket.readyState).toBe(3);
    // The client reached the server and read its key in the handshake; then not one byte of HTTP followed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attacker.connections()).toBe(1);
    expect(attacker.bytes()).toBe(0);
    expect(attacker.text()).not.toContain(TICKET);
  });

  it('sends the upgrade with its ticket to the server whose key matches (the control for the test above)', async () => {
    const server = await recordingTlsServer(genuine);
    cleanups.push(server.close);
    const open = pinnedSocketOpener({ host: '127.0.0.1', port: server.port, spkiPin: genuine.spkiPin });
    const socket = open(serverUrl('wss', { host: '127.0.0.1', port: server.port }, WS_PATH), wsProtocolsFor(TICKET));
    await closed(socket);

    expect(server.text()).toMatch(/^GET \/v1\/ws HTTP\/1\.1\r\n/);
    expect(server.text()).toContain(`ticket.${TICKET}`);
  });

  it('refuses a URL that names another host or port before connecting anywhere', async () => {
    const server = await recordingTlsServer(genuine);
    const elsewhere = await recordingTlsServer(genuine);
    cleanups.push(server.close, elsewhere.close);
    const open = pinnedSocketOpener({ host: '127.0.0.1', port: server.port, spkiPin: genuine.spkiPin });

    expect(() =>
      open(serverUrl('wss', { host: '127.0.0.1', port: elsewhere.port }, WS_PATH), wsProtocolsFor(TICKET)),
    ).toThrow(/pinned server/);
    expect(() => open(`ws://127.0.0.1:${server.port}${WS_PATH}`, wsProtocolsFor(TICKET))).toThrow(/pinned server/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.connections() + elsewhere.connections()).toBe(0);
  });
});

describe('pinned WebSocket against the real server behind a man in the middle', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a relaying attacker with its own key gets nothing, and the ticket it never saw still opens the real socket', async () => {
    const alice = await signUpAndIn(t.server, `alice${randomUUID().slice(0, 6)}`);
    const { workspace } = await alice.call('createWorkspace', {
      body: { slug: `mitm-${randomUUID().slice(0, 8)}`, name: 'M' },
    });
    const { ticket } = await alice.call('wsTicket', { body: { workspaceId: workspace.id } });

    // The attacker terminates TLS with its own key and relays everything to the real server, recording it.
    const forwarded: Buffer[] = [];
    const mitm = createTlsServer({ key: impostor.key, cert: impostor.cert, minVersion: 'TLSv1.2' }, (victim) => {
      const upstream = tlsConnect({ host: '127.0.0.1', port: t.server.port, rejectUnauthorized: false });
      victim.on('data', (chunk: Buffer) => forwarded.push(chunk));
      victim.pipe(upstream).pipe(victim);
      victim.on('error', () => upstream.destroy());
      upstream.on('error', () => victim.destroy());
    });
    await new Promise<void>((resolve) => mitm.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => mitm.close(() => resolve())));
    const mitmPort = (mitm.address() as AddressInfo).port;

    // An invite whose address was redirected to the attacker still carries the real server's pin.
    const viaAttacker = pinnedSocketOpener({ host: '127.0.0.1', port: mitmPort, spkiPin: t.server.spkiPin });
    const refused = viaAttacker(
      serverUrl('wss', { host: '127.0.0.1', port: mitmPort }, WS_PATH),
      wsProtocolsFor(ticket),
    );
    expect(await closed(refused)).toBe(1006);
    expect(Buffer.concat(forwarded).length).toBe(0);

    // Nothing changed on the server: the ticket was not spent, so it opens a socket on the real server now.
    const direct = pinnedSocketOpener(t.address());
    const socket = direct(serverUrl('wss', t.address(), WS_PATH), wsProtocolsFor(ticket));
    cleanups.push(async () => socket.close());
    const welcome = await new Promise<string>((resolve, reject) => {
      socket.onopen = () => socket.send(JSON.stringify({ type: 'hello' }));
      socket.onmessage = (event: { data: unknown }) => {
        const message = parseServerMessage(String(event.data));
        if (message.ok) resolve(message.value.type);
      };
      socket.onclose = (event: { code: number }) => reject(new Error(`closed ${event.code}`));
      socket.onerror = () => undefined;
    });
    expect(welcome).toBe('welcome');
  });
});
