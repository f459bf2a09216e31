import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signUpAndIn, startTestServer, type TestServer } from '../../../test/support/serverHarness';
import { SIGNED_HEADERS } from '../../../shared/signedRequest';
import { mintTurnCredentials, relaySecretText } from '../auth/turnCredentials';
import { createRelay, type Relay } from './relayServer';
import {
  createRevocationFeed,
  pinnedFeedTransport,
  type FeedResponse,
  type FeedTransport,
  type RevocationFeed,
} from './revocationFeed';
import { createTurnTestClient, type TurnTestClient } from './testing/turnTestClient';

/**
 * A relay run apart (as `npm run relay` runs it) against the real server over pinned HTTPS: sessions the server
 * revokes reach the relay through the signed feed, and nothing else can end or keep an allocation.
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

async function standaloneRelay(transport?: FeedTransport): Promise<{ relay: Relay; feed: RevocationFeed }> {
  let relay: Relay | null = null;
  const feed = createRevocationFeed({
    relayId: `relay-${randomBytes(8).toString('hex')}`,
    secret,
    transport: transport ?? pinnedFeedTransport(server.address()),
    onRevoked: (sessionId) => relay?.endSession(sessionId),
  });
  relay = await createRelay({
    realm: 'whoot',
    secret,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: null, tls: null },
    relay: { address: '127.0.0.1', portRange: { min: 40000, max: 60000 } },
    isSessionLive: async (sessionId) => feed.isLive(sessionId),
    log: () => undefined,
  });
  open.push(relay);
  // Start where the server is now, as a relay that has been running all along would be.
  await feed.pollOnce();
  return { relay, feed };
}

async function turnClient(relay: Relay, userId: string, sessionId: string): Promise<TurnTestClient> {
  const minted = mintTurnCredentials({
    secret,
    userId,
    sessionId,
    ttlSeconds: 600,
    now: Math.floor(Date.now() / 1000),
  });
  if (!minted.ok) throw new Error(minted.error.message);
  const client = await createTurnTestClient({
    server: relay.addresses.udp!,
    username: minted.value.username,
    password: minted.value.credential,
  });
  open.push(client);
  return client;
}

const recording = (inner: FeedTransport, seen: { request?: Parameters<FeedTransport>[0]; response?: FeedResponse }) =>
  (async (request) => {
    seen.request = request;
    seen.response = await inner(request);
    return seen.response;
  }) satisfies FeedTransport;

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
    const seen: { request?: Parameters<FeedTransport>[0]; response?: FeedResponse } = {};
    const real = pinnedFeedTransport(server.address());
    let tamper: (response: FeedResponse) => FeedResponse = (response) => response;
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
        const response = await pinnedFeedTransport(server.address())(request);
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
      transport: pinnedFeedTransport(server.address()),
      onRevoked: () => undefined,
    });
    await expect(asUser.pollOnce()).rejects.toThrow(/401/);

    const seen: { request?: Parameters<FeedTransport>[0]; response?: FeedResponse } = {};
    const real = pinnedFeedTransport(server.address());
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
