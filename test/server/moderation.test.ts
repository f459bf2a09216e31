import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceEventOf } from '../../shared/ws';
import { connectSocket, type WsTestClient } from '../support/rawServerClient';
import { signIn, signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Voice moderation over the real server: REST calls signed like the desktop app's, real WSS sockets in real rooms,
 * a real SQLite file. Mutes reach every socket of the workspace as `member.voiceModerated`, are kept across a
 * restart and go to the audit log; a move takes the member's sockets from one room to another (`room.left` then
 * `room.joined`, the room events for everybody else) and a disconnect takes them out of voice.
 */

let t: TestServer;
/** Workspace A: alice owns it, carol is an admin, dave and erin are members. Workspace B: bob owns it. */
let alice: TestClient;
let carol: TestClient;
let dave: TestClient;
let erin: TestClient;
let bob: TestClient;
let wsA: string;
let wsB: string;
let lobby: string;
let standup: string;
let channelB: string;
const sockets: WsTestClient[] = [];

async function join(client: TestClient, workspaceId: string, role: 'admin' | 'member', inviter: TestClient) {
  const invite = await inviter.call('createInvite', { params: { workspaceId }, body: { role } });
  await client.call('acceptInvite', { body: { code: invite.code } });
}

beforeAll(async () => {
  t = await startTestServer();
  const signUp = (name: string) => signUpAndIn(t.server, name);
  [alice, carol, dave, erin, bob] = await Promise.all([
    signUp('alice'),
    signUp('carol'),
    signUp('dave'),
    signUp('erin'),
    signUp('bob'),
  ]);
  wsA = (await alice.call('createWorkspace', { body: { slug: 'mod-a', name: 'A' } })).workspace.id;
  wsB = (await bob.call('createWorkspace', { body: { slug: 'mod-b', name: 'B' } })).workspace.id;
  const voice = async (owner: TestClient, workspaceId: string, name: string) =>
    (await owner.call('createChannel', { params: { workspaceId }, body: { name } })).channel.id;
  lobby = await voice(alice, wsA, 'Lobby');
  standup = await voice(alice, wsA, 'Stand-up');
  channelB = await voice(bob, wsB, 'B');
  await join(carol, wsA, 'admin', alice);
  await join(dave, wsA, 'member', alice);
  await join(erin, wsA, 'member', alice);
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await t?.close();
});

async function connect(client: TestClient, workspaceId: string) {
  const { socket } = await connectSocket(t.server, client, workspaceId);
  sockets.push(socket);
  return socket;
}

async function inRoom(client: TestClient, workspaceId: string, channelId: string) {
  const socket = await connect(client, workspaceId);
  socket.send({ type: 'room.join', channelId });
  await socket.next('room.joined', (m) => m.channelId === channelId);
  return socket;
}

const moderated = (socket: WsTestClient, userId: string, serverMuted: boolean) =>
  socket.next(
    'event',
    (m) =>
      m.event.type === 'member.voiceModerated' &&
      (m.event as WorkspaceEventOf<'member.voiceModerated'>).payload.userId === userId &&
      (m.event as WorkspaceEventOf<'member.voiceModerated'>).payload.serverMuted === serverMuted,
  );

const auditTypes = async (workspaceId: string) =>
  (await t.server.store.forWorkspace(workspaceId).audit.since(0, 1000)).map((entry) => [
    entry.type,
    entry.actorUserId,
    entry.details,
  ]);

