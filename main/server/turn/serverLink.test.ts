import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signUpAndIn, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { SIGNED_HEADERS } from '../../../shared/signedRequest';
import { generateSessionId } from '../auth/sessionTokens';
import { relaySecretText } from '../auth/turnCredentials';
import { createRelay, type Relay } from './relayServer';
import {
  createRelayApiClient,
  pinnedRelayTransport,
  type RelayApiResponse,
  type RelayApiTransport,
} from './relayApiClient';
import { createRevocationFeed, type RevocationFeed } from './revocationFeed';
import { createServerLink, type ServerLink } from './serverLink';
import { createMintedTurnTestClient, type TurnTestClient } from './testing/turnTestClient';

/**
 * A relay run apart (as `npm run relay` runs it) against the real server over pinned HTTPS: sessions the server
 * revokes reach the relay through the signed feed, sessions it never issued start nothing, and nothing else can
 * end or keep an allocation.
 */
let server: TestServer;
let secret: string;
const open: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  // No embedded relay: the only relay in these tests is the standalone one, so only the feed can end allocations.
  server = await startTestServer({ relay: { enabled: false } });
  secret = relaySecretText(await server.server.store.secrets.relaySecret());
});

afterAll(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
  await server.close();
});

/** The relay as relayCli.ts wires it to the server (serverLink.ts), on ephemeral ports. */
async function standaloneRelay(
  transport?: RelayApiTransport,
  sessionCache?: Parameters<typeof createServerLink>[0]['sessionCache'],
): Promise<{ relay: Relay; feed: RevocationFeed; link: ServerLink }> {
  let relay: Relay | null = null;
  const link = createServerLink({
    relayId: `relay-${randomBytes(8).toString('hex')}`,
    secret,
    transport: transport ?? pinnedRelayTransport(server.address()),
    onRevoked: (sessionId) => relay?.endSession(sessionId),
    ...(sessionCache === undefined ? {} : { sessionCache }),
  });
  relay = await createRelay({
    realm: 'whoot',
    secret,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: null, tls: null },
    relay: { address: '127.0.0.1', portRange: { min: 40000, max: 60000 } },
    isSessionLive: link.isSessionLive,
    log: () => undefined,
  });
  open.push(relay);
  // Start where the server is now, as a relay that has been running all along would be.
  await link.feed.pollOnce();
  return { relay, feed: link.feed, link };
}

/** Counts the relay's calls per path, passing each to the real transport. */
function counting(inner: RelayApiTransport) {
  const calls = new Map<string, number>();
  const transport: RelayApiTransport = (request) => {
    calls.set(request.path, (calls.get(request.path) ?? 0) + 1);
    return inner(request);
  };
  return { transport, sessionCalls: () => calls.get('/v1/relay/sessions') ?? 0 };
}

