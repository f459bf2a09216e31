import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSelfSignedCertificate } from '../../../test/support/selfSignedCertificate';
import { mintTurnCredentials } from '../auth/turnCredentials';
import { generateSessionId } from '../auth/sessionTokens';
import { createRelay, type Relay, type RelayOptions } from './relayServer';
import {
  readErrorCode,
  readUint32,
  readUnknownAttributes,
  readXorAddress,
  writeRequestedTransport,
} from './stun/attributes';
import { Attr, MAGIC_COOKIE, StunClass, StunMethod } from './stun/constants';
import { encodeStun, getAttribute, parseStun, type StunMessage } from './stun/message';
import { longTermKey } from './stun/integrity';
import { createStreamFramer } from './stun/streamFramer';
import { createTurnTestClient, type TurnTestClient } from './testing/turnTestClient';

const SECRET = 'test-relay-secret-0123456789abcdefghijklmnop';
/**
 * The UDP listener under test: recvmmsg/sendmmsg (native/udp-batch; required here, so a build without the addon
 * fails instead of quietly testing dgram twice), or Node's dgram when relayServer.dgram.test.ts runs this file again.
 */
const batchedUdp = (globalThis as { relayTestUdpIo?: 'batched' | 'dgram' }).relayTestUdpIo !== 'dgram';
const REALM = 'whoot.test';

let clock = Date.now();
const revoked = new Set<string>();
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  revoked.clear();
  clock = Date.now();
});

async function startRelay(overrides: Partial<RelayOptions> = {}): Promise<Relay> {
  const relay = await createRelay({
    realm: REALM,
    secret: SECRET,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: 0, batchedUdp },
    relay: { address: '127.0.0.1' },
    isSessionLive: async (sessionId) => !revoked.has(sessionId),
    now: () => clock,
    log: () => undefined,
    ...overrides,
  });
  open.push(relay);
  return relay;
}

function credentials(options: { userId?: string; sessionId?: string; ttlSeconds?: number; issuedAt?: number } = {}) {
  const minted = mintTurnCredentials({
    secret: SECRET,
    userId: options.userId ?? randomUUID(),
    sessionId: options.sessionId ?? generateSessionId(),
    ttlSeconds: options.ttlSeconds ?? 600,
    now: Math.floor((options.issuedAt ?? clock) / 1000),
  });
  if (!minted.ok) throw new Error(minted.error.message);
  return minted.value;
}

/** For relays started with `withTls`: their TURNS listener's certificate, which the test clients trust. */
const certificate = makeSelfSignedCertificate();
const withTls = {
  listen: { host: '127.0.0.1', udpPort: 0, tcpPort: 0, batchedUdp, tls: { port: 0, ...certificate } },
};

async function client(
  relay: Relay,
  creds: { username: string; credential: string } = credentials(),
  transport: 'udp' | 'tcp' | 'tls' = 'udp',
  integrity: 'sha1' | 'sha256' = 'sha1',
): Promise<TurnTestClient> {
  const created = await createTurnTestClient({
    server: relay.addresses[transport]!,
    transport,
    ca: certificate.cert,
    username: creds.username,
    password: creds.credential,
    integrity,
  });
  open.push(created);
  return created;
}

