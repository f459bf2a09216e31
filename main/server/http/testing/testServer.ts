import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCertificate, type ServerCertificate } from '../certificate';
import { createHttpsServer, listen, type HttpsServerOptions } from '../httpsServer';
import type { RequestHandler } from '../router';

let shared: Promise<ServerCertificate> | undefined;

/** The server's own generated certificate, made once per test file in a throwaway data directory. */
export function testCertificate(): Promise<ServerCertificate> {
  shared ??= (async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'whoot-http-test-'));
    try {
      return await loadOrCreateCertificate({ dataDir, hostnames: [] });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  })();
  return shared;
}

/** The transport with `handler` on 127.0.0.1 and a free port, as the tests drive it. */
export async function startTestServer(handler: RequestHandler, timeouts?: HttpsServerOptions['timeouts']) {
  const certificate = await testCertificate();
  const server = createHttpsServer({ cert: certificate.cert, key: certificate.key, handler, timeouts });
  const listening = await listen(server, { host: '127.0.0.1', port: 0 });
  return { server, port: listening.port, ca: certificate.cert, certificate, close: listening.close };
}
