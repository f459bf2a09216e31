import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import udpBatch from '@whoot/udp-batch';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchedUdpAvailable,
  ipv4KeyOf,
  ipv4LinkKey,
  startBatchedUdpListener,
  type BatchedDatagramSource,
  type BatchedUdpListener,
} from './batchedUdpListener';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

interface Seen {
  readonly text: string;
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
  readonly ipv4: number;
}

/** A listener that records every datagram and echoes it back with a prefix, through the sender a new link gets. */
function echoListener(
  host: string,
  port = 0,
  reusePort = false,
  prefix = 'echo:',
): { listener: BatchedUdpListener; seen: Seen[] } {
  const seen: Seen[] = [];
  const listener = startBatchedUdpListener(
    host,
    port,
    (data: Buffer, from: BatchedDatagramSource) => {
      seen.push({
        text: data.toString(),
        family: from.family,
        address: from.address(),
        port: from.port,
        ipv4: from.ipv4,
      });
      from.sender().send([Buffer.from(prefix), data]);
    },
    reusePort,
    1 << 20,
  );
  open.push(listener);
  return { listener, seen };
}

async function udpClient(type: 'udp4' | 'udp6', host: string): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createSocket(type);
  const received: Buffer[] = [];
  socket.on('message', (message: Buffer) => received.push(message));
  socket.bind(0, host);
  await once(socket, 'listening');
  open.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return { socket, received };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the batched UDP listener (native/udp-batch)', () => {
  it('builds and loads on Linux, where the relay uses it by default', () => {
    expect(batchedUdpAvailable()).toBe(process.platform === 'linux');
  });

  it('reads a burst in batches, says who sent each datagram, and sends the answers together', async () => {
    const { listener, seen } = echoListener('127.0.0.1');
    const { socket, received } = await udpClient('udp4', '127.0.0.1');
    const messages = Array.from({ length: 40 }, (_, i) => `message ${i}`);
    for (const message of messages) socket.send(message, listener.port, '127.0.0.1');
    await until(() => received.length === messages.length);
    expect(seen.map((s) => s.text)).toEqual(messages);
    expect(received.map((r) => r.toString())).toEqual(messages.map((m) => `echo:${m}`));
    const port = socket.address().port;
    for (const s of seen) expect(s).toMatchObject({ family: 4, address: '127.0.0.1', port, ipv4: 0x7f000001 });
    expect(ipv4LinkKey(seen[0]!.ipv4, port)).toBe(ipv4KeyOf({ family: 4, address: '127.0.0.1', port }));
    const stats = listener.stats();
    expect(stats).toMatchObject({ received: 40, sent: 40, sendFailed: 0 });
    // 40 datagrams that were all waiting took fewer reads than datagrams, and their answers fewer sends.
    expect(stats.batches).toBeLessThan(40);
    expect(stats.sendCalls).toBeLessThan(40);
  });

  it('hands over a datagram of the largest UDP size whole', async () => {
    const { listener, seen } = echoListener('127.0.0.1', 0, false, '');
    const { socket, received } = await udpClient('udp4', '127.0.0.1');
    const big = Buffer.alloc(65_507, 'x');
    socket.send(big, listener.port, '127.0.0.1');
    await until(() => received.length === 1);
    expect(seen[0]!.text.length).toBe(65_507);
    // The answer is longer than a queued send's slot: it goes on its own, whole.
    expect(received[0]!.equals(big)).toBe(true);
  });

  it('speaks IPv6 with the canonical address text', async () => {
    const { listener, seen } = echoListener('::1');
    const { socket, received } = await udpClient('udp6', '::1');
    socket.send('six', listener.port, '::1');
    await until(() => received.length === 1);
    expect(seen[0]).toMatchObject({ text: 'six', family: 6, address: '::1', port: socket.address().port });
    expect(received[0]!.toString()).toBe('echo:six');
  });

  it('shares its port only when asked to (SO_REUSEPORT), and gives it back when closed', async () => {
    const first = echoListener('127.0.0.1', 0, true).listener;
    const second = echoListener('127.0.0.1', first.port, true).listener;
    expect(second.port).toBe(first.port);
    expect(() => echoListener('127.0.0.1', first.port, false)).toThrow(/EADDRINUSE/);
    await first.close();
    await second.close();
    const again = createSocket('udp4');
    again.bind(first.port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  it('cork and uncork send a burst in one system call (the load generator of bench:relay --ceiling)', async () => {
    if (!udpBatch.supported) throw new Error('udp-batch did not load');
    const { socket: client, received } = await udpClient('udp4', '127.0.0.1');
    const raw = udpBatch.open('127.0.0.1', 0, false, 1 << 20, () => undefined, {});
    open.push(raw);
    raw.cork();
    for (let i = 0; i < 10; i++) raw.send(Buffer.from(`burst ${i}`), 4, client.address().port, 0x7f000001);
    expect(raw.stats().sendCalls).toBe(0);
    raw.uncork();
    expect(raw.stats()).toMatchObject({ sent: 10, sendCalls: 1 });
    await until(() => received.length === 10);
    expect(received.map((r) => r.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `burst ${i}`));
  });

  it('a closed socket can still be asked: send does nothing, stats keep their totals (its memory outlives them)', async () => {
    // In a child with glibc's MALLOC_PERTURB_, which fills freed memory with a byte pattern: a listener freed while
    // its functions could still be called (as it was, one loop turn after close) answers with that pattern.
    const script = `
      const udpBatch = require(${JSON.stringify(require.resolve('@whoot/udp-batch'))});
      const dgram = require('node:dgram');
      const client = dgram.createSocket('udp4');
      const received = [];
      client.on('message', (m) => received.push(m.toString()));
      client.bind(0, '127.0.0.1', async () => {
        const port = client.address().port;
        const raw = udpBatch.open('127.0.0.1', 0, false, 1 << 20, () => undefined, {});
        raw.send(Buffer.from('before'), 4, port, 0x7f000001);
        while (received.length === 0) await new Promise((r) => setTimeout(r, 5));
        const before = raw.stats();
        raw.close();
        for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
        raw.send(Buffer.from('after'), 4, port, 0x7f000001);
        raw.cork();
        raw.uncork();
        const after = raw.stats();
        await new Promise((r) => setTimeout(r, 50));
        console.log(JSON.stringify({ before, after, received }));
        client.close();
      });`;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, MALLOC_PERTURB_: '165' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const { before, after, received } = JSON.parse(output) as { before: unknown; after: unknown; received: string[] };
    expect(before).toMatchObject({ sent: 1, sendFailed: 0 });
    expect(after).toEqual(before);
    expect(received).toEqual(['before']);
  });

  it('refuses a host that is not an IP address', () => {
    expect(() => echoListener('localhost')).toThrow(/IP address/);
  });
});