/** A Binding request written byte by byte, with the given attributes (type, 4-byte value): no codec involved. */
function rawBinding(attributes: readonly [type: number, value: number][]): { bytes: Buffer; transactionId: Buffer } {
  const transactionId = randomBytes(12);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt16BE(attributes.length * 8, 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  const body = Buffer.alloc(attributes.length * 8);
  attributes.forEach(([type, value], i) => {
    body.writeUInt16BE(type, i * 8);
    body.writeUInt16BE(4, i * 8 + 2);
    body.writeUInt32BE(value, i * 8 + 4);
  });
  return { bytes: Buffer.concat([header, body]), transactionId };
}

/** A plain TCP or TLS connection to the relay that records every byte it gets back and when it closed. */
async function rawStream(relay: Relay, transport: 'tcp' | 'tls') {
  const { host, port } = relay.addresses[transport]!;
  const socket: Socket =
    transport === 'tcp' ? connect({ host, port }) : connectTls({ host, port, ca: certificate.cert, servername: '' });
  await once(socket, transport === 'tcp' ? 'connect' : 'secureConnect');
  const received: Buffer[] = [];
  const frames: Buffer[] = [];
  const framer = createStreamFramer();
  socket.on('data', (chunk: Buffer) => {
    received.push(chunk);
    framer.push(chunk, (_kind, frame) => frames.push(Buffer.from(frame)));
  });
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  open.push({ close: async () => void socket.destroy() });
  return {
    socket,
    closed,
    received: () => Buffer.concat(received),
    nextFrame: async () => {
      while (frames.length === 0) await once(socket, 'data');
      return frames.shift()!;
    },
  };
}

/** Two clients of one relay, each with an allocation, where a has permitted b's relayed address (b has not a's). */
async function aPermitsB() {
  const relay = await startRelay();
  const a = await client(relay);
  const b = await client(relay);
  const aRelayed = (await a.allocate()).relayed!;
  const bRelayed = (await b.allocate()).relayed!;
  expect((await a.createPermission(bRelayed)).errorCode).toBeNull();
  return { relay, a, b, aRelayed, bRelayed };
}

/** What ICE sends first: a Binding request. */
const bindingRequest = (): Buffer =>
  encodeStun({ method: StunMethod.binding, cls: StunClass.request, transactionId: randomBytes(12), attributes: [] });

/** Waits for a condition the relay makes true (a counter, a delivery), checking every few milliseconds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** One datagram to the relay's UDP port and the first datagram back. */
async function rawDatagram(relay: Relay, bytes: Buffer): Promise<Buffer> {
  const socket = createSocket('udp4');
  open.push({ close: () => new Promise((resolve) => socket.close(() => resolve())) });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const answer = once(socket, 'message') as Promise<[Buffer]>;
  socket.send(bytes, relay.addresses.udp!.port, '127.0.0.1');
  return (await answer)[0];
}

describe('configuration', () => {
  it('refuses a bad secret or relay address at start, not on the first packet', async () => {
    await expect(startRelay({ secret: 'short' })).rejects.toThrow(/secret/);
    await expect(startRelay({ relay: { address: 'relay.example' } })).rejects.toThrow(/relay.address/);
  });
});

describe('STUN Binding', () => {
  it('answers with the XOR-MAPPED-ADDRESS it saw and a FINGERPRINT, over UDP and TCP', async () => {
    const relay = await startRelay();
    for (const transport of ['udp', 'tcp'] as const) {
      const c = await client(relay, credentials(), transport);
      const answer = await c.request(StunMethod.binding, [], { auth: false });
      expect(answer.errorCode).toBeNull();
      expect(answer.message.fingerprint).toBe(true);
      const mapped = readXorAddress(
        getAttribute(answer.message, Attr.XOR_MAPPED_ADDRESS)!,
        answer.message.transactionId,
      );
      expect(mapped).toMatchObject({ address: '127.0.0.1', port: c.local.port });
    }
  });

  it('answers 420 with UNKNOWN-ATTRIBUTES to unknown comprehension-required attributes, over UDP and TCP (raw bytes)', async () => {
    const relay = await startRelay();
    // CHANGE-REQUEST (RFC 5780, not offered here) and an unassigned 0x7777 are comprehension-required; the relay
    // knows SOFTWARE and may ignore the comprehension-optional 0xC0DE, so neither is listed.
    const request = () =>
      rawBinding([
        [0x0003, 0x00000006],
        [Attr.SOFTWARE, 0x72617721],
        [0x7777, 0],
        [0xc0de, 0],
      ]);
    const udp = request();
    const tcp = request();
    const stream = await rawStream(relay, 'tcp');
    stream.socket.write(tcp.bytes);
    for (const [sent, bytes] of [
      [udp, await rawDatagram(relay, udp.bytes)],
      [tcp, await stream.nextFrame()],
    ] as const) {
      const parsed = parseStun(bytes);
      if (!parsed.ok) throw new Error(`unparsable answer: ${parsed.error}`);
      const answer = parsed.message;
      expect(answer).toMatchObject({ method: StunMethod.binding, cls: StunClass.error });
      expect(answer.transactionId).toEqual(sent.transactionId);
      expect(readErrorCode(getAttribute(answer, Attr.ERROR_CODE)!)?.code).toBe(420);
      expect(readUnknownAttributes(getAttribute(answer, Attr.UNKNOWN_ATTRIBUTES)!)).toEqual([0x0003, 0x7777]);
      expect(getAttribute(answer, Attr.XOR_MAPPED_ADDRESS)).toBeUndefined();
    }
    // Comprehension-optional attributes alone are ignored, as RFC 8489 section 7.3 says: a success.
    const optional = parseStun(await rawDatagram(relay, rawBinding([[0xc0de, 0]]).bytes));
    expect(optional.ok && optional.message.cls).toBe(StunClass.success);
    expect(relay.stats().refusals.bad_request).toBe(2);
  });
});

describe('stream framing (TCP and TLS)', () => {
  for (const transport of ['tcp', 'tls'] as const) {
    it(`closes a ${transport} connection at once when its first bytes are an HTTP request; the next connection works`, async () => {
      const relay = await startRelay(withTls);
      const http = await rawStream(relay, transport);
      // 'GE' reads as ChannelData 0x4745 and 'T ' as a 21,540-byte length: the Binding after it would vanish
      // into that frame if the relay waited for it.
      http.socket.write('GET / HTTP/1.1\r\nHost: relay.example\r\n\r\n');
      http.socket.write(rawBinding([]).bytes);
      await http.closed;
      expect(http.received()).toHaveLength(0);
      expect(relay.stats().droppedPackets.malformed).toBe(1);

      const next = await client(relay, credentials(), transport);
      expect((await next.request(StunMethod.binding, [], { auth: false })).errorCode).toBeNull();
      expect((await next.allocate()).relayed).not.toBeNull();
    });
  }

  it('closes a connection whose first bytes have STUN’s leading bits but no magic cookie (a TLS ClientHello)', async () => {
    const relay = await startRelay();
    const hello = await rawStream(relay, 'tcp');
    // A TLS record header (handshake, 200 bytes) and a ClientHello header: 0x16 starts with the bits 00 and bytes
    // 2-3 (0x0100) read as a well-aligned STUN length, so only the missing cookie (bytes 4-7) gives it away.
    hello.socket.write(Buffer.concat([Buffer.from('16030100c8010000c40303', 'hex'), randomBytes(53)]));
    await hello.closed;
    expect(hello.received()).toHaveLength(0);
    expect(relay.stats().droppedPackets.malformed).toBe(1);
  });

  it('accepts ChannelData only once the connection holds an allocation', async () => {
    const relay = await startRelay();
    const early = await rawStream(relay, 'tcp');
    early.socket.write(Buffer.from([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]));
    await early.closed;

    const tcp = await client(relay, credentials(), 'tcp');
    const udp = await client(relay);
    const udpRelayed = (await udp.allocate()).relayed!;
    const tcpRelayed = (await tcp.allocate()).relayed!;
    expect((await udp.createPermission(tcpRelayed)).errorCode).toBeNull();
    expect((await tcp.channelBind(0x4100, udpRelayed)).errorCode).toBeNull();
    tcp.sendChannel(0x4100, Buffer.from('after the allocation'));
    expect((await udp.waitFor(1))[0]).toMatchObject({ data: Buffer.from('after the allocation') });
  });
});

describe('long-term credentials', () => {
  it('challenges with 401 + REALM + NONCE, then allocates on 127.0.0.1 with a signed answer', async () => {
    const relay = await startRelay();
    const c = await client(relay);
    const challenge = await c.request(StunMethod.allocate, [
      { type: Attr.REQUESTED_TRANSPORT, value: writeRequestedTransport(17) },
    ]);
    expect(challenge.errorCode).toBe(401);
    expect(challenge.message.integrity).toBeNull();
    expect(c.realm).toBe(REALM);
    expect(c.nonce).toMatch(/^[0-9a-f]{8}/);
    const { relayed, answer } = await c.allocate();
    expect(answer.errorCode).toBeNull();
    expect(answer.signed).toBe(true);
    expect(relayed).toMatchObject({ address: '127.0.0.1' });
    expect(readUint32(getAttribute(answer.message, Attr.LIFETIME)!)).toBe(600);
    expect(relay.stats().allocations.active).toBe(1);
    // The first challenge is the protocol, not a refusal.
    expect(Object.values(relay.stats().refusals).every((count) => count === 0)).toBe(true);
  });

  it('accepts MESSAGE-INTEGRITY-SHA256 and answers with it', async () => {
    const relay = await startRelay();
    const c = await client(relay, credentials(), 'udp', 'sha256');
    const { relayed, answer } = await c.allocate();
    expect(relayed).not.toBeNull();
    expect(answer.message.integritySha256).not.toBeNull();
    expect(answer.message.integrity).toBeNull();
    expect(answer.signed).toBe(true);
  });

  it('answers a stale nonce with 438 and a new nonce, and the retry succeeds', async () => {
    const relay = await startRelay({ nonceTtlSeconds: 30 });
    const c = await client(relay);
    expect((await c.allocate()).relayed).not.toBeNull();
    const oldNonce = c.nonce;
    clock += 31_000;
    const stale = await c.refresh(600);
    expect(stale.errorCode).toBe(438);
    expect(c.nonce).not.toBe(oldNonce);
    expect((await c.refresh(600)).errorCode).toBeNull();
    expect(relay.stats().refusals.stale_nonce).toBe(1);
  });

  it('refuses expired, forged, wrong-realm and revoked-session credentials with 401, logging no credentials', async () => {
    const lines: string[] = [];
    const relay = await startRelay({ log: (line) => lines.push(line) });
    const expired = credentials({ issuedAt: clock - 700_000, ttlSeconds: 600 });
    expect((await (await client(relay, expired)).allocate()).answer.errorCode).toBe(401);

    const real = credentials();
    const [, userId, sessionId] = real.username.split(':');
    const forgedExpiry = {
      username: `${Math.floor(clock / 1000) + 86_000}:${userId}:${sessionId}`,
      credential: real.credential,
    };
    expect((await (await client(relay, forgedExpiry)).allocate()).answer.errorCode).toBe(401);
    const wrongPassword = { username: real.username, credential: Buffer.alloc(20, 1).toString('base64') };
    expect((await (await client(relay, wrongPassword)).allocate()).answer.errorCode).toBe(401);

    const otherRealm = await client(relay);
    await otherRealm.request(StunMethod.allocate, [], { auth: false });
    otherRealm.realm = 'evil.example';
    expect((await otherRealm.allocate()).answer.errorCode).toBe(401);

    const revokedCreds = credentials();
    revoked.add(revokedCreds.username.split(':')[2]!);
    const refused = await (await client(relay, revokedCreds)).allocate();
    expect(refused.answer.errorCode).toBe(401);

    const { refusals, allocations } = relay.stats();
    expect(refusals).toMatchObject({
      expired_credentials: 1,
      bad_credentials: 2,
      wrong_realm: 1,
      revoked_session: 1,
    });
    expect(allocations.active).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const secretish of [real.username, real.credential, userId!, sessionId!, revokedCreds.username, SECRET]) {
      expect(lines.join('\n')).not.toContain(secretish);
    }
  });

  it('refuses other transports (442), a missing REQUESTED-TRANSPORT (400), unknown attributes (420), a second Allocate (437)', async () => {
    const relay = await startRelay();
    const c = await client(relay);
    await c.request(StunMethod.allocate, [], { auth: false });
    const tcp = await c.request(StunMethod.allocate, [
      { type: Attr.REQUESTED_TRANSPORT, value: writeRequestedTransport(6) },
    ]);
    expect(tcp.errorCode).toBe(442);
    expect(tcp.signed).toBe(true);
    expect((await c.request(StunMethod.allocate, [])).errorCode).toBe(400);
    const unknown = await c.request(StunMethod.allocate, [
      { type: Attr.REQUESTED_TRANSPORT, value: writeRequestedTransport(17) },
      { type: 0x7777, value: Buffer.alloc(4) },
    ]);
    expect(unknown.errorCode).toBe(420);
    expect(getAttribute(unknown.message, Attr.UNKNOWN_ATTRIBUTES)).toEqual(Buffer.from([0x77, 0x77]));
    expect((await c.allocate()).relayed).not.toBeNull();
    expect((await c.allocate()).answer.errorCode).toBe(437);
  });
});

