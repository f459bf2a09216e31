import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AUTH_PATHS, SIGN_OUT_OPERATION, signInBodySchema, type SignInResponse } from '../../shared/rest/auth';
import { createMemoryNonceStore } from '../../main/server/auth/nonceStore';
import { createRequestVerifier, type VerifyResult } from '../../main/server/auth/requestVerifier';
import { makeSelfSignedCertificate, type TestCertificate } from './selfSignedCertificate';

/**
 * A peer for the client's account calls over real TLS: it speaks the sign-in REST contract from shared/rest/auth.ts
 * and checks sign-out signatures with the real verifier. It lets the client be tested before and apart from the
 * bundled server; the server's own tests cover the server.
 */
export interface AccountApiFixture {
  readonly port: number;
  readonly certificate: TestCertificate;
  readonly requests: string[];
  readonly signOuts: VerifyResult[];
  readonly issued: Map<string, Buffer>;
  lastResponse: SignInResponse | null;
  close(): Promise<void>;
}

export async function startAccountApiFixture(
  account = { email: 'ada@example.com', password: 'correct horse battery' },
) {
  const certificate = makeSelfSignedCertificate();
  const issued = new Map<string, Buffer>();
  const verify = createRequestVerifier({
    lookupSecret: (id) => issued.get(id) ?? null,
    nonces: createMemoryNonceStore(),
  });
  const fixture: Omit<AccountApiFixture, 'port' | 'close'> = {
    certificate,
    requests: [],
    signOuts: [],
    issued,
    lastResponse: null,
  };
  const server: Server = createServer(
    { key: certificate.key, cert: certificate.cert, minVersion: 'TLSv1.2' },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        fixture.requests.push(`${req.method} ${req.url}`);
        const send = (status: number, payload?: unknown) => {
          res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
          res.end(payload === undefined ? undefined : JSON.stringify(payload));
        };
        if (req.method === 'POST' && req.url === AUTH_PATHS.signIn) {
          const parsed = signInBodySchema.safeParse(JSON.parse(body.toString('utf8') || 'null'));
          if (!parsed.success) return send(400, { error: { code: 'invalid_input', message: 'Invalid sign-in body.' } });
          if (parsed.data.email !== account.email || parsed.data.password !== account.password) {
            return send(401, { error: { code: 'invalid_credentials', message: 'Wrong email or password.' } });
          }
          const secret = randomBytes(32);
          const id = randomBytes(18).toString('base64url');
          issued.set(id, secret);
          const response: SignInResponse = {
            session: {
              id,
              secret: secret.toString('base64url'),
              refreshToken: randomBytes(32).toString('base64url'),
              idleExpiresAt: Math.floor(Date.now() / 1000) + 3600,
            },
            user: { id: randomUUID(), email: account.email, displayName: 'Ada' },
            workspaces: [{ id: randomUUID(), slug: 'analytical-engines', name: 'Analytical Engines', role: 'owner' }],
          };
          fixture.lastResponse = response;
          return send(200, response);
        }
        if (req.method === 'POST' && req.url === AUTH_PATHS.signOut) {
          const sessionId = String(req.headers['x-whoot-session'] ?? '');
          void verify({ headers: req.headers, operation: SIGN_OUT_OPERATION, resourceId: sessionId, body }).then(
            (result) => {
              fixture.signOuts.push(result);
              if (result.ok) issued.delete(sessionId);
              send(
                result.ok ? 204 : 401,
                result.ok ? undefined : { error: { code: result.reason, message: 'Rejected.' } },
              );
            },
          );
          return;
        }
        send(404, { error: { code: 'not_found', message: 'Not found.' } });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fixture, {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as AccountApiFixture;
}