describe('server mute', () => {
  it('tells every socket of the workspace and none of another, lists it, audits it, and unmute undoes it', async () => {
    const [aliceSocket, daveSocket, erinSocket, bobSocket] = await Promise.all([
      connect(alice, wsA),
      connect(dave, wsA),
      connect(erin, wsA),
      connect(bob, wsB),
    ]);
    const auditBefore = (await auditTypes(wsA)).length;

    await carol.call('voiceMuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    for (const socket of [aliceSocket, daveSocket, erinSocket]) await moderated(socket, dave.user.id, true);
    expect(await erin.call('listVoiceMutes', { params: { workspaceId: wsA } })).toEqual({ userIds: [dave.user.id] });
    expect(await bob.call('listVoiceMutes', { params: { workspaceId: wsB } })).toEqual({ userIds: [] });

    // Muting again changes nothing: no second event, no second audit entry.
    await alice.call('voiceMuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    await carol.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    await moderated(daveSocket, dave.user.id, false);
    await carol.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    await daveSocket.barrier();
    const daveEvents = daveSocket
      .of('event')
      .filter((m) => m.event.type === 'member.voiceModerated')
      .map((m) => (m.event as WorkspaceEventOf<'member.voiceModerated'>).payload);
    expect(daveEvents).toEqual([
      { userId: dave.user.id, serverMuted: true },
      { userId: dave.user.id, serverMuted: false },
    ]);
    await bobSocket.barrier();
    expect(bobSocket.of('event').filter((m) => m.event.type === 'member.voiceModerated')).toEqual([]);
    expect((await auditTypes(wsA)).slice(auditBefore)).toEqual([
      ['voice.member_muted', carol.user.id, { userId: dave.user.id }],
      ['voice.member_unmuted', carol.user.id, { userId: dave.user.id }],
    ]);
    expect(await t.server.store.audit.verify()).toMatchObject({ ok: true });
    expect(await dave.call('listVoiceMutes', { params: { workspaceId: wsA } })).toEqual({ userIds: [] });
  });

  it('blocks media only while the muted member is in a voice room of that workspace', async () => {
    const { signalling } = t.server;
    // Erin is also a member of B, where she is not muted.
    await join(erin, wsB, 'member', bob);
    await alice.call('voiceMuteMember', { params: { workspaceId: wsA, userId: erin.user.id } });
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(false);

    const inB = await inRoom(erin, wsB, channelB);
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(false);
    const inA = await inRoom(erin, wsA, lobby);
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(true);
    inA.send({ type: 'room.leave', channelId: lobby });
    await inA.next('room.left');
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(false);
    inB.ws.close();
    await inB.closed;

    inA.send({ type: 'room.join', channelId: standup });
    await inA.next('room.joined', (m) => m.channelId === standup);
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(true);
    await alice.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: erin.user.id } });
    expect(signalling.isMediaBlocked(erin.user.id)).toBe(false);
    inA.ws.close();
    await inA.closed;
  });
});