/** A relay whose session check takes `ms`: each Allocate waits that long in the relay before it is answered. */
const startRelayWithSlowSessionCheck = (ms: number) =>
  startRelay({
    isSessionLive: async () => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return true;
    },
  });

describe('a retransmitted Allocate', () => {
  it('while the first is still being made (a slow session check) makes no second allocation for the 5-tuple', async () => {
    const relay = await startRelayWithSlowSessionCheck(300);
    const creds = credentials();
    const socket = createSocket('udp4');
    open.push({ close: () => new Promise((resolve) => socket.close(() => resolve())) });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const answers: StunMessage[] = [];
    socket.on('message', (bytes: Buffer) => {
      const parsed = parseStun(bytes);
      if (parsed.ok) answers.push(parsed.message);
    });
    const port = relay.addresses.udp!.port;
    const transport = { type: Attr.REQUESTED_TRANSPORT, value: writeRequestedTransport(17) };
    socket.send(
      encodeStun({
        method: StunMethod.allocate,
        cls: StunClass.request,
        transactionId: randomBytes(12),
        attributes: [transport],
      }),
      port,
      '127.0.0.1',
    );
    await until(() => answers.length === 1);
    const text = (type: number) => getAttribute(answers[0]!, type)!.toString('utf8');
    const realm = text(Attr.REALM);
    const signed = encodeStun(
      {
        method: StunMethod.allocate,
        cls: StunClass.request,
        transactionId: randomBytes(12),
        attributes: [
          transport,
          { type: Attr.USERNAME, value: Buffer.from(creds.username) },
          { type: Attr.REALM, value: Buffer.from(realm) },
          { type: Attr.NONCE, value: Buffer.from(text(Attr.NONCE)) },
        ],
      },
      { integrity: { key: longTermKey(creds.username, realm, creds.credential) }, fingerprint: true },
    );
    // The client's retransmission timer fires before the answer: the same request, twice.
    socket.send(signed, port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.send(signed, port, '127.0.0.1');
    await until(() => answers.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(getAttribute(answers[1]!, Attr.XOR_RELAYED_ADDRESS)).toBeDefined();
    expect(relay.stats().allocations).toMatchObject({ created: 1, active: 1 });
    // The retransmission after the answer gets the same answer back, not a second allocation.
    socket.send(signed, port, '127.0.0.1');
    await until(() => answers.length >= 3);
    expect(answers[2]!.transactionId).toEqual(answers[1]!.transactionId);
    expect(getAttribute(answers[2]!, Attr.XOR_RELAYED_ADDRESS)).toEqual(
      getAttribute(answers[1]!, Attr.XOR_RELAYED_ADDRESS),
    );
    expect(relay.stats().allocations).toMatchObject({ created: 1, active: 1 });
  });

  it('is answered from its own bytes when other datagrams arrive while it waits (the batched listener reuses its buffer)', async () => {
    const relay = await startRelayWithSlowSessionCheck(200);
    const creds = credentials();
    const port = relay.addresses.udp!.port;
    const a = await client(relay, creds);
    // Another client's Bindings, sent while a's Allocate waits on the session check: with the listener's buffer
    // reused, they land where a's request was read.
    const noise = createSocket('udp4');
    open.push({ close: () => new Promise((resolve) => noise.close(() => resolve())) });
    await new Promise<void>((resolve) => noise.bind(0, '127.0.0.1', resolve));
    const allocating = a.allocate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 64; i++) noise.send(bindingRequest(), port, '127.0.0.1');
    const { relayed, answer } = await allocating;
    expect(answer.errorCode).toBeNull();
    expect(answer.signed).toBe(true);
    expect(relayed).not.toBeNull();
    expect(relay.stats().allocations).toMatchObject({ created: 1, active: 1 });
    // The allocation is the one a asked for: a Refresh on it, signed with a's key, is answered.
    expect((await a.refresh(600)).errorCode).toBeNull();
  });
});

describe('permissions, channels and relaying', () => {
  it('refuses private, loopback, link-local and unique-local peers with 403, but lets two allocations reach each other', async () => {
    const relay = await startRelay();
    const a = await client(relay);
    const b = await client(relay);
    const aRelayed = (await a.allocate()).relayed!;
    const bRelayed = (await b.allocate()).relayed!;
    for (const address of ['127.0.0.2', '10.0.0.1', '169.254.169.254', '192.168.1.1', '::1', 'fc00::1']) {
      const answer = await a.createPermission({ address, port: 5000 });
      expect(answer.errorCode, address).toBe(403);
    }
    // All or nothing: one forbidden peer in the list installs none.
    expect((await a.createPermission(bRelayed, { address: '10.0.0.1', port: 1 })).errorCode).toBe(403);
    expect((await a.createPermission(bRelayed)).errorCode).toBeNull();
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();

    a.send(bRelayed, Buffer.from('hello over send'));
    const [first] = await b.waitFor(1);
    expect(first).toEqual({
      kind: 'data',
      peer: expect.objectContaining(aRelayed),
      data: Buffer.from('hello over send'),
    });

    expect((await a.channelBind(0x4000, bRelayed)).errorCode).toBeNull();
    expect((await b.channelBind(0x4abc, aRelayed)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('a to b'));
    b.sendChannel(0x4abc, Buffer.from('b to a'));
    expect((await b.waitFor(2))[1]).toEqual({ kind: 'channel', channel: 0x4abc, data: Buffer.from('a to b') });
    expect((await a.waitFor(1))[0]).toEqual({ kind: 'channel', channel: 0x4000, data: Buffer.from('b to a') });
    const stats = relay.stats();
    expect(stats.relayed.client_to_peer.packets).toBe(3);
    expect(stats.relayed.peer_to_client.packets).toBe(3);
    expect(stats.refusals.peer_loopback).toBeGreaterThanOrEqual(1);
    expect(stats.refusals.peer_private).toBeGreaterThanOrEqual(3);
    // The batched listener's own counts (on dgram there are none): every request and packet above came in by UDP.
    if (batchedUdp) {
      expect(stats.udp.datagramsReceived).toBeGreaterThanOrEqual(10);
      expect(stats.udp.reads).toBeGreaterThanOrEqual(1);
      expect(stats.udp.reads).toBeLessThanOrEqual(stats.udp.datagramsReceived);
      expect(stats.udp.datagramsSent).toBeGreaterThanOrEqual(8);
      expect(stats.udp.sendFailed).toBe(0);
    } else {
      expect(stats.udp).toEqual({ datagramsReceived: 0, reads: 0, datagramsSent: 0, sendFailed: 0 });
    }
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`limits the own-address exception to live allocations' ports: another loopback service gets nothing (${transport})`, async () => {
      const relay = await startRelay();
      const a = await client(relay, credentials(), transport);
      const b = await client(relay);
      const aRelayed = (await a.allocate()).relayed!;
      const bRelayed = (await b.allocate()).relayed!;
      const service = createSocket('udp4');
      await new Promise<void>((resolve) => service.bind(0, '127.0.0.1', resolve));
      const serviceGot: Buffer[] = [];
      service.on('message', (data) => serviceGot.push(data));
      open.push({ close: () => new Promise((resolve) => service.close(() => resolve())) });
      const target = { address: '127.0.0.1', port: service.address().port };

      // 127.0.0.1 is one of this relay's own IPs, but this port is no allocation's: 403, whether the request names
      // it for a permission or a channel, and nothing is installed.
      expect((await a.createPermission(target)).errorCode).toBe(403);
      expect((await a.channelBind(0x4001, target)).errorCode).toBe(403);
      expect((await a.createPermission(bRelayed, target)).errorCode).toBe(403);
      // A permission for the IP, by way of a real allocation, still does not open the other ports, either way.
      expect((await a.createPermission(bRelayed)).errorCode).toBeNull();
      expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
      a.send(target, Buffer.from('ssrf by send'));
      service.send(Buffer.from('from the service'), aRelayed.port, '127.0.0.1');
      await until(() => relay.stats().refusals.no_permission === 2);
      a.send(bRelayed, Buffer.from('fine'));
      await b.waitFor(1);
      // Loopback delivery is in order: a marker sent now arrives after anything the relay sent the service before.
      const marker = createSocket('udp4');
      open.push({ close: () => new Promise((resolve) => marker.close(() => resolve())) });
      marker.send(Buffer.from('marker'), target.port, '127.0.0.1');
      await until(() => serviceGot.length > 0);
      expect(serviceGot.map(String)).toEqual(['marker']);
      expect(a.received).toEqual([]);
      expect(b.received.map((m) => String(m.data))).toEqual(['fine']);
      expect(relay.stats().refusals).toMatchObject({ peer_loopback: 3, no_permission: 2 });
    });
  }

  it('between two allocations of this relay, the receiving side still needs its own permission', async () => {
    const { relay, a, b, aRelayed, bRelayed } = await aPermitsB();
    a.send(bRelayed, Buffer.from('unwanted'));
    await b.waitFor(1, 200);
    expect(b.received).toHaveLength(0);
    expect(relay.stats().refusals.no_permission).toBe(1);
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    a.send(bRelayed, Buffer.from('wanted'));
    expect((await b.waitFor(1))[0]).toMatchObject({
      kind: 'data',
      peer: { port: aRelayed.port },
      data: Buffer.from('wanted'),
    });
  });

  it('holds an ICE check that reaches the receiver just before its permission, and delivers it when the permission comes; nothing else waits', async () => {
    const { relay, a, b, aRelayed, bRelayed } = await aPermitsB();
    // What ICE sends first: a Binding request, through a's allocation to b's relayed address.
    const check = bindingRequest();
    a.send(bRelayed, check);
    a.send(bRelayed, Buffer.from('media before the permission'));
    await b.waitFor(1, 200);
    expect(b.received).toHaveLength(0);
    expect(relay.stats().refusals.no_permission).toBe(1);
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    expect((await b.waitFor(1))[0]).toMatchObject({ kind: 'data', peer: { port: aRelayed.port }, data: check });
    await b.waitFor(2, 200);
    expect(b.received).toHaveLength(1);
  });

  it('does not deliver a held check once its wait is over', async () => {
    const { relay, a, b, aRelayed, bRelayed } = await aPermitsB();
    a.send(bRelayed, bindingRequest());
    await b.waitFor(1, 100);
    clock += 1000;
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    await b.waitFor(1, 200);
    expect(b.received).toHaveLength(0);
    expect(relay.stats().refusals.no_permission).toBe(1);
  });

  it('checks channel numbers and rebinding rules (400)', async () => {
    const relay = await startRelay();
    const a = await client(relay);
    const b = await client(relay);
    const c = await client(relay);
    await a.allocate();
    const bRelayed = (await b.allocate()).relayed!;
    const cRelayed = (await c.allocate()).relayed!;
    expect((await a.channelBind(0x3fff, bRelayed)).errorCode).toBe(400);
    expect((await a.channelBind(0x5000, bRelayed)).errorCode).toBe(400);
    expect((await a.channelBind(0x4fff, bRelayed)).errorCode).toBeNull();
    expect((await a.channelBind(0x4fff, bRelayed)).errorCode).toBeNull();
    expect((await a.channelBind(0x4fff, cRelayed)).errorCode).toBe(400);
    expect((await a.channelBind(0x4001, bRelayed)).errorCode).toBe(400);
  });

  it('stops using an expired channel: peer data comes as Data indications, and the number stays reserved', async () => {
    const relay = await startRelay({ nonceTtlSeconds: 3600 });
    const a = await client(relay);
    const b = await client(relay);
    const c = await client(relay);
    const aRelayed = (await a.allocate()).relayed!;
    const bRelayed = (await b.allocate()).relayed!;
    const cRelayed = (await c.allocate()).relayed!;
    for (const x of [a, b, c]) expect((await x.refresh(3600)).errorCode).toBeNull();
    expect((await b.channelBind(0x4000, aRelayed)).errorCode).toBeNull();
    clock += 601_000;
    relay.sweep();
    expect((await a.createPermission(bRelayed)).errorCode).toBeNull();
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    a.send(bRelayed, Buffer.from('after expiry'));
    expect((await b.waitFor(1))[0]).toMatchObject({ kind: 'data', data: Buffer.from('after expiry') });
    b.sendChannel(0x4000, Buffer.from('dropped'));
    // Within the five-minute cooldown the number cannot move to another peer.
    expect((await b.channelBind(0x4000, cRelayed)).errorCode).toBe(400);
    expect((await b.channelBind(0x4000, aRelayed)).errorCode).toBeNull();
    b.sendChannel(0x4000, Buffer.from('bound again'));
    expect((await a.waitFor(1))[0]).toMatchObject({ kind: 'data', data: Buffer.from('bound again') });
    expect(a.received).toHaveLength(1);
  });

  it('a channel follows every change between its packets: the peer binding back, permissions lapsing, the peer leaving', async () => {
    // The data path caches what a channel's peer means (relayServer.ts, PeerRoute): each step here changes one fact
    // under a live channel and checks the very next packet obeys it.
    const relay = await startRelay({ nonceTtlSeconds: 3600 });
    const a = await client(relay);
    const b = await client(relay);
    const aRelayed = (await a.allocate()).relayed!;
    const bRelayed = (await b.allocate()).relayed!;
    expect((await a.channelBind(0x4000, bRelayed)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('before b allows a'));
    await until(() => relay.stats().refusals.no_permission === 1);
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('as data'));
    expect((await b.waitFor(1))[0]).toMatchObject({ kind: 'data', data: Buffer.from('as data') });
    expect((await b.channelBind(0x4321, aRelayed)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('on b’s channel'));
    expect((await b.waitFor(2))[1]).toEqual({ kind: 'channel', channel: 0x4321, data: Buffer.from('on b’s channel') });
    // Five minutes later both permissions have lapsed (no sweep has run: the expiry itself stops the packet).
    clock += 301_000;
    a.sendChannel(0x4000, Buffer.from('lapsed'));
    await until(() => relay.stats().refusals.no_permission === 2);
    expect((await a.createPermission(bRelayed)).errorCode).toBeNull();
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('renewed'));
    expect((await b.waitFor(3))[2]).toEqual({ kind: 'channel', channel: 0x4321, data: Buffer.from('renewed') });
    // b leaves: its relayed port is no longer one of this relay's, so a's loopback permission opens nothing.
    expect((await b.refresh(0)).errorCode).toBeNull();
    a.sendChannel(0x4000, Buffer.from('after b left'));
    await until(() => relay.stats().refusals.no_permission === 3);
    expect(b.received.map((m) => String(m.data))).toEqual(['as data', 'on b’s channel', 'renewed']);
    // The first packet left a (counted) and was refused on b's side.
    expect(relay.stats().relayed).toMatchObject({
      client_to_peer: { packets: 4 },
      peer_to_client: { packets: 3 },
    });
  });

  it('relays ChannelData between a TCP client (padded frames) and a UDP client', async () => {
    const relay = await startRelay();
    const tcp = await client(relay, credentials(), 'tcp');
    const udp = await client(relay);
    const tcpRelayed = (await tcp.allocate()).relayed!;
    const udpRelayed = (await udp.allocate()).relayed!;
    expect((await tcp.channelBind(0x4100, udpRelayed)).errorCode).toBeNull();
    expect((await udp.channelBind(0x4200, tcpRelayed)).errorCode).toBeNull();
    for (let i = 1; i <= 5; i += 1) tcp.sendChannel(0x4100, Buffer.alloc(i, i));
    for (let i = 1; i <= 5; i += 1) udp.sendChannel(0x4200, Buffer.alloc(i + 10, i));
    const atUdp = await udp.waitFor(5);
    const atTcp = await tcp.waitFor(5);
    expect(atUdp.map((m) => m.data.length)).toEqual([1, 2, 3, 4, 5]);
    expect(atTcp.map((m) => m.data.length)).toEqual([11, 12, 13, 14, 15]);
  });
});

describe('hostile input', () => {
  it('survives thousands of malformed and mutated packets over UDP and TCP, and still answers', async () => {
    const relay = await startRelay();
    const victim = await client(relay);
    await victim.allocate();
    const udp = createSocket('udp4');
    open.push({ close: () => new Promise((resolve) => udp.close(() => resolve())) });
    const { port } = relay.addresses.udp!;
    const valid = Buffer.from('000100002112a442' + '00'.repeat(12), 'hex');
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff);
    for (let i = 0; i < 3000; i += 1) {
      const packet = Buffer.from(valid);
      const tail = Buffer.alloc(random() % 64, random() & 0xff);
      const bytes = Buffer.concat([packet, tail]);
      bytes[random() % bytes.length] = random() & 0xff;
      if (i % 3 === 0) bytes.writeUInt16BE(0x4000 + (random() % 0x1000), 0);
      udp.send(bytes, port, '127.0.0.1');
    }
    const tcp = await client(relay, credentials(), 'tcp');
    const junk = await createTurnTestClient({
      server: relay.addresses.tcp!,
      transport: 'tcp',
      username: 'x',
      password: 'y',
    });
    open.push(junk);
    junk.sendChannel(0x4000, Buffer.alloc(10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await tcp.request(StunMethod.binding, [], { auth: false })).errorCode).toBeNull();
    expect((await victim.refresh(600)).errorCode).toBeNull();
    expect(relay.stats().droppedPackets.malformed).toBeGreaterThan(0);
  });
});

describe('abuse controls', () => {
  it('enforces the per-user quota (486) and the total limit (508)', async () => {
    const relay = await startRelay({ limits: { maxAllocationsPerUser: 2, maxAllocations: 3 } });
    const userId = randomUUID();
    const mine = () => client(relay, credentials({ userId }));
    expect((await (await mine()).allocate()).relayed).not.toBeNull();
    expect((await (await mine()).allocate()).relayed).not.toBeNull();
    expect((await (await mine()).allocate()).answer.errorCode).toBe(486);
    expect((await (await client(relay)).allocate()).relayed).not.toBeNull();
    expect((await (await client(relay)).allocate()).answer.errorCode).toBe(508);
    expect(relay.stats().refusals).toMatchObject({ user_quota: 1, total_limit: 1 });
  });

  it('drops what exceeds the per-allocation byte rate and counts it', async () => {
    // The clock stands still, so the bucket never refills: exactly the burst passes.
    const relay = await startRelay({ limits: { bandwidthBytesPerSecond: 1000, burstBytes: 1000 } });
    const a = await client(relay);
    const b = await client(relay);
    const aRelayed = (await a.allocate()).relayed!;
    const bRelayed = (await b.allocate()).relayed!;
    expect((await b.createPermission(aRelayed)).errorCode).toBeNull();
    expect((await a.channelBind(0x4000, bRelayed)).errorCode).toBeNull();
    for (let i = 0; i < 20; i += 1) a.sendChannel(0x4000, Buffer.alloc(100, i));
    await b.waitFor(20, 500);
    expect(b.received).toHaveLength(10);
    expect(relay.stats().droppedPackets.bandwidth).toBe(10);
    expect(relay.stats().refusals.bandwidth).toBe(10);
    clock += 1000;
    a.sendChannel(0x4000, Buffer.alloc(100));
    await b.waitFor(11);
    expect(b.received).toHaveLength(11);
  });
});

describe('allocation lifetime and sessions', () => {
  it('deletes the allocation on Refresh with LIFETIME 0; later requests get 437', async () => {
    const relay = await startRelay();
    const c = await client(relay);
    await c.allocate();
    const refreshed = await c.refresh(7200);
    expect(readUint32(getAttribute(refreshed.message, Attr.LIFETIME)!)).toBe(3600);
    const deleted = await c.refresh(0);
    expect(deleted.errorCode).toBeNull();
    expect(relay.stats().allocations).toMatchObject({ active: 0, ended: 1 });
    expect((await c.refresh(600)).errorCode).toBe(437);
  });

  it('endSession deletes every allocation of the session at once, and its credentials then fail', async () => {
    const relay = await startRelay();
    const sessionId = generateSessionId();
    const userId = randomUUID();
    const first = await client(relay, credentials({ userId, sessionId }));
    const second = await client(relay, credentials({ userId, sessionId }));
    const other = await client(relay);
    await first.allocate();
    await second.allocate();
    await other.allocate();
    revoked.add(sessionId);
    expect(relay.endSession(sessionId)).toBe(2);
    expect(relay.stats().allocations.active).toBe(1);
    expect((await first.refresh(600)).errorCode).toBe(437);
    expect((await (await client(relay, credentials({ userId, sessionId }))).allocate()).answer.errorCode).toBe(401);
  });

  it('expires allocations whose lifetime ran out', async () => {
    const relay = await startRelay();
    const c = await client(relay);
    await c.allocate();
    clock += 601_000;
    relay.sweep();
    expect(relay.stats().allocations.active).toBe(0);
  });
});
