import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointName } from '../../shared/rest/endpoints';
import {
  connectSocket,
  expectError,
  forgedHeaders,
  prepareCall,
  rawRequest,
  signedCall,
  type RawResponse,
  type WsTestClient,
} from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Attacks on voice moderation, as the attacker would try them over real HTTPS with real signatures: members who
 * try to moderate, admins who try to moderate the owner or each other, moderators of another workspace naming this
 * one's ids, moves into channels that are not this workspace's voice channels, and replayed or re-targeted signed
 * requests. Each asserts the refusal and that nothing changed: mutes, events, audit log, who is in which room.
 */

let t: TestServer;
/** Workspace A: alice owns it, carol and cora are admins, dave and erin are members. Workspace B: bob owns it. */
let alice: TestClient;
let carol: TestClient;
let cora: TestClient;
let dave: TestClient;
let erin: TestClient;
let bob: TestClient;
let wsA: string;
let wsB: string;
let lobby: string;
let standup: string;
let textA: string;
let channelB: string;
/** Dave sits in A's lobby and Bob in B's voice channel throughout, so any move would show. */
let daveInLobby: WsTestClient;
let bobInB: WsTestClient;

async function join(client: TestClient, workspaceId: string, role: 'admin' | 'member', inviter: TestClient) {
  const invite = await inviter.call('createInvite', { params: { workspaceId }, body: { role } });
  await client.call('acceptInvite', { body: { code: invite.code } });
}

async function inRoom(client: TestClient, workspaceId: string, channelId: string) {
  const { socket } = await connectSocket(t.server, client, workspaceId);
  socket.send({ type: 'room.join', channelId });
  await socket.next('room.joined', (m) => m.channelId === channelId);
  return socket;
}

beforeAll(async () => {
  t = await startTestServer();
  const signUp = (name: string) => signUpAndIn(t.server, name);
  [alice, carol, cora, dave, erin, bob] = await Promise.all([
    signUp('alice'),
    signUp('carol'),
    signUp('cora'),
    signUp('dave'),
    signUp('erin'),
    signUp('bob'),
  ]);
  wsA = (await alice.call('createWorkspace', { body: { slug: 'attack-a', name: 'A' } })).workspace.id;
  wsB = (await bob.call('createWorkspace', { body: { slug: 'attack-b', name: 'B' } })).workspace.id;
  const voice = async (owner: TestClient, workspaceId: string, name: string) =>
    (await owner.call('createChannel', { params: { workspaceId }, body: { name } })).channel.id;
  lobby = await voice(alice, wsA, 'Lobby');
  standup = await voice(alice, wsA, 'Stand-up');
  channelB = await voice(bob, wsB, 'B');
  // A channel of A that is not a voice channel (text channels carry only a timeline).
  textA = (await t.server.store.forWorkspace(wsA).channels.create({ name: 'notes', kind: 'text' })).id;
  await join(carol, wsA, 'admin', alice);
  await join(cora, wsA, 'admin', alice);
  await join(dave, wsA, 'member', alice);
  await join(erin, wsA, 'member', alice);
  daveInLobby = await inRoom(dave, wsA, lobby);
  bobInB = await inRoom(bob, wsB, channelB);
});
afterAll(async () => {
  daveInLobby?.ws.terminate();
  bobInB?.ws.terminate();
  await t?.close();
});

/** Everything moderation could change, in both workspaces, read from the store and the signalling server. */
async function state() {
  const of = async (workspaceId: string) => {
    const scope = t.server.store.forWorkspace(workspaceId);
    return {
      mutes: await scope.voiceMutes.list(),
      latestEvent: await scope.events.latestSeq(),
      audit: await scope.audit.since(0, 1000),
      rooms: await t.server.signalling.voiceRooms(workspaceId),
    };
  };
  return {
    a: await of(wsA),
    b: await of(wsB),
    blocked: [alice, carol, cora, dave, erin, bob].map((c) => t.server.signalling.isMediaBlocked(c.user.id)),
  };
}

/** Where each socket in voice stands: everything sent to it before now has arrived (a round trip through the server). */
async function socketMarks(): Promise<number[]> {
  for (const socket of [daveInLobby, bobInB]) await socket.barrier();
  return [daveInLobby.received.length, bobInB.received.length];
}

/** Since the marks, the sockets in voice got nothing but the answer to the next round trip: no move, no event. */
async function expectSocketsUntouched(marks: number[]) {
  for (const [index, socket] of [daveInLobby, bobInB].entries()) {
    await socket.barrier();
    expect(socket.received.slice(marks[index]).map((m) => m.type)).toEqual(['room.left']);
  }
}

type Attempt = { name: EndpointName; params: Record<string, string>; body?: unknown };
const mute = (workspaceId: string, userId: string): Attempt => ({
  name: 'voiceMuteMember',
  params: { workspaceId, userId },
});
const unmute = (workspaceId: string, userId: string): Attempt => ({
  name: 'voiceUnmuteMember',
  params: { workspaceId, userId },
});
const move = (workspaceId: string, userId: string, channelId: string | null): Attempt => ({
  name: 'voiceMoveMember',
  params: { workspaceId, userId },
  body: { channelId },
});

async function expectRefused(attacker: TestClient, attempt: Attempt, status: number, code: string) {
  const marks = await socketMarks();
  const before = await state();
  const response = await signedCall(t.server, attacker, attempt.name, attempt);
  expectError(response, status, code);
  expect(await state()).toStrictEqual(before);
  await expectSocketsUntouched(marks);
  return response;
}

