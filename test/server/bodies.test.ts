import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFromAnotherProcess } from '../../main/server/http/testing/postFromAnotherProcess';
import {
  expectError,
  expectSecurityHeaders,
  forgedHeaders,
  prepareCall,
  rawRequest,
  signedCall,
  type RawResponse,
} from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Hostile request bodies and paths against the real server. Every request here is correctly signed, so each
 * refusal comes from the body or path check under test and not from the signature; and none creates anything.
 */

let t: TestServer;
let ada: TestClient;
let workspaceId: string;

beforeAll(async () => {
  t = await startTestServer();
  ada = await signUpAndIn(t.server, 'ada');
  workspaceId = (await ada.call('createWorkspace', { body: { slug: 'bodies', name: 'Bodies' } })).workspace.id;
});
afterAll(async () => {
  await t?.close();
});

async function state() {
  return {
    workspaces: (await t.server.store.workspaces.listForUser(ada.user.id)).map((m) => m.workspace.id).sort(),
    channels: (await t.server.store.forWorkspace(workspaceId).channels.list()).map((c) => c.id).sort(),
    audit: (await t.server.store.audit.head()).seq,
  };
}

/** Names an attacker would send to reach an admin's terminal or reorder what members see. */
const HOSTILE_NAMES = [
  ['ESC (a terminal escape)', '\x1b[2J\x1b]0;pwned\x07Team'],
  ['CR/LF', 'Team\r\nInvite accepted: admin'],
  ['a trailing LF', 'Team\n'],
  ['NUL', 'Team\u0000'],
  ['U+202E (bidi override)', 'Team\u202Egnp.exe'],
  ['U+2066 (bidi isolate)', '\u2066Team\u2069'],
  ['U+200B (zero-width space)', 'Te\u200Bam'],
  ['U+FEFF (zero-width no-break space)', '\uFEFFTeam'],
  ['U+0085 (C1 next line)', 'Team\u0085x'],
] as const;
const NAME_RULE = /name: must not contain control, formatting \(bidi, zero-width\) or line break characters/;

/** createWorkspace with this exact body text, signed over exactly these bytes and this slug. */
function createWorkspaceRaw(
  body: string,
  slug: string,
  options: { contentType?: string | null; chunked?: boolean } = {},
) {
  const call = prepareCall(ada, 'createWorkspace');
  return rawRequest(t.server, {
    method: call.method,
    path: call.path,
    body,
    headers: forgedHeaders(ada, { operation: call.operation, resourceId: slug, body }),
    ...options,
  });
}

function expectRefusal(response: RawResponse, status: number, code?: string) {
  expect(response.status).toBe(status);
  expect(response.json).toStrictEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  if (code !== undefined) expectError(response, status, code);
  expectSecurityHeaders(response);
}

