/**
 * The relayed ports that are live on this relay, whichever worker thread holds their allocation: the exception list
 * of the peer policy (a loopback or private peer is allowed only as one of these), checked per packet.
 *
 * A bitmap of the 65,536 ports in shared memory, so every worker reads the same answer synchronously without a
 * message round trip: an allocation made on one worker is reachable from a client of another the moment its
 * Allocate is answered. A version word moves on at every change, so the data path can cache what it derived from
 * the set and notice when that may be stale. One relay address per relay (RelayOptions.relay.address), so ports
 * alone name the addresses.
 */
export interface RelayedPorts {
  add(port: number): void;
  delete(port: number): void;
  has(port: number): boolean;
  /** Moves on at every add and delete. */
  version(): number;
  /** The memory to hand to another worker's `relayedPortsOn`. */
  readonly buffer: SharedArrayBuffer;
}

const WORDS = 65_536 / 32;
const VERSION = WORDS;

export function createRelayedPorts(): RelayedPorts {
  return relayedPortsOn(new SharedArrayBuffer((WORDS + 1) * Int32Array.BYTES_PER_ELEMENT));
}

export function relayedPortsOn(buffer: SharedArrayBuffer): RelayedPorts {
  if (buffer.byteLength !== (WORDS + 1) * Int32Array.BYTES_PER_ELEMENT) {
    throw new RangeError('relayed port set: wrong buffer size');
  }
  const words = new Int32Array(buffer);
  const check = (port: number) => {
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`not a port: ${port}`);
  };
  return {
    buffer,
    add(port) {
      check(port);
      Atomics.or(words, port >>> 5, 1 << (port & 31));
      Atomics.add(words, VERSION, 1);
    },
    delete(port) {
      check(port);
      Atomics.and(words, port >>> 5, ~(1 << (port & 31)));
      Atomics.add(words, VERSION, 1);
    },
    has(port) {
      return port >= 0 && port <= 65_535 && (Atomics.load(words, port >>> 5) & (1 << (port & 31))) !== 0;
    },
    version: () => Atomics.load(words, VERSION),
  };
}