describe('move and disconnect', () => {
  it('moves every socket the member has in voice: room.left, then room.joined, and room events for the others', async () => {
    const [daveLaptop, davePhone, erinInLobby, aliceInStandup] = await Promise.all([
      inRoom(dave, wsA, lobby),
      inRoom(dave, wsA, lobby),
      inRoom(erin, wsA, lobby),
      inRoom(alice, wsA, standup),
    ]);
    const daveIdle = await connect(dave, wsA);
    const auditBefore = (await auditTypes(wsA)).length;

    await carol.call('voiceMoveMember', {
      params: { workspaceId: wsA, userId: dave.user.id },
      body: { channelId: standup },
    });
    for (const socket of [daveLaptop, davePhone]) {
      await socket.next('room.left', (m) => m.channelId === lobby);
      const joined = await socket.next('room.joined', (m) => m.channelId === standup);
      expect(joined.relayOnly).toBe(true);
      expect(joined.peers.map((p) => p.userId)).toContain(alice.user.id);
      // room.left for the old room comes before room.joined for the new one.
      const order = socket.received.map((m) => m.type).filter((type) => type === 'room.left' || type === 'room.joined');
      expect(order.slice(-2)).toEqual(['room.left', 'room.joined']);
    }
    for (const peerId of [daveLaptop.connectionId, davePhone.connectionId]) {
      await erinInLobby.next('room.peerLeft', (m) => m.peerId === peerId);
      await aliceInStandup.next('room.peerJoined', (m) => m.peer.peerId === peerId);
      await erinInLobby.next('event', (m) => m.event.type === 'room.memberLeft' && m.event.payload.peerId === peerId);
      await erinInLobby.next(
        'event',
        (m) =>
          m.event.type === 'room.memberJoined' &&
          m.event.payload.peerId === peerId &&
          m.event.payload.channelId === standup,
      );
    }
    // A socket that was not in voice is not pulled in.
    await daveIdle.barrier();
    expect(daveIdle.of('room.joined')).toEqual([]);
    expect((await t.server.signalling.voiceRooms(wsA)).find((room) => room.channelId === standup)?.peers).toHaveLength(
      3,
    );
    expect((await auditTypes(wsA)).slice(auditBefore)).toEqual([
      ['voice.member_moved', carol.user.id, { userId: dave.user.id, fromChannelIds: [lobby], toChannelId: standup }],
    ]);

    // Out of voice: room.left and nothing else; the others see the member leave.
    await alice.call('voiceMoveMember', {
      params: { workspaceId: wsA, userId: dave.user.id },
      body: { channelId: null },
    });
    for (const socket of [daveLaptop, davePhone]) await socket.next('room.left', (m) => m.channelId === standup);
    await aliceInStandup.next('room.peerLeft', (m) => m.peerId === daveLaptop.connectionId);
    await daveLaptop.barrier();
    expect(daveLaptop.of('room.joined').map((m) => m.channelId)).toEqual([lobby, standup]);
    expect((await t.server.signalling.voiceRooms(wsA)).find((room) => room.channelId === standup)?.peers).toHaveLength(
      1,
    );
    expect((await auditTypes(wsA)).at(-1)).toEqual([
      'voice.member_disconnected',
      alice.user.id,
      { userId: dave.user.id, fromChannelIds: [standup], toChannelId: null },
    ]);

    // Nobody in voice any more: the move is refused and nothing is written.
    const auditLength = (await auditTypes(wsA)).length;
    await expect(
      carol.call('voiceMoveMember', { params: { workspaceId: wsA, userId: dave.user.id }, body: { channelId: lobby } }),
    ).rejects.toMatchObject({ status: 409, code: 'not_in_voice' });
    expect(await auditTypes(wsA)).toHaveLength(auditLength);
    for (const socket of [daveLaptop, davePhone, erinInLobby, aliceInStandup, daveIdle]) socket.ws.close();
  });

  it('keeps a muted member muted wherever they are moved in the workspace', async () => {
    await alice.call('voiceMuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    const socket = await inRoom(dave, wsA, lobby);
    expect(t.server.signalling.isMediaBlocked(dave.user.id)).toBe(true);
    await alice.call('voiceMoveMember', {
      params: { workspaceId: wsA, userId: dave.user.id },
      body: { channelId: standup },
    });
    await socket.next('room.joined', (m) => m.channelId === standup);
    expect(t.server.signalling.isMediaBlocked(dave.user.id)).toBe(true);
    await alice.call('voiceMoveMember', {
      params: { workspaceId: wsA, userId: dave.user.id },
      body: { channelId: null },
    });
    await socket.next('room.left', (m) => m.channelId === standup);
    expect(t.server.signalling.isMediaBlocked(dave.user.id)).toBe(false);
    await alice.call('voiceUnmuteMember', { params: { workspaceId: wsA, userId: dave.user.id } });
    socket.ws.close();
  });
});

describe('persistence', () => {
  it('keeps server mutes across a restart, and enforces them again once the member is back in voice', async () => {
    const own = await startTestServer();
    let again: TestServer | undefined;
    try {
      const owner = await signUpAndIn(own.server, 'olive');
      const member = await signUpAndIn(own.server, 'pat');
      const ws = (await owner.call('createWorkspace', { body: { slug: 'keep', name: 'Keep' } })).workspace.id;
      const channel = (await owner.call('createChannel', { params: { workspaceId: ws }, body: { name: 'v' } })).channel
        .id;
      const invite = await owner.call('createInvite', { params: { workspaceId: ws }, body: {} });
      await member.call('acceptInvite', { body: { code: invite.code } });
      await owner.call('voiceMuteMember', { params: { workspaceId: ws, userId: member.user.id } });

      await own.server.close();
      again = await startTestServer({}, own.dataDir);
      const pat = await signIn(again.server, member.email, member.password);
      expect(await pat.call('listVoiceMutes', { params: { workspaceId: ws } })).toEqual({
        userIds: [member.user.id],
      });
      const { socket } = await connectSocket(again.server, pat, ws);
      socket.send({ type: 'room.join', channelId: channel });
      await socket.next('room.joined');
      expect(again.server.signalling.isMediaBlocked(member.user.id)).toBe(true);
      socket.ws.terminate();
    } finally {
      // The second server owns the data directory once it started; it removes it.
      await (again ?? own).close();
    }
  });
});