describe('request bodies', () => {
  it('accepts a well-formed signed body (the control)', async () => {
    const body = JSON.stringify({ slug: 'control-body', name: 'Control' });
    const response = await createWorkspaceRaw(body, 'control-body');
    expect(response.status).toBe(201);
  });

  it('refuses an oversized body with 413, declared or chunked, and creates nothing', async () => {
    const before = await state();
    const huge = JSON.stringify({ slug: 'huge', name: 'x'.repeat(70 * 1024) });
    expectRefusal(await createWorkspaceRaw(huge, 'huge'), 413, 'payload_too_large');
    expectRefusal(await createWorkspaceRaw(huge, 'huge', { chunked: true }), 413, 'payload_too_large');
    expect(await state()).toEqual(before);
  });

  it('gets its 413 to a Node https.request client still sending 2 MB or 20 MB to sign-in, every time', async () => {
    const ca = readFileSync(join(t.dataDir, 'tls', 'server-cert.pem'), 'utf8');
    for (const bytes of [2 * 1024 * 1024, 20 * 1024 * 1024]) {
      const attempts = await postFromAnotherProcess({
        port: t.server.port,
        ca,
        path: '/v1/auth/sign-in',
        headers: { 'content-type': 'application/json' },
        bytes,
        attempts: 3,
        mode: 'whole',
      });
      expect(attempts).toHaveLength(3);
      for (const attempt of attempts) expect(attempt).toMatchObject({ status: 413, errorBeforeAnswer: null });
    }
  });

  it('refuses malformed JSON with 400 malformed_json', async () => {
    const before = await state();
    for (const body of ['{"slug": "bad", ', '{slug: "bad"}', "{'slug':'bad'}"]) {
      expectRefusal(await createWorkspaceRaw(body, 'bad'), 400, 'malformed_json');
    }
    // Invalid UTF-8 is not JSON either.
    const invalidUtf8 = Buffer.concat([
      Buffer.from('{"slug":"bad","name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const call = prepareCall(ada, 'createWorkspace');
    const response = await rawRequest(t.server, {
      method: 'POST',
      path: call.path,
      body: invalidUtf8,
      headers: forgedHeaders(ada, { operation: call.operation, resourceId: 'bad', body: invalidUtf8 }),
    });
    expectRefusal(response, 400, 'malformed_json');
    expect(await state()).toEqual(before);
  });

  it('refuses an unknown field with 400, even one that looks like a privilege', async () => {
    const before = await state();
    for (const extra of [{ role: 'owner' }, { ownerUserId: ada.user.id }, { id: workspaceId }]) {
      const body = JSON.stringify({ slug: 'extra', name: 'Extra', ...extra });
      expectRefusal(await createWorkspaceRaw(body, 'extra'), 400);
    }
    const prototype = '{"slug":"extra","name":"Extra","__proto__":{"admin":true}}';
    expectRefusal(await createWorkspaceRaw(prototype, 'extra'), 400);
    expect(await state()).toEqual(before);
    expect(await t.server.store.workspaces.bySlug('extra')).toBeUndefined();
  });

  it('refuses a body that is not application/json with 415', async () => {
    const before = await state();
    const body = JSON.stringify({ slug: 'typed', name: 'Typed' });
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      null,
    ]) {
      expectRefusal(await createWorkspaceRaw(body, 'typed', { contentType }), 415, 'unsupported_media_type');
    }
    expect(await state()).toEqual(before);
    expect(await t.server.store.workspaces.bySlug('typed')).toBeUndefined();
  });

  it('refuses slug injection on createWorkspace with 400 and creates no workspace', async () => {
    const before = await state();
    const slugs = ['a@b', '../', '%2e%2e', 'a'.repeat(65), 'A', '-a', 'a-', 'a b', 'a\nb', '', 'ａ', 'a.b', 'a_b'];
    for (const slug of slugs) {
      const body = JSON.stringify({ slug, name: 'Injected' });
      // Signed over the slug as the server will read it, so only the slug rule can refuse it.
      const response = await createWorkspaceRaw(body, slug);
      expectRefusal(response, 400);
      expect((response.json as { error: { code: string } }).error.code).not.toMatch(/signature/);
      expect(await t.server.store.workspaces.bySlug(slug)).toBeUndefined();
    }
    expect(await state()).toEqual(before);
    // The longest allowed slug is accepted (the control for the 65-character one).
    const longest = 'a'.repeat(64);
    expect((await createWorkspaceRaw(JSON.stringify({ slug: longest, name: 'Long' }), longest)).status).toBe(201);
  });
});

describe('request paths', () => {
  const tricks: [path: string, status: number, code: string][] = [
    ['/v1/workspaces/..%2f..%2fetc/members', 400, 'bad_path'],
    ['/v1/workspaces/%2e%2e/members', 400, 'bad_path'],
    ['/v1/workspaces/%2E%2E%2F/members', 400, 'bad_path'],
    ['/v1/workspaces/../workspaces', 400, 'bad_path'],
    ['/v1/workspaces/./members', 400, 'bad_path'],
    ['/v1/workspaces/a%2fb/members', 400, 'bad_path'],
    ['/v1/workspaces/a%5cb/members', 400, 'bad_path'],
    ['/v1/workspaces/%252e%252e/members', 400, 'bad_path'],
    ['/v1/workspaces/x%00/members', 400, 'bad_path'],
    ['/v1/workspaces/x%/members', 400, 'bad_path'],
    ['/v1/workspaces\\..\\members', 400, 'bad_path'],
  ];

  it.each(tricks)('refuses %s with %i %s', async (path, status, code) => {
    const before = await state();
    const call = prepareCall(ada, 'listMembers', { params: { workspaceId } });
    const response = await rawRequest(t.server, {
      method: 'GET',
      path,
      headers: forgedHeaders(ada, { operation: call.operation, resourceId: workspaceId, body: '' }),
    });
    expectRefusal(response, status, code);
    expect(await state()).toEqual(before);
  });

  it('refuses encoded separators and extra segments around a real workspace id', async () => {
    const before = await state();
    const call = prepareCall(ada, 'listChannels', { params: { workspaceId } });
    const cases: [path: string, status: number, code: string][] = [
      [`/v1/workspaces/${workspaceId}%2fchannels`, 400, 'bad_path'],
      [`/v1/workspaces/${workspaceId}%2Fchannels/x/..`, 400, 'bad_path'],
      [`/v1/workspaces/${workspaceId}/channels%2f`, 400, 'bad_path'],
      [`/v1/workspaces/${workspaceId}/channels?x=1`, 400, 'unexpected_query'],
      [`/v1/workspaces/${workspaceId}/channels/`, 404, 'not_found'],
      [`//v1/workspaces/${workspaceId}/channels`, 404, 'not_found'],
    ];
    for (const [path, status, code] of cases) {
      const response = await rawRequest(t.server, {
        method: 'GET',
        path,
        headers: forgedHeaders(ada, { operation: call.operation, resourceId: workspaceId, body: '' }),
      });
      expectRefusal(response, status, code);
    }
    expect(await state()).toEqual(before);
    // The control: the same signed request on the plain path is answered.
    const plain = await rawRequest(t.server, {
      method: 'GET',
      path: call.path,
      headers: forgedHeaders(ada, { operation: call.operation, resourceId: workspaceId, body: '' }),
    });
    expect(plain.status).toBe(200);
  });
});

describe('workspace and channel names', () => {
  it.each(HOSTILE_NAMES)('refuses a workspace named with %s, and stores nothing', async (_what, name) => {
    const before = await state();
    const response = await signedCall(t.server, ada, 'createWorkspace', { body: { slug: 'hostile', name } });
    expectRefusal(response, 400, 'invalid_input');
    expect((response.json as { error: { message: string } }).error.message).toMatch(NAME_RULE);
    expect(await t.server.store.workspaces.bySlug('hostile')).toBeUndefined();
    expect(await state()).toEqual(before);
  });

  it.each(HOSTILE_NAMES)('refuses a voice or text channel named with %s, and stores nothing', async (_what, name) => {
    const before = await state();
    for (const kind of ['voice', 'text'] as const) {
      const response = await signedCall(t.server, ada, 'createChannel', {
        params: { workspaceId },
        body: { name, kind },
      });
      expectRefusal(response, 400, 'invalid_input');
      expect((response.json as { error: { message: string } }).error.message).toMatch(NAME_RULE);
    }
    expect(await state()).toEqual(before);
  });

  it('accepts names in any script and with emoji, trimming surrounding spaces (the control)', async () => {
    const { workspace } = await ada.call('createWorkspace', { body: { slug: 'intl', name: '  Équipe チーム 🎧 ' } });
    expect(workspace.name).toBe('Équipe チーム 🎧');
    const { channel } = await ada.call('createChannel', {
      params: { workspaceId: workspace.id },
      body: { name: 'Salon café', kind: 'text' },
    });
    expect(channel.name).toBe('Salon café');
  });
});
