import udpBatch, { type BatchSocket } from '@whoot/udp-batch';
import { createTurnClient } from '../../main/server/turn/turnClient';
import { Attr } from '../../main/server/turn/stun/constants';
import { getAttribute } from '../../main/server/turn/stun/message';
import { readXorAddress } from '../../main/server/turn/stun/attributes';
import { ipv4Number } from '../../main/server/turn/batchedUdpListener';

/**
 * A TURN load generator that can outrun a relay on the same machine, for `bench:relay --ceiling`: turnutils_uclient
 * tops out near 6,000 messages a second here, so it sets the pace of every relay and no ceiling can be read with it.
 *
 * Client pairs allocate and bind a channel to each other's relayed address (client to client, as `uclient -y`) with
 * the project's TURN client, then the same local ports are reopened with native/udp-batch: each 5 ms tick sends
 * every client's share of the offered rate as ChannelData in one sendmmsg, and replies are read with recvmmsg. Each
 * packet carries its send time, so delivery and one-way delay (same clock) are measured per step.
 */
export interface ChannelLoadOptions {
  readonly relay: { readonly host: string; readonly port: number };
  readonly username: string;
  readonly password: string;
  readonly clients: number;
  /** Bytes of ChannelData payload per packet (uclient's -l). */
  readonly length: number;
}

export interface StepResult {
  readonly offered: number;
  readonly sent: number;
  readonly received: number;
  readonly seconds: number;
  readonly lossPercent: number;
  readonly meanDelayMs: number;
  readonly generatorCpuSeconds: number;
}

interface LoadClient {
  readonly socket: BatchSocket;
  readonly packet: Buffer;
  readonly view: DataView;
}

const CHANNEL = 0x4000;
const TICK_MS = 5;

export async function createChannelLoad(options: ChannelLoadOptions) {
  const batch = udpBatch;
  if (!batch.supported) throw new Error('--ceiling needs native/udp-batch (Linux)');
  const { metaWords, slotBytes } = batch;
  if (options.clients < 2 || options.clients % 2 !== 0) throw new Error('clients must be even');
  const { host, port } = options.relay;
  const turn = await Promise.all(
    Array.from({ length: options.clients }, () =>
      createTurnClient({
        server: { host, port },
        transport: 'udp',
        bindAddress: host,
        username: options.username,
        password: options.password,
        timeoutMs: 5000,
      }),
    ),
  );
  const relayed = await Promise.all(
    turn.map(async (client) => {
      const { answer } = await client.allocate();
      const value = getAttribute(answer.message, Attr.XOR_RELAYED_ADDRESS);
      const address = value === undefined ? null : readXorAddress(value, answer.message.transactionId);
      if (address === null) throw new Error(`allocate failed: ${answer.errorCode ?? 'no relayed address'}`);
      return address;
    }),
  );
  await Promise.all(
    turn.map(async (client, i) => {
      const peer = relayed[i ^ 1];
      if (peer === undefined) throw new Error('no peer');
      const answer = await client.channelBind(CHANNEL, peer);
      if (answer.errorCode !== null) throw new Error(`ChannelBind failed: ${answer.errorCode}`);
    }),
  );
  const ports = turn.map((client) => client.local.port);
  await Promise.all(turn.map((client) => client.close()));

  let received = 0;
  let delaySum = 0;
  const parsed = ipv4Number(host);
  if (parsed === null) throw new Error(`the relay's host must be an IPv4 address: ${host}`);
  const ipv4: number = parsed;
  const clients: LoadClient[] = ports.map((localPort) => {
    let meta = new Uint32Array(0);
    let bytes = new DataView(new ArrayBuffer(0));
    const onBatch = (count: number) => {
      const now = performance.now();
      for (let i = 0; i < count; i++) {
        if ((meta[i * metaWords] ?? 0) < 12) continue;
        received += 1;
        delaySum += now - bytes.getFloat64(i * slotBytes + 4, true);
      }
    };
    const socket = batch.open(host, localPort, false, 4 * 1024 * 1024, onBatch, {});
    meta = new Uint32Array(socket.meta);
    bytes = new DataView(socket.buffer);
    const packet = Buffer.alloc(4 + options.length);
    packet.writeUInt16BE(CHANNEL, 0);
    packet.writeUInt16BE(options.length, 2);
    return { socket, packet, view: new DataView(packet.buffer, packet.byteOffset, packet.byteLength) };
  });

  /** Offers `rate` messages a second for `seconds`, then waits for stragglers; loss and delay of that step. */
  async function step(rate: number, seconds: number): Promise<StepResult> {
    received = 0;
    delaySum = 0;
    let sent = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let next = 0;
    while (performance.now() - started < seconds * 1000) {
      // This tick's share, spread over the clients from where the last tick stopped: one sendmmsg per client.
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
      const each = Math.floor(due / clients.length);
      let extra = due % clients.length;
      const now = performance.now();
      for (let k = 0; k < clients.length; k++) {
        const client = clients[(next + k) % clients.length] as LoadClient;
        const count = each + (extra > 0 ? 1 : 0);
        if (extra > 0) extra -= 1;
        if (count === 0) break;
        client.view.setFloat64(4, now, true);
        client.socket.cork();
        for (let n = 0; n < count; n++) client.socket.send(client.packet, 4, port, ipv4);
        client.socket.uncork();
      }
      next = (next + (due % clients.length)) % clients.length;
      sent += due;
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const elapsed = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cpu = process.cpuUsage(cpuBefore);
    return {
      offered: rate,
      sent,
      received,
      seconds: elapsed,
      lossPercent: sent === 0 ? 0 : (100 * Math.max(0, sent - received)) / sent,
      meanDelayMs: received === 0 ? 0 : delaySum / received,
      generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }

  return {
    step,
    close: () => {
      for (const client of clients) client.socket.close();
    },
  };
}