const comparable = (response: RawResponse) => ({ status: response.status, text: response.text });

describe('roles: only a higher role moderates', () => {
  it('a member cannot mute, unmute or move anyone, the owner included (403), and nothing changes', async () => {
    for (const target of [alice, carol, erin, dave]) {
      await expectRefused(dave, mute(wsA, target.user.id), 403, 'forbidden');
      await expectRefused(erin, unmute(wsA, target.user.id), 403, 'forbidden');
      await expectRefused(erin, move(wsA, target.user.id, standup), 403, 'forbidden');
      await expectRefused(erin, move(wsA, target.user.id, null), 403, 'forbidden');
    }
  });

  it('an admin cannot mute or move the owner or another admin, nor themselves (403)', async () => {
    for (const target of [alice, cora, carol]) {
      await expectRefused(carol, mute(wsA, target.user.id), 403, 'forbidden');
      await expectRefused(carol, move(wsA, target.user.id, null), 403, 'forbidden');
    }
  });

  it('a muted admin cannot lift their own mute; only a higher role can', async () => {
    await alice.call('voiceMuteMember', { params: { workspaceId: wsA, userId: carol.user.id } });
    try {
      await expectRefused(carol, unmute(wsA, carol.user.id), 403, 'forbidden');
      await expectRefused(cora, unmute(wsA, carol.user.id), 403, 'forbidden');
      expect((await t.server.store.forWorkspace(wsA).voiceMutes.list()).map((m) => m.userId)).toEqual([carol.user.id]);
    } finally {
      await alice.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: carol.user.id } });
    }
  });
});

describe('tenants: another workspace is not there', () => {
  it("B's owner naming A's workspace, or A's members in B's path, gets the 404 of ids that exist nowhere", async () => {
    const nowhere = randomUUID();
    const nobody = randomUUID();
    const pairs: [Attempt, Attempt][] = [
      [mute(wsA, dave.user.id), mute(nowhere, dave.user.id)],
      [unmute(wsA, dave.user.id), unmute(nowhere, dave.user.id)],
      [move(wsA, dave.user.id, null), move(nowhere, dave.user.id, null)],
      [move(wsA, dave.user.id, standup), move(nowhere, dave.user.id, standup)],
      // B's own path, A's member: as unknown there as a random user.
      [mute(wsB, dave.user.id), mute(wsB, nobody)],
      [move(wsB, dave.user.id, channelB), move(wsB, nobody, channelB)],
      [
        { name: 'listVoiceMutes', params: { workspaceId: wsA } },
        { name: 'listVoiceMutes', params: { workspaceId: nowhere } },
      ],
    ];
    for (const [foreign, random] of pairs) {
      const refused = await expectRefused(bob, foreign, 404, 'not_found');
      const control = await signedCall(t.server, bob, random.name, random);
      expect(comparable(refused)).toStrictEqual(comparable(control));
    }
  });

  it("A's moderators cannot move a member into B's channel, a text channel or a channel that does not exist", async () => {
    for (const channelId of [channelB, textA, randomUUID()]) {
      await expectRefused(alice, move(wsA, dave.user.id, channelId), 404, 'not_found');
      await expectRefused(carol, move(wsA, dave.user.id, channelId), 404, 'not_found');
    }
  });
});

describe('signed requests: the verifier guards the new routes like the old', () => {
  it('a replayed mute does not mute again after an unmute, and changes nothing', async () => {
    const call = prepareCall(alice, 'voiceMuteMember', { params: { workspaceId: wsA, userId: erin.user.id } });
    const headers = forgedHeaders(alice, call);
    const first = await rawRequest(t.server, { method: call.method, path: call.path, body: call.body, headers });
    expect(first.status).toBe(204);
    await alice.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: erin.user.id } });
    const before = await state();
    const replay = await rawRequest(t.server, { method: call.method, path: call.path, body: call.body, headers });
    expectError(replay, 401, 'replayed_nonce');
    expect(await state()).toStrictEqual(before);
    expect(before.a.mutes).toEqual([]);
  });

  it('a signature for one member cannot mute another, and a signed move cannot be sent elsewhere', async () => {
    const marks = await socketMarks();
    const before = await state();
    const forErin = prepareCall(carol, 'voiceMuteMember', { params: { workspaceId: wsA, userId: erin.user.id } });
    const daveTarget = prepareCall(carol, 'voiceMuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    const retargeted = await rawRequest(t.server, {
      method: daveTarget.method,
      path: daveTarget.path,
      body: daveTarget.body,
      headers: forgedHeaders(carol, forErin),
    });
    expectError(retargeted, 401, 'bad_signature');

    // Signed as "disconnect Dave", sent as "move Dave to the stand-up".
    const out = prepareCall(carol, 'voiceMoveMember', {
      params: { workspaceId: wsA, userId: dave.user.id },
      body: { channelId: null },
    });
    const tampered = await rawRequest(t.server, {
      method: out.method,
      path: out.path,
      body: JSON.stringify({ channelId: standup }),
      headers: forgedHeaders(carol, out),
    });
    expectError(tampered, 401, 'bad_signature');
    // And as "unmute" on the mute route.
    const lift = prepareCall(carol, 'voiceUnmuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    const asMute = await rawRequest(t.server, {
      method: 'PUT',
      path: lift.path,
      body: lift.body,
      headers: forgedHeaders(carol, lift),
    });
    expectError(asMute, 401, 'bad_signature');
    expect(await state()).toStrictEqual(before);
    await expectSocketsUntouched(marks);
  });
});
