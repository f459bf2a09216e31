import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';

/**
 * Binds the relayed UDP socket of an allocation (RFC 8656 section 6.2) on the configured relay address, inside the
 * configured port range when there is one (so an admin can open exactly that range in a firewall), and EVEN-PORT
 * pairs with the next port held back for a later RESERVATION-TOKEN allocation (the RTP/RTCP pair of old clients,
 * which turnutils_uclient still exercises).
 */
export interface RelayPortRange {
  readonly min: number;
  readonly max: number;
}

export interface BoundRelaySocket {
  readonly socket: Socket;
  readonly port: number;
  /** The next port, bound and idle, when the client asked EVEN-PORT with the reserve bit. */
  readonly reserved: { readonly socket: Socket; readonly port: number } | null;
}

/** Random starting points tried before giving up: a nearly full range answers 508 quickly instead of scanning. */
const MAX_ATTEMPTS = 64;

/**
 * The relay only ever sends to IP literals it parsed itself, yet dgram would pass each one through dns.lookup and a
 * process.nextTick per datagram. Answering at once removes that from the per-packet path (about a tenth of the cost
 * of a send on this machine).
 */
export const literalLookup = (
  address: string,
  _options: unknown,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void => callback(null, address, isIPv6(address) ? 6 : 4);

export function udpSocketFor(address: string, reusePort = false): Socket {
  return createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup, reusePort });
}

export function bindUdp(address: string, port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = udpSocketFor(address);
    const onError = () => {
      try {
        socket.close();
      } catch {
        // Never bound, nothing to close.
      }
      resolve(null);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed.
  }
}

export async function bindRelaySocket(
  address: string,
  range: RelayPortRange | null,
  request: { even: boolean; reserveNext: boolean },
): Promise<BoundRelaySocket | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    let wanted = 0;
    if (range !== null) {
      wanted = randomInt(range.min, range.max + 1);
      if (request.even && wanted % 2 === 1) wanted = wanted + 1 <= range.max ? wanted + 1 : wanted - 1;
      if (wanted < range.min || (request.reserveNext && wanted + 1 > range.max)) continue;
    }
    const socket = await bindUdp(address, wanted);
    if (socket === null) continue;
    const port = socket.address().port;
    if (request.even && port % 2 === 1) {
      closeQuietly(socket);
      continue;
    }
    if (!request.reserveNext) return { socket, port, reserved: null };
    const next = port < 65535 ? await bindUdp(address, port + 1) : null;
    if (next !== null) return { socket, port, reserved: { socket: next, port: port + 1 } };
    closeQuietly(socket);
  }
  return null;
}
