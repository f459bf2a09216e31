import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSessionId } from '../auth/sessionTokens';
import { createRelay, type Relay } from './relayServer';
import { sfuPeerMatcher } from './sfuPeers';
import { createMintedTurnTestClient, type TurnTestClient } from './testing/turnTestClient';

const SECRET = 'sfu-peer-secret-0123456789abcdefghijklmnopq';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function udpService(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const got: Buffer[] = [];
  socket.on('message', (data) => got.push(data));
  open.push({ close: () => new Promise((resolve) => socket.close(() => resolve())) });
  return { socket, port: socket.address().port, got };
}

async function relayWith(sfuPeers: { address: string; ports: { min: number; max: number } }[]): Promise<Relay> {
  const relay = await createRelay({
    realm: 'whoot',
    secret: SECRET,
    listen: { host: '127.0.0.1', udpPort: 0, tcpPort: null },
    relay: { address: '127.0.0.1' },
    sfuPeers,
    log: () => undefined,
  });
  open.push(relay);
  return relay;
}

async function client(relay: Relay): Promise<{ a: TurnTestClient; relayedPort: number }> {
  const created = await createMintedTurnTestClient({
    server: relay.addresses.udp!,
    transport: 'udp',
    secret: SECRET,
    userId: randomUUID(),
    sessionId: generateSessionId(),
  });
  open.push(created);
  const relayed = (await created.allocate()).relayed;
  if (relayed === undefined || relayed === null) throw new Error('no allocation');
  return { a: created, relayedPort: relayed.port };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('the relay reaches exactly the SFU on a private address', () => {
  it('matches the SFU address and its media ports only', () => {
    const isSfu = sfuPeerMatcher([{ address: '127.0.0.1', ports: { min: 20000, max: 20999 } }]);
    expect(isSfu('127.0.0.1', 20000)).toBe(true);
    expect(isSfu('127.0.0.1', 20999)).toBe(true);
    expect(isSfu('127.0.0.1', 21000)).toBe(false);
    expect(isSfu('127.0.0.1', 19999)).toBe(false);
    expect(isSfu('127.0.0.2', 20500)).toBe(false);
    expect(isSfu('::ffff:127.0.0.1', 20500)).toBe(false);
    expect(sfuPeerMatcher([])('127.0.0.1', 20000)).toBe(false);
    expect(() => sfuPeerMatcher([{ address: 'janus.local', ports: { min: 1, max: 2 } }])).toThrow(/not an IP/);
  });

  it('carries media both ways between a client and the SFU port, and refuses every other loopback port and private address', async () => {
    const sfu = await udpService();
    const other = await udpService();
    const relay = await relayWith([{ address: '127.0.0.1', ports: { min: sfu.port, max: sfu.port } }]);
    const { a, relayedPort } = await client(relay);
    const sfuAddress = { address: '127.0.0.1', port: sfu.port };
    const otherAddress = { address: '127.0.0.1', port: other.port };

    expect((await a.createPermission(sfuAddress)).errorCode).toBeNull();
    expect((await a.channelBind(0x4000, sfuAddress)).errorCode).toBeNull();
    // The SFU's neighbours on the host, and the private ranges, stay out of reach.
    expect((await a.createPermission(otherAddress)).errorCode).toBe(403);
    expect((await a.channelBind(0x4001, otherAddress)).errorCode).toBe(403);
    expect((await a.createPermission({ address: '10.0.0.1', port: sfu.port })).errorCode).toBe(403);
    expect((await a.createPermission({ address: '127.0.0.2', port: sfu.port })).errorCode).toBe(403);

    a.sendChannel(0x4000, Buffer.from('rtp to the sfu'));
    await until(() => sfu.got.length === 1);
    expect(String(sfu.got[0])).toBe('rtp to the sfu');
    sfu.socket.send(Buffer.from('rtp from the sfu'), relayedPort, '127.0.0.1');
    expect((await a.waitFor(1, 30_000))[0]).toEqual({
      kind: 'channel',
      channel: 0x4000,
      data: Buffer.from('rtp from the sfu'),
    });

    // The permission for 127.0.0.1 (installed for the SFU) does not open the other port, either way.
    a.send(otherAddress, Buffer.from('ssrf by send'));
    await until(() => relay.stats().refusals.no_permission >= 1);
    expect(other.got).toEqual([]);
    expect(relay.stats().refusals.peer_loopback).toBe(3);
    expect(relay.stats().refusals.peer_private).toBe(1);
  });

  it('without an SFU configured, the same port is refused like any loopback service', async () => {
    const sfu = await udpService();
    const relay = await relayWith([]);
    const { a } = await client(relay);
    expect((await a.createPermission({ address: '127.0.0.1', port: sfu.port })).errorCode).toBe(403);
  });
});
