import udpBatch from '@whoot/udp-batch';
import type { ClientLink } from './allocation';
import { bytesToIp, ipToBytes, type TransportAddress } from './stun/ipAddress';

/**
 * The client-facing UDP socket read with recvmmsg and written with sendmmsg (native/udp-batch, Linux). Per datagram,
 * Node's dgram allocates a receive buffer, builds an address string, calls into JS, makes a SendWrap and its own
 * sendmsg, then reads EAGAIN once more: most of the relay's CPU (README.md, "Data path and workers"). Here a readable
 * socket costs one system call for up to 32 datagrams, one call into JS for all of them, and one system call for
 * everything JS sent meanwhile.
 *
 * The datagram handed to `onDatagram` is a view of the socket's receive buffer: it is valid until the handler
 * returns, and anything kept longer (or given to a socket that may queue it) must be copied. `from` is one cursor
 * object, moved from datagram to datagram: read it, never keep it.
 */
export interface BatchedDatagramSource {
  readonly family: 4 | 6;
  readonly port: number;
  /** IPv4 as a 32-bit number (family 4); the link index's key without building a string. */
  readonly ipv4: number;
  /** The address as canonical text (allocates: for new clients and IPv6 only). */
  address(): string;
  /** A copy of the sender's address for a new client link: its two send functions. */
  sender(): Pick<ClientLink, 'send' | 'sendOne'> & { readonly remote: TransportAddress };
}

export interface BatchedUdpListener {
  readonly port: number;
  close(): Promise<void>;
  /** Datagrams read and system calls made, for the bench's check that batching happens. */
  stats(): { received: number; batches: number; sent: number; sendFailed: number; sendCalls: number };
}

/** The key of an IPv4 client in the relay's link index: what `ipv4` and `port` of a datagram give, as one number. */
export const ipv4LinkKey = (ipv4: number, port: number): number => ipv4 * 65536 + port;

/** An IPv4 address's text as the 32-bit number a datagram's `ipv4` is (and `send` takes), or null if not IPv4. */
export function ipv4Number(address: string): number | null {
  const bytes = ipToBytes(address);
  return bytes === null || bytes.length !== 4 ? null : Buffer.from(bytes).readUInt32BE(0);
}

/** The same key from a link's address text (once, when the link is registered), or null for IPv6. */
export function ipv4KeyOf(remote: TransportAddress): number | null {
  const ipv4 = remote.family === 4 ? ipv4Number(remote.address) : null;
  return ipv4 === null ? null : ipv4LinkKey(ipv4, remote.port);
}

/** Whether this build of the relay can batch (the addon compiled and loads: Linux with a C compiler at install). */
export const batchedUdpAvailable = (): boolean => udpBatch.supported;

export function startBatchedUdpListener(
  host: string,
  port: number,
  onDatagram: (data: Buffer, from: BatchedDatagramSource) => void,
  reusePort: boolean,
  bufferBytes: number,
): BatchedUdpListener {
  if (!udpBatch.supported) throw new Error(`udp-batch is not available here: ${udpBatch.loadError ?? 'not Linux'}`);
  const { batch, slotBytes, metaWords } = udpBatch;
  const owner = {};
  let meta = new Uint32Array(0);
  let bytes = Buffer.alloc(0);
  let slot = 0;

  /** A copy of the slot's address bytes (4 for IPv4, 16 for IPv6). */
  const addressBytes = (index: number, length: 4 | 16): Uint8Array =>
    new Uint8Array(meta.buffer, index * metaWords * 4 + 16, length).slice();

  const from: BatchedDatagramSource = {
    get family() {
      return ((meta[slot * metaWords + 2] ?? 0) & 0xff) === 4 ? 4 : 6;
    },
    get port() {
      return meta[slot * metaWords + 1] ?? 0;
    },
    get ipv4() {
      return meta[slot * metaWords + 3] ?? 0;
    },
    address() {
      return bytesToIp(addressBytes(slot, this.family === 4 ? 4 : 16)) ?? '';
    },
    sender() {
      const family = this.family;
      const port = this.port;
      const ipv4 = this.ipv4;
      const ipv6 = addressBytes(slot, 16);
      const remote: TransportAddress = { family, address: this.address(), port };
      const sendOne =
        family === 4
          ? (packet: Buffer) => socket.send(packet, 4, port, ipv4)
          : (packet: Buffer) => socket.send(packet, 6, port, ipv6);
      return {
        remote,
        sendOne,
        send: (parts) => sendOne(parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts)),
      };
    },
  };

  const onBatch = (count: number) => {
    for (let index = 0; index < count && index < batch; index++) {
      slot = index;
      const word = index * metaWords;
      // Cut short (a datagram above 64 KiB cannot reach a UDP socket, so never in practice): not a whole packet.
      if ((meta[word + 2] ?? 0) >> 8 !== 0) continue;
      const start = index * slotBytes;
      onDatagram(bytes.subarray(start, start + (meta[word] ?? 0)), from);
    }
  };

  const socket = udpBatch.open(host, port, reusePort, bufferBytes, onBatch, owner);
  meta = new Uint32Array(socket.meta);
  bytes = Buffer.from(socket.buffer);
  let closed = false;
  return {
    port: socket.port,
    stats: () => socket.stats(),
    close: async () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
