import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSessionId } from '../../main/server/auth/sessionTokens';
import { mintTurnCredentials } from '../../main/server/auth/turnCredentials';
import { createRelay, type Relay } from '../../main/server/turn/relayServer';
import type { TransportAddress } from '../../main/server/turn/stun/ipAddress';
import { dtlsRecord, rtcpPacket, rtpPacket, stunBindingRequest } from '../../main/server/turn/testing/mediaPackets';
import { createTurnTestClient, type TurnTestClient } from '../../main/server/turn/testing/turnTestClient';
import { makeSelfSignedCertificate } from '../support/selfSignedCertificate';

/*
 * The relay's half of server mute, on real sockets: two TURN clients of one relay (the shape of every call, both
 * relay-only), one of them server-muted through the relay's `isMediaBlocked` predicate. Its RTP must not reach the
 * other side while the STUN (ICE consent), DTLS and RTCP it sends do, in both TURN data forms (Send indications and
 * ChannelData) and over UDP, TCP and TLS; lifting the mute must let RTP through again at once, and the muted user
 * must still hear. The server's wiring of the predicate is tested in moderationServer.test.ts.
 */

const SECRET = 'moderation-relay-secret-0123456789abcdefghij';
const certificate = makeSelfSignedCertificate();
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function startRelay(blocked: Set<string>): Promise<Relay> {
  const relay = await createRelay({
    realm: 'whoot.test',
    secret: SECRET,
    listen: {
      host: '127.0.0.1',
      udpPort: 0,
      tcpPort: 0,
      tls: { port: 0, cert: certificate.cert, key: certificate.key },
    },
    relay: { address: '127.0.0.1' },
    isMediaBlocked: (userId) => blocked.has(userId),
    log: () => undefined,
  });
  open.push(relay);
  return relay;
}

type Transport = 'udp' | 'tcp' | 'tls';

async function allocated(relay: Relay, userId: string, transport: Transport) {
  const minted = mintTurnCredentials({
    secret: SECRET,
    userId,
    sessionId: generateSessionId(),
    ttlSeconds: 600,
    now: Math.floor(Date.now() / 1000),
  });
  if (!minted.ok) throw new Error(minted.error.message);
  const client = await createTurnTestClient({
    server: relay.addresses[transport]!,
    transport,
    ca: certificate.cert,
    username: minted.value.username,
    password: minted.value.credential,
  });
  open.push(client);
  const { relayed, answer } = await client.allocate();
  expect(answer.errorCode).toBeNull();
  return { client, relayed: relayed! };
}

/** Ada (who gets muted) and Bob, each allowed to send to the other's relayed address; Ada's channel to Bob bound. */
async function call(relay: Relay, transport: Transport) {
  const adaUser = randomUUID();
  const ada = await allocated(relay, adaUser, transport);
  const bob = await allocated(relay, randomUUID(), transport);
  expect((await ada.client.createPermission(bob.relayed)).errorCode).toBeNull();
  expect((await bob.client.createPermission(ada.relayed)).errorCode).toBeNull();
  expect((await ada.client.channelBind(0x4001, bob.relayed)).errorCode).toBeNull();
  return { adaUser, ada, bob };
}

/** Ada's packets as Bob's relay delivers them: the payloads of everything Bob received, in order. */
const payloads = (client: TurnTestClient) => client.received.map((incoming) => incoming.data.toString('hex'));

const sendAs = (mode: 'send' | 'channel', from: TurnTestClient, to: TransportAddress) => (packet: Buffer) => {
  if (mode === 'send') from.send(to, packet);
  else from.sendChannel(0x4001, packet);
};

describe('server mute at the relay', () => {
  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    for (const mode of ['send', 'channel'] as const) {
      it(`drops a muted user's RTP and passes STUN, DTLS and RTCP, then RTP again after unmute (${transport}, ${mode === 'send' ? 'Send indications' : 'ChannelData'})`, async () => {
        const blocked = new Set<string>();
        const relay = await startRelay(blocked);
        const { adaUser, ada, bob } = await call(relay, transport);
        const send = sendAs(mode, ada.client, bob.relayed);

        // Before the mute: RTP goes through like everything else.
        const before = rtpPacket(111, { seq: 1 });
        send(before);
        await bob.client.waitFor(1);
        expect(payloads(bob.client)).toEqual([before.toString('hex')]);

        blocked.add(adaUser);
        expect(relay.mediaPolicyChanged(adaUser)).toBe(1);
        const start = relay.stats();
        const stun = stunBindingRequest();
        const dtls = dtlsRecord(23);
        const rtp = rtpPacket(111, { seq: 2, marker: true });
        const rtcp = rtcpPacket(201);
        const lateRtp = rtpPacket(111, { seq: 3 });
        const sender = rtcpPacket(200);
        for (const packet of [stun, dtls, rtp, rtcp, lateRtp, sender]) send(packet);
        await bob.client.waitFor(5);
        expect(payloads(bob.client).slice(1)).toEqual([stun, dtls, rtcp, sender].map((p) => p.toString('hex')));
        const muted = relay.stats();
        expect(muted.droppedPackets.serverMuted - start.droppedPackets.serverMuted).toBe(2);
        expect(muted.refusals.server_muted - start.refusals.server_muted).toBe(2);
        // Dropped media is not relayed traffic and spends none of the sender's byte budget.
        expect(muted.relayed.client_to_peer.packets - start.relayed.client_to_peer.packets).toBe(4);

        // The muted user still hears: Bob's RTP reaches Ada.
        const toAda = rtpPacket(111, { seq: 9 });
        bob.client.send(ada.relayed, toAda);
        await ada.client.waitFor(1);
        expect(payloads(ada.client)).toEqual([toAda.toString('hex')]);

        blocked.delete(adaUser);
        expect(relay.mediaPolicyChanged(adaUser)).toBe(0);
        const after = rtpPacket(111, { seq: 4 });
        send(after);
        await bob.client.waitFor(6);
        expect(payloads(bob.client).at(-1)).toBe(after.toString('hex'));
        expect(relay.stats().droppedPackets.serverMuted).toBe(muted.droppedPackets.serverMuted);
      });
    }
  }

  it('blocks an allocation made while the user is already muted, and only that user', async () => {
    const adaUser = randomUUID();
    const relay = await startRelay(new Set([adaUser]));
    const ada = await allocated(relay, adaUser, 'udp');
    const carl = await allocated(relay, randomUUID(), 'udp');
    const bob = await allocated(relay, randomUUID(), 'udp');
    await bob.client.createPermission(ada.relayed, carl.relayed);
    for (const sender of [ada, carl]) expect((await sender.client.createPermission(bob.relayed)).errorCode).toBeNull();

    const fromAda = rtpPacket(111, { seq: 1 });
    const fromCarl = rtpPacket(111, { seq: 2 });
    ada.client.send(bob.relayed, fromAda);
    carl.client.send(bob.relayed, fromCarl);
    await bob.client.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(payloads(bob.client)).toEqual([fromCarl.toString('hex')]);
    expect(relay.stats().droppedPackets.serverMuted).toBe(1);
  });
});
