import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/ws';
import { connectSocket, rawRequest, type RawResponse } from '../support/rawServerClient';
import {
  ON_SQLITE_NODE,
  signUpAndIn,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../support/serverHarness';
import { storeContains } from '../support/storeContains';
import { tamperLastCharacter } from '../support/tamper';

/**
 * Inbound webhook inputs over real HTTPS and WSS: a system posts to the input's URL with no session, and the post
 * appears in the bound channel's timeline, live for connected members and on resume for those who were away.
 * Unknown, disabled and refused requests answer exactly like accepted ones; an ephemeral input keeps nothing of
 * what it received (checked in the SQLite file itself).
 */

let t: TestServer;
let ada: TestClient;
let bob: TestClient;
let workspaceId: string;
let channelId: string;

beforeAll(async () => {
  t = await startTestServer();
  [ada, bob] = await Promise.all([signUpAndIn(t.server, 'ada'), signUpAndIn(t.server, 'bob')]);
  workspaceId = (await ada.call('createWorkspace', { body: { slug: 'inputs', name: 'Inputs' } })).workspace.id;
  channelId = (await ada.call('createChannel', { params: { workspaceId }, body: { name: 'alerts', kind: 'text' } }))
    .channel.id;
  const invite = await ada.call('createInvite', { params: { workspaceId }, body: { role: 'member' } });
  await bob.call('acceptInvite', { body: { code: invite.code } });
});
afterAll(async () => {
  await t?.close();
});

async function createInput(options: { ephemeral?: boolean; requireToken?: boolean; name?: string } = {}) {
  const { input } = await ada.call('createInput', {
    params: { workspaceId },
    body: { name: options.name ?? 'CI', channelId, ...options },
  });
  return input;
}

function post(inputId: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(t.server, {
    method: 'POST',
    path: `/v1/inputs/${encodeURIComponent(inputId)}`,
    body: JSON.stringify(body),
    headers,
  });
}

const posted = (m: ServerMessage, text: string) =>
  m.type === 'event' && m.event.type === 'message.posted' && m.event.payload.message.body === text;

async function timelineBodies(): Promise<string[]> {
  const page = await ada.call('listMessages', { params: { workspaceId, channelId } });
  return page.messages.map((m) => m.body);
}

describe('posting to an input', () => {
  it('shows the post in the channel at once for a connected member, authored by the input', async () => {
    const input = await createInput({ name: 'Deploy bot' });
    expect(input.url).toBe(`https://127.0.0.1:${t.server.port}/v1/inputs/${input.id}`);
    const { socket } = await connectSocket(t.server, bob, workspaceId);
    const text = `deploy ${randomBytes(4).toString('hex')} finished`;
    const response = await post(input.id, { text });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ received: true });

    const event = await socket.next('event', (m) => posted(m, text), 5000);
    expect(event.event.type === 'message.posted' && event.event.payload.message).toMatchObject({
      channelId,
      author: { kind: 'input', inputId: input.id, name: 'Deploy bot' },
      body: text,
    });
    socket.ws.close();
    await socket.closed;
  });

  it('posts any other JSON object as a code block', async () => {
    const input = await createInput();
    await post(input.id, { status: 'failing', build: 42 });
    expect((await timelineBodies()).at(-1)).toBe('```json\n{\n  "status": "failing",\n  "build": 42\n}\n```');
  });

  it('a member who was offline gets the post when they resume', async () => {
    const input = await createInput();
    const first = await connectSocket(t.server, bob, workspaceId);
    await first.socket.barrier();
    const lastSeq = Math.max(
      first.welcome.seq,
      ...first.socket.received.flatMap((m) => (m.type === 'event' ? [m.event.seq] : [])),
    );
    first.socket.ws.close();
    await first.socket.closed;

    const text = `while you were away ${randomUUID()}`;
    await post(input.id, { text });

    const back = await connectSocket(t.server, bob, workspaceId, { type: 'resume', workspaceId, lastSeq });
    const event = await back.socket.next('event', (m) => posted(m, text), 5000);
    expect(event.event.seq).toBeGreaterThan(lastSeq);
    expect(back.socket.of('resync')).toEqual([]);
    back.socket.ws.close();
    await back.socket.closed;
  });
});

