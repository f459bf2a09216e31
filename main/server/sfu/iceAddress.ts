import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { isPublicAddress } from '../turn/addressPolicy';

export interface IceAddress {
  /** The IPv4 address Janus's candidates carry: the one private peer the relay may reach besides itself. */
  readonly address: string;
  /** Its interface, which Janus's ICE enforce list names so no other interface is gathered. */
  readonly interfaceName: string;
}

type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

/**
 * Where Janus gathers its ICE candidates. Janus never gathers on a loopback interface (its ICE code skips them), and
 * libnice pins each socket to its interface (IP_UNICAST_IF), so Janus cannot answer an address on loopback either:
 * its media needs one real interface, which the relay's relayed addresses must be reachable on. That is the
 * configured address's, or else `preferred` (the relay's relayed address) when an interface has it, or else this
 * host's first private IPv4 address (10/8, 172.16/12, 192.168/16, ...), or else its first non-loopback one. Only the whoot relay is meant to reach it
 * there; the relay allows exactly this address and Janus's media ports, and a firewall should close those ports to
 * everything else (docs/admin.md).
 */
export function chooseIceAddress(
  configured: string | undefined,
  interfaces: Interfaces = networkInterfaces(),
  preferred?: string,
): IceAddress {
  const candidates = Object.entries(interfaces).flatMap(([interfaceName, entries]) =>
    (entries ?? [])
      .filter((entry) => entry.family === 'IPv4' && !entry.internal)
      .map((entry) => ({ address: entry.address, interfaceName })),
  );
  if (configured !== undefined) {
    const found = candidates.find((candidate) => candidate.address === configured);
    if (found === undefined) throw new Error(`sfu: no network interface of this host has the address ${configured}`);
    return found;
  }
  const chosen =
    candidates.find((candidate) => candidate.address === preferred) ??
    candidates.find((candidate) => !isPublicAddress(candidate.address).ok) ??
    candidates[0];
  if (chosen === undefined) {
    throw new Error('sfu: this host has no IPv4 interface besides loopback for Janus to gather candidates on');
  }
  return chosen;
}