/** A 127.0.0.1 port nothing listens on: connecting to it is refused at once, as to a server that is down. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function turnClient(relay: Relay, userId: string, sessionId: string): Promise<TurnTestClient> {
  const client = await createMintedTurnTestClient({ server: relay.addresses.udp!, secret, userId, sessionId });
  open.push(client);
  return client;
}

const recording = (
  inner: RelayApiTransport,
  seen: { request?: Parameters<RelayApiTransport>[0]; response?: RelayApiResponse },
) =>
  (async (request) => {
    seen.request = request;
    seen.response = await inner(request);
    return seen.response;
  }) satisfies RelayApiTransport;

describe('signed revocation feed', () => {
  it('ends a signed-out session allocation within one poll and refuses its credentials after', async () => {
    const { relay, feed } = await standaloneRelay();
    const user = await signUpAndIn(server.server);
    const client = await turnClient(relay, user.user.id, user.grant.id);
    expect((await client.allocate()).relayed).not.toBeNull();
    expect(relay.stats().allocations.active).toBe(1);

    await user.call('signOut');
    expect(await feed.pollOnce()).toBeGreaterThanOrEqual(1);
    expect(relay.stats().allocations.active).toBe(0);
    expect(feed.isLive(user.grant.id)).toBe(false);

    const again = await turnClient(relay, user.user.id, user.grant.id);
    expect((await again.allocate()).answer.errorCode).toBe(401);
    expect(relay.stats().refusals).toMatchObject({ revoked_session: 1 });
  });

  it('ends allocations of every session of a family revoked for refresh-token reuse', async () => {
    const { relay, feed } = await standaloneRelay();
    const user = await signUpAndIn(server.server);
    const ancestor = user.grant.id;
    const rotated = await api.call(server.address(), 'refresh', { body: { refreshToken: user.grant.refreshToken } });
    const client = await turnClient(relay, user.user.id, ancestor);
    expect((await client.allocate()).relayed).not.toBeNull();
    expect(await feed.pollOnce()).toBe(0); // a routine rotation revokes nothing
    expect(relay.stats().allocations.active).toBe(1);

    // The spent token comes back: the server ends the whole family, and the feed names the ancestor too.
    await expect(
      api.call(server.address(), 'refresh', { body: { refreshToken: user.grant.refreshToken } }),
    ).rejects.toThrow();
    await feed.pollOnce();
    expect(relay.stats().allocations.active).toBe(0);
    expect(feed.isLive(ancestor)).toBe(false);
    expect(feed.isLive(rotated.session.id)).toBe(false);
  });

  it('acts on nothing from a tampered, re-signed-by-a-stranger or replayed answer', async () => {
    const seen: { request?: Parameters<RelayApiTransport>[0]; response?: RelayApiResponse } = {};
    const real = pinnedRelayTransport(server.address());
    let tamper: (response: RelayApiResponse) => RelayApiResponse = (response) => response;
    const { relay, feed } = await standaloneRelay(async (request) => tamper(await recording(real, seen)(request)));
    const user = await signUpAndIn(server.server);
    const client = await turnClient(relay, user.user.id, user.grant.id);
    expect((await client.allocate()).relayed).not.toBeNull();
    const cursor = feed.cursor;

    // A proxy adds the victim to an empty page: the body no longer matches the server's signature.
    tamper = (response) => {
      const page = JSON.parse(response.body.toString('utf8')) as { entries: unknown[]; latestSeq: number };
      page.entries.push({ seq: page.latestSeq + 1, sessionIds: [user.grant.id] });
      return { ...response, body: Buffer.from(JSON.stringify(page)) };
    };
    await expect(feed.pollOnce()).rejects.toThrow(/signature/);

    // A stranger signs its own answer with a key it made up.
    tamper = (response) => {
      const body = Buffer.from(
        JSON.stringify({ entries: [{ seq: 999, sessionIds: [user.grant.id] }], latestSeq: 999, resync: false }),
      );
      return {
        ...response,
        body,
        headers: {
          ...response.headers,
          'x-whoot-feed-signature': createHmac('sha256', 'x').update(body).digest('hex'),
        },
      };
    };
    await expect(feed.pollOnce()).rejects.toThrow(/signature/);

    // An answer the server really signed, but for an earlier request, replayed to a later poll.
    tamper = (response) => response;
    await feed.pollOnce();
    const recorded = seen.response!;
    tamper = () => recorded;
    await expect(feed.pollOnce()).rejects.toThrow(/signature/);

    // A missing signature is refused as well.
    tamper = (response) => ({ ...response, headers: {} });
    await expect(feed.pollOnce()).rejects.toThrow(/not signed/);

    expect(relay.stats().allocations.active).toBe(1);
    expect(feed.isLive(user.grant.id)).toBe(true);
    expect(feed.cursor).toBe(cursor);
  });

  it('answers a request without the relay HMAC, or a replayed one, with a bare 401', async () => {
    const stranger = createRevocationFeed({
      relayId: 'relay-stranger-0001',
      secret: 'not-the-relay-secret-but-long-enough-to-pass',
      transport: async (request) => {
        const response = await pinnedRelayTransport(server.address())(request);
        expect(response.status).toBe(401);
        expect(response.body.toString('utf8')).not.toMatch(/entries|sessionIds|latestSeq/);
        expect(response.headers['x-whoot-feed-signature']).toBeUndefined();
        return response;
      },
      onRevoked: () => undefined,
    });
    await expect(stranger.pollOnce()).rejects.toThrow(/401/);

    // A user's own session secret does not open the feed either.
    const user = await signUpAndIn(server.server);
    const asUser = createRevocationFeed({
      relayId: user.grant.id,
      secret: Buffer.from(user.grant.secret, 'base64url'),
      transport: pinnedRelayTransport(server.address()),
      onRevoked: () => undefined,
    });
    await expect(asUser.pollOnce()).rejects.toThrow(/401/);

    const seen: { request?: Parameters<RelayApiTransport>[0]; response?: RelayApiResponse } = {};
    const real = pinnedRelayTransport(server.address());
    const relay = createRevocationFeed({
      relayId: 'relay-replayed-0001',
      secret,
      transport: recording(real, seen),
      onRevoked: () => undefined,
    });
    await relay.pollOnce();
    expect(seen.request!.headers[SIGNED_HEADERS.session]).toBe('relay-replayed-0001');
    const replayed = await real(seen.request!);
    expect(replayed.status).toBe(401);
    expect(JSON.parse(replayed.body.toString('utf8'))).toMatchObject({ error: { code: 'replayed_nonce' } });
  });
});

describe('session check (a credential needs a session the server issued to that user)', () => {
  it('refuses a never-issued session, or another user’s, with 401 and allocates nothing', async () => {
    const { relay } = await standaloneRelay();
    const ada = await signUpAndIn(server.server);
    const bob = await signUpAndIn(server.server);
    // Each credential carries a valid HMAC: whoever minted it holds the relay secret, and nothing more.
    const forged = [
      [randomUUID(), generateSessionId()], // a session the server never issued
      [randomUUID(), ada.grant.id], // Ada's live session under a made-up user id (a way round the per-user quota)
      [bob.user.id, ada.grant.id], // Ada's live session in Bob's name
    ] as const;
    for (const [userId, sessionId] of forged) {
      const answer = (await (await turnClient(relay, userId, sessionId)).allocate()).answer;
      expect(answer.errorCode, `${userId}:${sessionId}`).toBe(401);
    }
    expect(relay.stats().allocations).toEqual({ active: 0, created: 0, ended: 0 });
    expect(relay.stats().refusals.revoked_session).toBe(3);

    expect((await (await turnClient(relay, ada.user.id, ada.grant.id)).allocate()).relayed).not.toBeNull();
    expect(relay.stats().allocations).toMatchObject({ active: 1, created: 1 });
  });

  it('asks the server once per session: verdicts are cached, and questions asked together go in one call', async () => {
    const calls = counting(pinnedRelayTransport(server.address()));
    const { relay, link } = await standaloneRelay(calls.transport);
    const ada = await signUpAndIn(server.server);
    const bob = await signUpAndIn(server.server);
    const stranger = generateSessionId();
    expect(
      await Promise.all([
        link.isSessionLive(ada.grant.id, ada.user.id),
        link.isSessionLive(bob.grant.id, bob.user.id),
        link.isSessionLive(stranger, ada.user.id),
        link.isSessionLive(ada.grant.id, ada.user.id),
      ]),
    ).toEqual([true, true, false, true]);
    expect(calls.sessionCalls()).toBe(1);

    // Allocating then asks nothing more, for the verified session and for the refused one alike.
    expect((await (await turnClient(relay, ada.user.id, ada.grant.id)).allocate()).relayed).not.toBeNull();
    expect((await (await turnClient(relay, ada.user.id, stranger)).allocate()).answer.errorCode).toBe(401);
    expect((await (await turnClient(relay, ada.user.id, stranger)).allocate()).answer.errorCode).toBe(401);
    expect(calls.sessionCalls()).toBe(1);
  });

  it('fails closed when the server cannot be reached: a new session gets 500, a running allocation lives on', async () => {
    const down = { ...server.address(), port: await closedPort() };
    let target = server.address();
    // Verdicts are not reused, so every Allocate and Refresh asks the server (or fails to).
    const { relay } = await standaloneRelay((request) => pinnedRelayTransport(target)(request), { verifiedForMs: 0 });
    const ada = await signUpAndIn(server.server);
    const bob = await signUpAndIn(server.server);
    const running = await turnClient(relay, ada.user.id, ada.grant.id);
    expect((await running.allocate()).relayed).not.toBeNull();

    target = down;
    const newcomer = await turnClient(relay, bob.user.id, bob.grant.id);
    expect((await newcomer.allocate()).answer.errorCode).toBe(500);
    expect(relay.stats().allocations).toMatchObject({ active: 1, created: 1 });
    expect(relay.stats().refusals.session_check_failed).toBe(1);
    // Ada's allocation was checked when it started; a server blip must not drop her call.
    expect((await running.refresh(600)).errorCode).toBeNull();

    // Nothing was cached from the failure: once the server answers again, Bob allocates.
    target = server.address();
    expect((await newcomer.allocate()).relayed).not.toBeNull();
  });

  it('believes no answer the server did not sign: a proxy that says yes to a forged session changes nothing', async () => {
    const real = pinnedRelayTransport(server.address());
    let proxy: (response: RelayApiResponse, path: string) => RelayApiResponse = (response) => response;
    const { relay } = await standaloneRelay(async (request) => proxy(await real(request), request.path));
    const ada = await signUpAndIn(server.server);
    let honest: unknown;
    proxy = (response, path) => {
      if (path !== '/v1/relay/sessions') return response;
      honest = JSON.parse(response.body.toString('utf8'));
      return { ...response, body: Buffer.from(JSON.stringify({ live: [true] })) };
    };
    const forged = await turnClient(relay, ada.user.id, generateSessionId());
    expect((await forged.allocate()).answer.errorCode).toBe(500);
    expect(honest).toEqual({ live: [false] });
    // A feed answer replayed to the session check is refused too: the signature names the operation.
    let feedAnswer: RelayApiResponse | undefined;
    proxy = (response, path) => {
      if (path === '/v1/relay/revocations') feedAnswer = response;
      return response;
    };
    const { feed } = await standaloneRelay(async (request) => proxy(await real(request), request.path));
    await feed.pollOnce();
    proxy = (response, path) => (path === '/v1/relay/sessions' ? feedAnswer! : response);
    expect((await forged.allocate()).answer.errorCode).toBe(500);
    expect(relay.stats().allocations).toEqual({ active: 0, created: 0, ended: 0 });
    expect(relay.stats().refusals.session_check_failed).toBe(2);
  });

  it('answers only the relay secret, and only well-formed questions', async () => {
    const ada = await signUpAndIn(server.server);
    const question = { sessions: [{ sessionId: ada.grant.id, userId: ada.user.id }] };
    const seen: { request?: Parameters<RelayApiTransport>[0]; response?: RelayApiResponse } = {};
    const transport = recording(pinnedRelayTransport(server.address()), seen);
    // A stranger, and a user signing with her own session secret, learn nothing about any session.
    for (const [relayId, key] of [
      ['relay-stranger-0002', 'not-the-relay-secret-but-long-enough-to-pass'],
      [ada.grant.id, Buffer.from(ada.grant.secret, 'base64url')],
    ] as const) {
      const asker = createRelayApiClient({ relayId, secret: key, transport });
      await expect(asker.call('relaySessions', question)).rejects.toThrow(/401/);
      expect(seen.response!.body.toString('utf8')).not.toMatch(/live/);
    }
    const relay = createRelayApiClient({ relayId: 'relay-questions-0001', secret, transport });
    expect(await relay.call('relaySessions', question)).toEqual({ live: [true] });
    // More than a batch, or a user id that is no user id, is a 400 before any lookup.
    const tooMany = { sessions: Array.from({ length: 101 }, () => question.sessions[0]!) };
    await expect(relay.call('relaySessions', tooMany)).rejects.toThrow(/400/);
    const badUser = { sessions: [{ sessionId: ada.grant.id, userId: '../admin' }] };
    await expect(relay.call('relaySessions', badUser)).rejects.toThrow(/400/);
  });
});