describe('what an outsider can learn', () => {
  it('answers unknown, malformed, disabled, token-refused and accepted requests identically', async () => {
    const open = await createInput();
    const disabled = await createInput();
    await ada.call('updateInput', { params: { workspaceId, inputId: disabled.id }, body: { enabled: false } });
    const guarded = await createInput({ requireToken: true });
    const before = await timelineBodies();

    const responses = {
      accepted: await post(open.id, { text: 'accepted' }),
      unknown: await post(randomUUID(), { text: 'unknown' }),
      malformed: await post('not-an-input', { text: 'malformed' }),
      disabled: await post(disabled.id, { text: 'disabled' }),
      refused: await post(guarded.id, { text: 'refused' }),
      badToken: await post(
        guarded.id,
        { text: 'bad token' },
        { authorization: `Bearer wht_${'0'.repeat(32)}_${'A'.repeat(43)}` },
      ),
    };
    const shape = (r: RawResponse) => ({
      status: r.status,
      text: r.text,
      headers: Object.keys(r.headers)
        .filter((name) => !['date', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(name))
        .sort()
        .map((name) => [name, r.headers[name]]),
    });
    const reference = shape(responses.accepted);
    expect(reference.status).toBe(200);
    for (const response of Object.values(responses)) expect(shape(response)).toEqual(reference);
    // Only the accepted one posted.
    expect((await timelineBodies()).slice(before.length)).toEqual(['accepted']);
    const statuses = async (id: string) =>
      (await ada.call('listInputRequests', { params: { workspaceId, inputId: id } })).requests.map((r) => r.status);
    expect(await statuses(disabled.id)).toEqual(['disabled']);
    expect(await statuses(guarded.id)).toEqual(['token_refused', 'token_refused']);
  });

  it('a token-guarded input accepts a live token of its workspace, and nothing else', async () => {
    const guarded = await createInput({ requireToken: true });
    const { token, apiToken } = await ada.call('createApiToken', { params: { workspaceId }, body: { name: 'ci' } });
    expect(token).toMatch(/^wht_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const listed = await ada.call('listApiTokens', { params: { workspaceId } });
    expect(JSON.stringify(listed)).not.toContain(token.slice(-43));

    const before = await timelineBodies();
    await post(guarded.id, { text: 'with token' }, { authorization: `Bearer ${token}` });
    await post(guarded.id, { text: 'tampered token' }, { authorization: `Bearer ${tamperLastCharacter(token)}` });
    expect((await timelineBodies()).slice(before.length)).toEqual(['with token']);
    const used = (await ada.call('listApiTokens', { params: { workspaceId } })).tokens.find(
      (x) => x.id === apiToken.id,
    );
    expect(used?.lastUsedAt).toEqual(expect.any(Number));

    await ada.call('revokeApiToken', { params: { workspaceId, tokenId: apiToken.id } });
    await post(guarded.id, { text: 'revoked token' }, { authorization: `Bearer ${token}` });
    expect((await timelineBodies()).slice(before.length)).toEqual(['with token']);
    // Stored as a hash only.
    expect(await storeContains(t, token.slice(-43))).toBe(false);
  });
});

describe('what is kept', () => {
  // Reads one node's SQLite file byte by byte and its schema's CHECK message: a PostgreSQL store has neither.
  it.skipIf(!ON_SQLITE_NODE)(
    'an ephemeral input stores no body, headers or query: status and time only, checked in the SQLite file',
    async () => {
      const keeping = await createInput();
      const ephemeral = await createInput({ ephemeral: true });
      const marker = `marker-${randomBytes(8).toString('hex')}`;
      const headerMarker = `header-${randomBytes(8).toString('hex')}`;
      await post(keeping.id, { text: `kept ${marker}` }, { 'x-source': headerMarker });
      await post(ephemeral.id, { text: `gone ${marker}` }, { 'x-source': headerMarker });
      // Both posted: the channel shows what the admin asked for (sealed at rest like every message).
      expect((await timelineBodies()).slice(-2)).toEqual([`kept ${marker}`, `gone ${marker}`]);

      // The non-ephemeral input's log holds the request (sealed), without its credentials...
      const [kept] = (await ada.call('listInputRequests', { params: { workspaceId, inputId: keeping.id } })).requests;
      expect(kept).toMatchObject({ status: 'posted', content: { body: JSON.stringify({ text: `kept ${marker}` }) } });
      expect(kept?.content?.headers['x-source']).toBe(headerMarker);
      // ...the ephemeral one's, status and time only.
      const [gone] = (await ada.call('listInputRequests', { params: { workspaceId, inputId: ephemeral.id } })).requests;
      expect(gone).toEqual({ id: expect.any(String), receivedAt: expect.any(Number), status: 'posted', content: null });

      const raw = new Database(join(t.dataDir, 'whoot.db'));
      try {
        const rows = raw
          .prepare<[string], Record<string, unknown>>('SELECT * FROM input_requests WHERE input_id = ?')
          .all(ephemeral.id);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ status: 'posted', ephemeral: 1, content: null });
        expect(Object.keys(rows[0] ?? {}).sort()).toEqual(
          ['content', 'ephemeral', 'id', 'input_id', 'received_at', 'status', 'workspace_id'].sort(),
        );
        // The schema itself refuses content on an ephemeral request.
        expect(() =>
          raw.prepare("UPDATE input_requests SET content = 'x' WHERE input_id = ?").run(ephemeral.id),
        ).toThrow(/CHECK constraint failed/);
      } finally {
        raw.close();
      }
      // Nothing anywhere in the database files in plaintext: not the body, not the header.
      for (const file of ['whoot.db', 'whoot.db-wal']) {
        const path = join(t.dataDir, file);
        if (!existsSync(path)) continue;
        const bytes = readFileSync(path);
        expect(bytes.includes(Buffer.from(marker))).toBe(false);
        expect(bytes.includes(Buffer.from(headerMarker))).toBe(false);
      }
    },
  );
});
