import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fail } from '../../../shared/result';
import { createRateLimiters } from './rateLimiter';
import { createRouter, routeDefiner } from './router';
import { postFromAnotherProcess } from './testing/postFromAnotherProcess';
import { startTestServer } from './testing/testServer';

/**
 * Early refusals (413, 415, 401 on an upload) must reach a Node https.request client that is still sending its
 * body. The client runs in its own process: one sharing the server's event loop never races it.
 */

const MIB = 1024 * 1024;
const LINGER = { maxBytes: 4 * MIB, maxMs: 3_000 };
const route = routeDefiner<{ readonly operation: string }, { readonly sessionId: string }>();
const json = { 'content-type': 'application/json' };

let h: Awaited<ReturnType<typeof startTestServer>>;
/** Bytes each finished connection read off the wire (TLS records included), in the order they closed. */
const bytesReadByConnection: number[] = [];

beforeAll(async () => {
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
    linger: LINGER,
  });
  h = await startTestServer(handler);
  h.server.on('connection', (socket: Socket) => {
    socket.once('close', () => bytesReadByConnection.push(socket.bytesRead));
  });
});
afterAll(() => h.close());

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
    const before = bytesReadByConnection.length;
    const [attempt] = await postFromAnotherProcess({
      port: h.port,
      ca: h.ca,
      path: '/v1/auth/sign-in',
      headers: json,
      bytes: 200 * MIB,
      attempts: 1,
      mode: 'flood',
    });
    expect(attempt?.status).toBe(413);
    // The client was cut off: it could not hand over the whole body before the server closed.
    expect(attempt?.sent).toBeLessThan(200 * MIB);
    await expect.poll(() => bytesReadByConnection.length).toBeGreaterThan(before);
    const read = bytesReadByConnection.slice(before);
    // The bound, plus the TLS framing of what was read and what was in flight when reading stopped.
    for (const bytes of read) expect(bytes).toBeLessThan(LINGER.maxBytes + 2 * MIB);
  });
});
