import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNED_HEADERS } from '../../shared/signedRequest';
import {
  expectError,
  expectSecurityHeaders,
  forgedHeaders,
  prepareCall,
  rawRequest,
  signedHeaders,
  type RawResponse,
} from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Attacks on the signed-request scheme at the HTTP level (docs/signed-requests.md): every refusal is a 401 with a
 * machine-readable reason in the REST error shape, and leaves the store exactly as it was.
 */

let t: TestServer;
let ada: TestClient;
let workspaceA: string;
let workspaceB: string;

beforeAll(async () => {
  t = await startTestServer();
  ada = await signUpAndIn(t.server, 'ada');
  workspaceA = (await ada.call('createWorkspace', { body: { slug: 'signed-a', name: 'A' } })).workspace.id;
  workspaceB = (await ada.call('createWorkspace', { body: { slug: 'signed-b', name: 'B' } })).workspace.id;
});
afterAll(async () => {
  await t?.close();
});

const channelsOf = async (workspaceId: string) =>
  (await t.server.store.forWorkspace(workspaceId).channels.list()).map((c) => c.id).sort();

/** Everything a refused request must not have touched. */
async function snapshot() {
  return {
    a: await channelsOf(workspaceA),
    b: await channelsOf(workspaceB),
    audit: (await t.server.store.audit.head()).seq,
    sessions: (await t.server.store.sessions.listActive(ada.user.id)).map((s) => s.id).sort(),
  };
}

/** A createChannel request for workspace A, as the desktop client would build it. */
const createChannelIn = (workspaceId: string, name = 'General') =>
  prepareCall(ada, 'createChannel', { params: { workspaceId }, body: { name, relayOnly: true } });

const send = (call: { method: string; path: string; body: string }, headers: Record<string, string>) =>
  rawRequest(t.server, { method: call.method, path: call.path, body: call.body, headers });

function expect401(response: RawResponse, reason: string) {
  expectError(response, 401, reason);
  expectSecurityHeaders(response);
}

