import { once } from 'node:events';
import { Agent, request } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../../../shared/rest/auth';
import { connectPinned } from '../../session/pinnedTls';
import { DEFAULT_TIMEOUTS, MAX_HEADER_BYTES } from './httpsServer';
import { createRouter, routeDefiner } from './router';
import { SECURITY_HEADERS } from './securityHeaders';
import { httpsRequest, rawExchange, type TestResponse } from './testing/httpsTestClient';
import { startTestServer } from './testing/testServer';

const route = routeDefiner<object, { sessionId: string }>();
const handler = createRouter({
  routes: [route({ method: 'GET', path: '/v1/ping', handler: () => ({ status: 200, body: { pong: true } }) })],
});

type Started = Awaited<ReturnType<typeof startTestServer>>;
let server: Started;
beforeAll(async () => {
  server = await startTestServer(handler);
});
afterAll(() => server.close());

/** Resolves with the negotiated protocol, or rejects with the handshake error. */
function handshake(options: ConnectionOptions): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port, ca: server.ca, servername: undefined, ...options });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol());
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

function expectJsonError(res: TestResponse, status: number, code: string): void {
  expect(res.status).toBe(status);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name], name).toBe(value);
  expect(errorBodySchema.parse(JSON.parse(res.text)).error.code).toBe(code);
}

describe('TLS', () => {
  it.each(['TLSv1', 'TLSv1.1'] as const)('refuses a %s client with a protocol_version alert', async (version) => {
    // SECLEVEL=0 lets this client offer the old protocols at all, so the refusal is the server's.
    const attempt = handshake({ minVersion: 'TLSv1', maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('accepts %s with the server certificate as the only CA', async (version) => {
    expect(await handshake({ minVersion: version, maxVersion: version })).toBe(version);
  });

  it('refuses TLS 1.2 suites without forward secrecy or AEAD', async () => {
    const cbcOnly = { maxVersion: 'TLSv1.2' as const, ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' };
    await expect(handshake(cbcOnly)).rejects.toThrow(/handshake failure|no shared cipher/i);
  });

  it('presents the key the invite pins (the client connector accepts it)', async () => {
    const socket = await connectPinned({ host: '127.0.0.1', port: server.port, spkiPin: server.certificate.spkiPin });
    expect(socket.getProtocol()).toMatch(/^TLSv1\.[23]$/);
    socket.destroy();
  });

  it('does not speak plain HTTP on its port: no HTTP response comes back', async () => {
    const socket = connectTcp({ host: '127.0.0.1', port: server.port });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write('GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await once(socket, 'close');
    const answer = Buffer.concat(chunks);
    expect(answer.toString('latin1')).not.toMatch(/HTTP\/1\.[01]|pong/);
    // Whatever came back is at most a TLS alert record (content type 21), never a document.
    if (answer.length > 0) expect(answer[0]).toBe(21);
  });
});

describe('HTTP layer', () => {
  it('sets the timeouts and header limit', () => {
    expect(server.server.headersTimeout).toBe(DEFAULT_TIMEOUTS.headersMs);
    expect(server.server.requestTimeout).toBe(DEFAULT_TIMEOUTS.requestMs);
    expect(server.server.keepAliveTimeout).toBe(DEFAULT_TIMEOUTS.keepAliveMs);
    expect((server.server as typeof server.server & { maxHeaderSize?: number }).maxHeaderSize).toBe(MAX_HEADER_BYTES);
  });

  it('answers requests the HTTP parser refuses with the same JSON errors and headers', async () => {
    expectJsonError(await rawExchange(server.port, 'NOT A REQUEST\r\n\r\n'), 400, 'bad_request');
    expectJsonError(
      await rawExchange(server.port, 'GET /v1/ping HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n'),
      400,
      'bad_request',
    );
    const huge = `GET /v1/ping HTTP/1.1\r\nHost: a\r\nX-Fill: ${'a'.repeat(MAX_HEADER_BYTES + 1)}\r\n\r\n`;
    expectJsonError(await rawExchange(server.port, huge), 431, 'headers_too_large');
  });

  it('answers a request whose headers never finish with 408 once the headers timeout passes', async () => {
    const slow = await startTestServer(handler, { headersMs: 300, requestMs: 600 });
    try {
      const started = Date.now();
      const socket = connect({ host: '127.0.0.1', port: slow.port, rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      socket.write('GET /v1/ping HTTP/1.1\r\nHost: a\r\n');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(socket, 'close');
      expect(Date.now() - started).toBeLessThan(5_000);
      const raw = Buffer.concat(chunks).toString('utf8');
      expect(raw).toMatch(/^HTTP\/1\.1 408 /);
      expect(raw).toContain('"request_timeout"');
      expect(raw).toContain('strict-transport-security: max-age=31536000; includeSubDomains');
    } finally {
      await slow.close();
    }
  });

  it('close() ends idle keep-alive connections instead of waiting for them', async () => {
    const other = await startTestServer(handler);
    const agent = new Agent({ keepAlive: true, ca: other.ca });
    const res = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: other.port, path: '/v1/ping', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    expect(res).toBe(200);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    agent.destroy();
    await expect(httpsRequest(other.port, other.ca, { path: '/v1/ping' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
