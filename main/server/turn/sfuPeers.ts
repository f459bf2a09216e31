import { canonicalIp } from './addressPolicy';

/** A media server (Janus) the relay may reach on a private or loopback address: its IP and its media ports. */
export interface SfuPeer {
  readonly address: string;
  readonly ports: { readonly min: number; readonly max: number };
}

/**
 * The one exception to the peer policy besides the relay's own allocations: exactly the SFU's IP, and only its media
 * ports on it. Nothing else in the private ranges opens up (the SFU host's other services, its other ports, its
 * neighbours), and with no SFU configured nothing changes at all.
 */
export function sfuPeerMatcher(peers: readonly SfuPeer[]): (ip: string, port: number) => boolean {
  const byIp = new Map<string, SfuPeer['ports'][]>();
  for (const peer of peers) {
    const ip = canonicalIp(peer.address);
    if (ip === null) throw new Error(`sfuPeers: ${peer.address} is not an IP address`);
    byIp.set(ip, [...(byIp.get(ip) ?? []), peer.ports]);
  }
  if (byIp.size === 0) return () => false;
  return (ip, port) => {
    const ranges = byIp.get(ip) ?? byIp.get(canonicalIp(ip) ?? '');
    return ranges !== undefined && ranges.some((range) => port >= range.min && port <= range.max);
  };
}
