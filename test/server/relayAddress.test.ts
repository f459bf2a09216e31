import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSocket, type WsTestClient } from '../support/rawServerClient';
import { startTestServer, twoMembersInChannel, type TestServer } from '../support/serverHarness';

/**
 * In a relay-only room a candidate that merely claims `typ relay` while naming a private host address must not be
 * forwarded: startServer gives the signalling server the relay's own addresses (`relayAddresses`) to check against
 * (main/server/signalling/README.md, "Relay-only rooms"). Found by the attack suite; fixed in 2787577.
 */
let t: TestServer;
const sockets: WsTestClient[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await t?.close();
});

describe('relay-only rooms with the bundled relay', () => {
  it('drops a "relay" candidate that names an address that is not the relay', async () => {
    const { owner: alice, member: eve, workspace, channel } = await twoMembersInChannel(t.server, ['alice', 'eve']);
    const [workspaceId, channelId] = [workspace.id, channel.id];
    const sender = (await connectSocket(t.server, alice, workspaceId)).socket;
    const receiver = (await connectSocket(t.server, eve, workspaceId)).socket;
    sockets.push(sender, receiver);
    receiver.send({ type: 'room.join', channelId });
    await receiver.next('room.joined');
    sender.send({ type: 'room.join', channelId });
    await sender.next('room.joined');
    const disguised = 'candidate:9 1 udp 41885439 192.168.1.10 54321 typ relay raddr 0.0.0.0 rport 0';
    sender.send({ type: 'signal', channelId, to: receiver.connectionId, candidate: { candidate: disguised } });
    await sender.barrier();
    await receiver.barrier();
    expect(receiver.of('signal')).toEqual([]);
  });
});