describe('signed requests over raw HTTPS', () => {
  it('accepts a correctly signed request (the control for every attack below)', async () => {
    const call = createChannelIn(workspaceA, 'control');
    const response = await send(call, signedHeaders(ada, call));
    expect(response.status).toBe(201);
    const created = (response.json as { channel: { id: string } }).channel.id;
    expect(await channelsOf(workspaceA)).toContain(created);
    await t.server.store.forWorkspace(workspaceA).channels.delete(created);
  });

  it('refuses a replay of the same headers and body: 401 replayed_nonce, and no second channel', async () => {
    const call = createChannelIn(workspaceA, 'replayed');
    const headers = signedHeaders(ada, call);
    const first = await send(call, headers);
    expect(first.status).toBe(201);
    const before = await snapshot();

    const replay = await send(call, headers);
    expect401(replay, 'replayed_nonce');
    expect(await snapshot()).toEqual(before);
    const scope = t.server.store.forWorkspace(workspaceA);
    expect((await scope.channels.list()).filter((c) => c.name === 'replayed')).toHaveLength(1);
    const events = await scope.events.since(0, 100);
    expect(events.filter((e) => JSON.stringify(e.payload).includes('"replayed"'))).toHaveLength(1);
  });

  it('lets exactly one of several simultaneous copies of a signed request through', async () => {
    const call = createChannelIn(workspaceA, 'raced');
    const headers = signedHeaders(ada, call);
    const responses = await Promise.all(Array.from({ length: 8 }, () => send(call, headers)));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 401, 401, 401, 401, 401, 401, 401]);
    for (const refused of responses.filter((r) => r.status === 401)) expect401(refused, 'replayed_nonce');
    const channels = await t.server.store.forWorkspace(workspaceA).channels.list();
    expect(channels.filter((c) => c.name === 'raced')).toHaveLength(1);
  });

  it('refuses a request signed 61 s ago, and one signed 61 s ahead: 401 timestamp_out_of_window', async () => {
    const before = await snapshot();
    for (const skew of [-61, 61, -3600]) {
      const call = createChannelIn(workspaceA, `skew${skew}`);
      const headers = signedHeaders(ada, call, () => Math.floor(Date.now() / 1000) + skew);
      expect401(await send(call, headers), 'timestamp_out_of_window');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a signature made for another operation: 401 bad_signature', async () => {
    const before = await snapshot();
    const call = createChannelIn(workspaceA, 'tampered-op');
    for (const operation of ['channel.delete', 'channel.list', 'member.setRole', 'workspace.create']) {
      expect401(await send(call, signedHeaders(ada, { ...call, operation })), 'bad_signature');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a signature for workspace A sent to workspace B (the caller owns both): 401 bad_signature', async () => {
    const before = await snapshot();
    const signedForA = createChannelIn(workspaceA, 'tampered-resource');
    const sentToB = createChannelIn(workspaceB, 'tampered-resource');
    expect(sentToB.body).toBe(signedForA.body);
    expect401(await send(sentToB, signedHeaders(ada, signedForA)), 'bad_signature');
    // An empty resource id is not a wildcard either.
    expect401(await send(sentToB, signedHeaders(ada, { ...signedForA, resourceId: '' })), 'bad_signature');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a delete signed for a channel in workspace A sent with workspace B in the path: 401 bad_signature', async () => {
    const channel = (await ada.call('createChannel', { params: { workspaceId: workspaceA }, body: { name: 'keep' } }))
      .channel.id;
    const before = await snapshot();
    const signedForA = prepareCall(ada, 'deleteChannel', { params: { workspaceId: workspaceA, channelId: channel } });
    const sentToB = prepareCall(ada, 'deleteChannel', { params: { workspaceId: workspaceB, channelId: channel } });
    expect401(await send(sentToB, signedHeaders(ada, signedForA)), 'bad_signature');
    // Signing only the channel id (the last path id) is not enough either.
    expect401(await send(sentToB, signedHeaders(ada, { ...signedForA, resourceId: channel })), 'bad_signature');
    expect(await snapshot()).toEqual(before);
    expect(await channelsOf(workspaceA)).toContain(channel);
  });

  it('refuses a body changed after signing, by one byte or by a trailing space: 401 bad_signature', async () => {
    const before = await snapshot();
    const call = createChannelIn(workspaceA, 'General');
    const headers = signedHeaders(ada, call);
    const oneByte = { ...call, body: call.body.replace('General', 'Generam') };
    expect(oneByte.body).not.toBe(call.body);
    expect401(await send(oneByte, headers), 'bad_signature');
    expect401(await send({ ...call, body: `${call.body} ` }, signedHeaders(ada, call)), 'bad_signature');
    // Same JSON value, different bytes: the signature covers the bytes.
    const reordered = { ...call, body: JSON.stringify({ relayOnly: true, name: 'General' }) };
    expect401(await send(reordered, signedHeaders(ada, call)), 'bad_signature');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a request without signature headers, or missing any one of them: 401 missing_signature', async () => {
    const before = await snapshot();
    const call = createChannelIn(workspaceA, 'unsigned');
    expect401(await send(call, {}), 'missing_signature');
    for (const header of Object.values(SIGNED_HEADERS)) {
      const headers = Object.fromEntries(Object.entries(signedHeaders(ada, call)).filter(([name]) => name !== header));
      expect401(await send(call, headers), 'missing_signature');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses malformed signature headers: 401 malformed_signature', async () => {
    const before = await snapshot();
    const call = createChannelIn(workspaceA, 'malformed');
    const good = signedHeaders(ada, call);
    const variants: Record<string, string>[] = [
      { ...good, [SIGNED_HEADERS.signature]: good[SIGNED_HEADERS.signature]!.toUpperCase() },
      { ...good, [SIGNED_HEADERS.signature]: good[SIGNED_HEADERS.signature]!.slice(0, 63) },
      { ...good, [SIGNED_HEADERS.nonce]: 'ab' },
      { ...good, [SIGNED_HEADERS.timestamp]: '1e9' },
      { ...good, [SIGNED_HEADERS.session]: '../../etc/passwd' },
    ];
    for (const headers of variants) expect401(await send(call, headers), 'malformed_signature');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a session id that was never issued, with a valid-looking signature: 401 unknown_session', async () => {
    const before = await snapshot();
    const call = createChannelIn(workspaceA, 'unknown');
    const headers = forgedHeaders(ada, { ...call, sessionId: 'AAAAAAAAAAAAAAAAAAAAAAAA' });
    expect401(await send(call, headers), 'unknown_session');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses every request of a signed-out session: 401 unknown_session, nothing changes', async () => {
    const bob = await signUpAndIn(t.server, 'bob');
    const workspace = (await bob.call('createWorkspace', { body: { slug: 'signed-bob', name: 'Bob' } })).workspace.id;
    const prepared = prepareCall(bob, 'createChannel', { params: { workspaceId: workspace }, body: { name: 'x' } });
    // Signed while the session was live, sent after it ended: still refused.
    const signedBefore = signedHeaders(bob, prepared);
    await bob.call('signOut');
    const auditBefore = (await t.server.store.audit.head()).seq;

    expect401(await send(prepared, signedBefore), 'unknown_session');
    expect401(await send(prepared, signedHeaders(bob, prepared)), 'unknown_session');
    const list = prepareCall(bob, 'listWorkspaces');
    expect401(
      await rawRequest(t.server, { method: 'GET', path: list.path, headers: signedHeaders(bob, list) }),
      'unknown_session',
    );
    expect(await t.server.store.forWorkspace(workspace).channels.list()).toEqual([]);
    expect(await t.server.store.sessions.listActive(bob.user.id)).toEqual([]);
    expect((await t.server.store.audit.head()).seq).toBe(auditBefore);
  });
});
