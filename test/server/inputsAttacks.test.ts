import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, rawRequest, signedCall, type RawResponse } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Inbound inputs and API tokens as an attacker would try them: enumerating input URLs, posting with the wrong
 * workspace's token, binding an input to another workspace's channel, reaching another workspace's inputs and
 * tokens, flooding one URL. Each refusal is checked with the state it must leave as it was.
 */

let t: TestServer;
let ada: TestClient;
let mallory: TestClient;
let eve: TestClient;
let wsA: string;
let wsB: string;
let channelA: string;
let channelB: string;
let tokenB: string;
let inputA: string;
let tokenIdA: string;

beforeAll(async () => {
  // A small per-input bucket so flooding is quick to show; refilling slowly enough not to matter within a test.
  t = await startTestServer({ inputs: { perInput: { capacity: 3, refillPerSecond: 0.001 } } });
  [ada, mallory, eve] = await Promise.all([
    signUpAndIn(t.server, 'ada'),
    signUpAndIn(t.server, 'mallory'),
    signUpAndIn(t.server, 'eve'),
  ]);
  wsA = (await ada.call('createWorkspace', { body: { slug: 'inputs-a', name: 'A' } })).workspace.id;
  wsB = (await eve.call('createWorkspace', { body: { slug: 'inputs-b', name: 'B' } })).workspace.id;
  channelA = (await ada.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'a', kind: 'text' } }))
    .channel.id;
  channelB = (await eve.call('createChannel', { params: { workspaceId: wsB }, body: { name: 'b', kind: 'text' } }))
    .channel.id;
  const invite = await ada.call('createInvite', { params: { workspaceId: wsA }, body: { role: 'member' } });
  await mallory.call('acceptInvite', { body: { code: invite.code } });
  tokenB = (await eve.call('createApiToken', { params: { workspaceId: wsB }, body: { name: 'b' } })).token;
  inputA = (
    await ada.call('createInput', {
      params: { workspaceId: wsA },
      body: { name: 'guarded', channelId: channelA, requireToken: true },
    })
  ).input.id;
  tokenIdA = (await ada.call('createApiToken', { params: { workspaceId: wsA }, body: { name: 'a' } })).apiToken.id;
});
afterAll(async () => {
  await t?.close();
});

/** Everything inputs and tokens touch in a workspace, through the store. */
async function state(workspaceId: string, channelId: string) {
  const scope = t.server.store.forWorkspace(workspaceId);
  const inputs = await scope.inputs.list();
  return {
    inputs,
    requests: await Promise.all(inputs.map((input) => scope.inputs.requests(input.id, 100))),
    tokens: await scope.apiTokens.list(),
    messages: (await scope.messages.page(channelId, null, 100))?.messages,
    audit: await scope.audit.since(0, 1000),
  };
}

function post(inputId: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(t.server, {
    method: 'POST',
    path: `/v1/inputs/${inputId}`,
    body: JSON.stringify(body),
    headers,
  });
}

describe('posting', () => {
  it("another workspace's valid token does not open a guarded input", async () => {
    const before = await state(wsA, channelA);
    const response = await post(inputA, { text: 'from B' }, { authorization: `Bearer ${tokenB}` });
    expect(response.status).toBe(200);
    const after = await state(wsA, channelA);
    expect(after.messages).toEqual(before.messages);
    expect(after.requests[0]?.map((r) => r.status)).toEqual([
      'token_refused',
      ...(before.requests[0] ?? []).map((r) => r.status),
    ]);
  });

  it('refuses a query, a wrong content type and an oversized body the same way for every input id', async () => {
    const unknown = randomUUID();
    const before = await state(wsA, channelA);
    for (const id of [inputA, unknown]) {
      const query = await rawRequest(t.server, { method: 'POST', path: `/v1/inputs/${id}?x=1`, body: '{}' });
      expectError(query, 400, 'unexpected_query');
      const form = await rawRequest(t.server, {
        method: 'POST',
        path: `/v1/inputs/${id}`,
        body: 'text=hi',
        contentType: 'application/x-www-form-urlencoded',
      });
      expectError(form, 415, 'unsupported_media_type');
      const large = await post(id, { text: 'x'.repeat(70 * 1024) });
      expectError(large, 413, 'payload_too_large');
      const array = await rawRequest(t.server, { method: 'POST', path: `/v1/inputs/${id}`, body: '["not an object"]' });
      expectError(array, 400, 'invalid_input');
    }
    expect(await state(wsA, channelA)).toEqual(before);
  });

  it('rate-limits one URL, existing or not, with the same answer, and posts nothing past the limit', async () => {
    const { input } = await ada.call('createInput', {
      params: { workspaceId: wsA },
      body: { name: 'flood', channelId: channelA },
    });
    const unknown = randomUUID();
    const answers = { existing: [] as number[], unknown: [] as number[] };
    for (let i = 0; i < 4; i += 1) {
      answers.existing.push((await post(input.id, { text: `flood ${i}` })).status);
      answers.unknown.push((await post(unknown, { text: `flood ${i}` })).status);
    }
    expect(answers).toEqual({ existing: [200, 200, 200, 429], unknown: [200, 200, 200, 429] });
    const page = await t.server.store.forWorkspace(wsA).messages.page(channelA, null, 100);
    expect(page?.messages.filter((m) => m.body?.startsWith('flood'))).toHaveLength(3);
  });
});

