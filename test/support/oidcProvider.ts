import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { makeSelfSignedCertificate } from './selfSignedCertificate';

/** What the provider says about a person: the ID token's and userinfo's claims. */
export interface TestAccount {
  readonly sub: string;
  readonly email: string;
  readonly email_verified?: boolean;
  readonly name?: string;
  readonly groups?: readonly string[];
}

export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
}

type TokenTamper = (body: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>;

function rsaSigningKey(): JsonWebKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

/**
 * A real OpenID provider for tests: `oidc-provider` (the certified Node implementation) on 127.0.0.1, an ephemeral
 * port and real TLS. Its certificate is written to a PEM file the whoot server trusts through `sso.caFile`, so
 * nothing about the relying party is relaxed. People sign in at a plain HTML form (`/interaction/:uid`, field
 * `login` = the account's sub); consent is implied for the registered clients. For the attack suites the harness
 * can rotate the signing key (a new provider instance on the same issuer and storage), sign ID tokens with the
 * provider's own key, and rewrite one token response on its way out (the place a network attacker or a confused
 * provider would act).
 */
export async function startTestProvider(initial: { readonly clients?: readonly TestClient[] } = {}) {
  let clients: readonly TestClient[] = initial.clients ?? [];
  const certificate = makeSelfSignedCertificate('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'whoot-oidc-'));
  const caFile = join(dir, 'provider-ca.pem');
  writeFileSync(caFile, certificate.cert);
  const accounts = new Map<string, TestAccount>();
  const sockets = new Set<Duplex>();
  let signingKey = rsaSigningKey();
  let tamper: TokenTamper | undefined;
  let provider: Provider;
  // One storage for every instance this harness builds, so a key rotation keeps codes, sessions and grants.
  const Storage = sharedStorage();

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    void route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `https://127.0.0.1:${port}`;

  function build(): Provider {
    return new Provider(issuer, {
      adapter: Storage,
      clients: clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [...client.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [signingKey as never] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx, sub) {
        const account = accounts.get(sub);
        if (account === undefined) return undefined;
        return { accountId: sub, claims: async () => ({ ...account }) };
      },
      // First-party clients: the person's login is their consent.
      async loadExistingGrant(ctx) {
        const { client, session } = ctx.oidc;
        if (client === undefined || session?.accountId === undefined) return undefined;
        const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
    });
  }
  provider = build();

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (interaction !== null && req.method === 'GET') {
      await provider.interactionDetails(req, res);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html lang="en"><title>Test identity provider</title><main><h1>Sign in</h1>` +
          `<form method="post" action="${url.pathname}"><label>Account <input name="login" autofocus></label>` +
          `<button type="submit">Continue</button></form></main></html>`,
      );
      return;
    }
    if (interaction !== null && req.method === 'POST') {
      const body = new URLSearchParams(await readBody(req));
      const login = body.get('login') ?? '';
      await provider.interactionFinished(
        req,
        res,
        accounts.has(login)
          ? { login: { accountId: login } }
          : { error: 'access_denied', error_description: 'unknown account' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (url.pathname === '/token' && tamper !== undefined) {
      const rewrite = tamper;
      tamper = undefined;
      interceptJson(res, rewrite);
    }
    provider.callback()(req, res);
  }

  return {
    issuer,
    port,
    caFile,
    /** Its key's pin, for a Chromium that must trust it (--ignore-certificate-errors-spki-list). */
    spkiPin: certificate.spkiPin,
    get kid() {
      return signingKey.kid as string;
    },
    addAccount(account: TestAccount) {
      accounts.set(account.sub, account);
    },
    /** Registers these clients (replacing the others); sessions, codes and grants survive. */
    setClients(next: readonly TestClient[]) {
      clients = next;
      provider = build();
    },
    /** The next token response goes through `rewrite` (once). */
    tamperNextTokenResponse(rewrite: TokenTamper) {
      tamper = rewrite;
    },
    /** An ID token signed with the provider's current key, as the provider would sign one. */
    async signIdToken(claims: JWTPayload) {
      const key = await importJWK(signingKey as never, 'RS256');
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid as string }).sign(key);
    },
    /** A new signing key, the old one withdrawn from the JWKS; sessions, codes and grants survive (same storage). */
    rotateKey() {
      signingKey = rsaSigningKey();
      provider = build();
    },
    /** Stops answering at once: connections in flight are cut. */
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async close() {
      if (server.listening) await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestProvider = Awaited<ReturnType<typeof startTestProvider>>;

/** A workspace's settings for this provider as an owner would save them: acme.test, everyone a member. */
export function ssoSettingsFor(
  provider: Pick<TestProvider, 'issuer'>,
  client: { clientId: string; clientSecret: string },
) {
  return {
    providerName: 'Acme ID',
    issuer: provider.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    allowedDomains: ['acme.test'],
    roleClaim: null,
    roleRules: [],
    requireSso: false,
  };
}

type Payload = Record<string, unknown> & { uid?: string; grantId?: string; consumed?: number };

/** oidc-provider's adapter interface over one Map (its own memory adapter keeps a store per instance). */
function sharedStorage() {
  const store = new Map<string, Payload>();
  const uids = new Map<string, string>();
  const grants = new Map<string, Set<string>>();
  return class SharedStorage {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Payload) {
      store.set(this.key(id), payload);
      if (this.model === 'Session' && payload.uid !== undefined) uids.set(payload.uid, id);
      if (payload.grantId !== undefined) {
        const members = grants.get(payload.grantId) ?? new Set<string>();
        members.add(this.key(id));
        grants.set(payload.grantId, members);
      }
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      const id = uids.get(uid);
      return id === undefined ? undefined : this.find(id);
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = store.get(this.key(id));
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const key of grants.get(grantId) ?? []) store.delete(key);
      grants.delete(grantId);
    }
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Lets the provider write its JSON answer, then sends `rewrite`'s version of it instead. */
function interceptJson(res: ServerResponse, rewrite: TokenTamper): void {
  const end = res.end.bind(res);
  res.end = ((chunk?: unknown) => {
    const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : '';
    void Promise.resolve()
      .then(() => rewrite(JSON.parse(text) as Record<string, unknown>))
      .then((rewritten) => {
        const body = Buffer.from(JSON.stringify(rewritten), 'utf8');
        if (!res.headersSent) res.setHeader('content-length', String(body.length));
        end(body);
      });
    return res;
  }) as typeof res.end;
}
