import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSelfSignedCertificate } from './selfSignedCertificate';
import { TEST_WAIT_MS } from './testDeadlines';

export interface ReceivedDelivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as received, the bytes a signature covers. */
  readonly body: string;
}

/** How the receiver answers the n-th request (0-based): a status, or 'hang' to never answer. */
export type Responder = (index: number) => number | 'hang';

/**
 * A webhook receiver as an integrator would run one: a real HTTPS server on 127.0.0.1 with a self-signed
 * certificate. Its certificate is written to a PEM file the server under test trusts through `webhooks.caFile`,
 * and its `ip:port` is what `webhooks.allowPrivateTargets` lets through, so nothing else about the delivery path
 * is relaxed.
 */
export async function startWebhookReceiver(options: { responder?: Responder; dnsNames?: readonly string[] } = {}) {
  const certificate = makeSelfSignedCertificate('127.0.0.1', options.dnsNames ?? []);
  const dir = mkdtempSync(join(tmpdir(), 'whoot-receiver-'));
  const caFile = join(dir, 'receiver-ca.pem');
  writeFileSync(caFile, certificate.cert);
  const received: ReceivedDelivery[] = [];
  const hanging: ServerResponse[] = [];
  let responder: Responder = options.responder ?? (() => 200);
  const listeners = new Set<() => void>();

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const index = received.length;
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      for (const listener of listeners) listener();
      const answer = responder(index);
      if (answer === 'hang') {
        hanging.push(response);
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(`receiver answer ${answer}: not stored by the sender`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    caFile,
    received,
    /** The URL for a path on this receiver, and the allow-list entry that lets a test server reach it. */
    url: (path = '/hooks/whoot') => `https://127.0.0.1:${port}${path}`,
    target: `127.0.0.1:${port}`,
    respondWith(next: Responder) {
      responder = next;
    },
    /** Resolves once `count` requests have arrived. */
    waitFor(count: number, timeoutMs = TEST_WAIT_MS): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`receiver got ${received.length} of ${count} requests`));
        }, timeoutMs);
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
      });
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
