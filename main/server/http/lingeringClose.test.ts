import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fail } from '../../../shared/result';
import { DEFAULT_LINGER, type LingerLimits } from './lingeringClose';
import { createRateLimiters } from './rateLimiter';
import { createRouter, routeDefiner } from './router';
import { postFromAnotherProcess } from './testing/postFromAnotherProcess';
import { startTestServer } from './testing/testServer';

/**
 * Early refusals (413, 415, 401 on an upload) must reach a Node https.request client that is still sending its
 * body. The client runs in its own process: one sharing the server's event loop never races it.
 */

const MIB = 1024 * 1024;
const route = routeDefiner<{ readonly operation: string }, { readonly sessionId: string }>();
const json = { 'content-type': 'application/json' };

/**
 * The routes under test behind a router with these linger limits, and the bytes each finished connection read off
 * the wire (TLS records included), in the order the connections closed.
 */
async function startRouter(linger: LingerLimits) {
  const generous = { capacity: 10_000, refillPerSecond: 1_000 };
  const handler = createRouter({
    routes: [
      route({
        method: 'POST',
        path: '/v1/auth/sign-in',
        bodySchema: z.strictObject({ email: z.string() }),
        handler: () => ({ status: 200, body: {} }),
      }),
      route({
        method: 'POST',
        path: '/v1/files',
        auth: { operation: 'file.upload' },
        stream: 'upload',
        manifestHeader: 'x-manifest',
        maxBodyBytes: 100 * MIB,
        handler: () => ({ status: 201, body: {} }),
      }),
    ],
    authenticate: () => fail('missing_signature', 'This call must be signed.'),
    rateLimiters: createRateLimiters({ default: { ip: generous, session: generous } }),
    linger,
  });
  const server = await startTestServer(handler);
  const bytesRead: number[] = [];
  server.server.on('connection', (socket: Socket) => {
    socket.once('close', () => bytesRead.push(socket.bytesRead));
  });
  return { ...server, bytesRead };
}

/**
 * Clients here stop once they have the answer, so a long time limit costs nothing and leaves a loaded machine all
 * the time it needs to get the answer read. The flood test, whose client never stops, has the default 5 s.
 */
let h: Awaited<ReturnType<typeof startRouter>>;
let flood: Awaited<ReturnType<typeof startRouter>>;

beforeAll(async () => {
  [h, flood] = await Promise.all([startRouter({ ...DEFAULT_LINGER, maxMs: 60_000 }), startRouter(DEFAULT_LINGER)]);
});
afterAll(async () => {
  await Promise.all([h.close(), flood.close()]);
});

const poster = (options: { path?: string; headers?: Record<string, string>; bytes: number; attempts?: number }) =>
  postFromAnotherProcess({
    port: h.port,
    ca: h.ca,
    path: options.path ?? '/v1/auth/sign-in',
    headers: options.headers ?? json,
    bytes: options.bytes,
    attempts: options.attempts ?? 5,
    mode: 'whole',
  });

describe('an early refusal reaches a client that is still sending', () => {
  it.each([2 * MIB, 20 * MIB])('answers a %d-byte JSON body with 413, every time', async (bytes) => {
    const attempts = await poster({ bytes });
    expect(attempts).toHaveLength(5);
    for (const attempt of attempts) expect(attempt).toMatchObject({ status: 413, errorBeforeAnswer: null });
  });

  it('answers a 2 MB body of the wrong type with 415, every time', async () => {
    const attempts = await poster({ bytes: 2 * MIB, headers: { 'content-type': 'text/plain' } });
    for (const attempt of attempts) expect(attempt).toMatchObject({ status: 415, errorBeforeAnswer: null });
  });

  it('answers an unsigned 20 MB upload with 401 before reading it, every time', async () => {
    const attempts = await poster({
      path: '/v1/files',
      bytes: 20 * MIB,
      headers: { 'content-type': 'application/octet-stream', 'x-manifest': 'e30' },
    });
    for (const attempt of attempts) expect(attempt).toMatchObject({ status: 401, errorBeforeAnswer: null });
  });

  it('reads at most the bound of a 200 MB body from a client that ignores the answer, then closes', async () => {
    const [attempt] = await postFromAnotherProcess({
      port: flood.port,
      ca: flood.ca,
      path: '/v1/auth/sign-in',
      headers: json,
      bytes: 200 * MIB,
      attempts: 1,
      mode: 'flood',
    });
    expect(attempt?.status).toBe(413);
    // The client was cut off: it could not hand over the whole body before the server closed.
    expect(attempt?.sent).toBeLessThan(200 * MIB);
    await expect.poll(() => flood.bytesRead.length).toBe(1);
    // The bound, plus the TLS framing of what was read and what was in flight when reading stopped.
    expect(flood.bytesRead[0]).toBeLessThan(DEFAULT_LINGER.maxBytes + 2 * MIB);
  });

  it('closes a connection whose client keeps trickling its body after the answer, at the time limit', async () => {
    // A client that keeps its side open and sends a byte at a time: only the time limit can end this.
    // tls.connect hands allowHalfOpen to the socket it makes, though ConnectionOptions does not declare it.
    const options: ConnectionOptions & { allowHalfOpen: boolean } = {
      host: '127.0.0.1',
      port: flood.port,
      ca: flood.ca,
      allowHalfOpen: true,
    };
    const socket = connect(options);
    socket.on('error', () => undefined);
    await once(socket, 'secureConnect');
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(
      'POST /v1/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${10 * MIB}\r\n\r\n`,
    );
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
    }, 100);
    try {
      // Writes fail once the server is gone (EPIPE); the close is what this waits for.
      await new Promise((resolve) => socket.once('close', resolve));
    } finally {
      clearInterval(trickle);
    }
    expect(Buffer.concat(received).toString('utf8')).toMatch(/^HTTP\/1\.1 413 /);
  });
});