describe('management', () => {
  it('a member cannot list, create, change or delete inputs and tokens (403), and nothing changes', async () => {
    const before = await state(wsA, channelA);
    const calls = [
      await signedCall(t.server, mallory, 'listInputs', { params: { workspaceId: wsA } }),
      await signedCall(t.server, mallory, 'createInput', {
        params: { workspaceId: wsA },
        body: { name: 'mine', channelId: channelA },
      }),
      await signedCall(t.server, mallory, 'updateInput', {
        params: { workspaceId: wsA, inputId: inputA },
        body: { requireToken: false },
      }),
      await signedCall(t.server, mallory, 'deleteInput', { params: { workspaceId: wsA, inputId: inputA } }),
      await signedCall(t.server, mallory, 'listInputRequests', { params: { workspaceId: wsA, inputId: inputA } }),
      await signedCall(t.server, mallory, 'listApiTokens', { params: { workspaceId: wsA } }),
      await signedCall(t.server, mallory, 'createApiToken', { params: { workspaceId: wsA }, body: { name: 'mine' } }),
      await signedCall(t.server, mallory, 'revokeApiToken', { params: { workspaceId: wsA, tokenId: tokenIdA } }),
    ];
    for (const response of calls) expectError(response, 403, 'forbidden');
    expect(await state(wsA, channelA)).toEqual(before);
  });

  it("another workspace's admin gets the same 404 for A's input and token as for ids that do not exist", async () => {
    const before = await state(wsA, channelA);
    const probes = (workspaceId: string, inputId: string, tokenId: string) =>
      [
        ['updateInput', { params: { workspaceId, inputId }, body: { enabled: false } }],
        ['deleteInput', { params: { workspaceId, inputId } }],
        ['listInputRequests', { params: { workspaceId, inputId } }],
        ['revokeApiToken', { params: { workspaceId, tokenId } }],
      ] as const;
    for (const workspaceId of [wsA, wsB]) {
      const foreign = probes(workspaceId, inputA, tokenIdA);
      const control = probes(workspaceId === wsA ? randomUUID() : wsB, randomUUID(), randomUUID());
      for (const [index, [name, input]] of foreign.entries()) {
        const attack = await signedCall(t.server, eve, name, input);
        const [, controlInput] = control[index] ?? [];
        const unknown = await signedCall(t.server, eve, name, controlInput ?? {});
        expectError(attack, 404, 'not_found');
        expectError(unknown, 404, 'not_found');
        expect(attack.json).toEqual(unknown.json);
      }
    }
    expect(await state(wsA, channelA)).toEqual(before);
  });

  it("an input cannot be bound or moved to another workspace's channel", async () => {
    const beforeA = await state(wsA, channelA);
    const beforeB = await state(wsB, channelB);
    expectError(
      await signedCall(t.server, ada, 'createInput', {
        params: { workspaceId: wsA },
        body: { name: 'into B', channelId: channelB },
      }),
      404,
      'not_found',
    );
    expectError(
      await signedCall(t.server, ada, 'updateInput', {
        params: { workspaceId: wsA, inputId: inputA },
        body: { channelId: channelB },
      }),
      404,
      'not_found',
    );
    expect(await state(wsA, channelA)).toEqual(beforeA);
    expect(await state(wsB, channelB)).toEqual(beforeB);
  });
});
