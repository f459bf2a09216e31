import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit key for a peer address. One IPv4 address is one client; an IPv6 host usually holds a whole /64
 * and can rotate through it at will, so the /64 is the client. IPv4-mapped IPv6 addresses (a dual-stack listener)
 * count as the IPv4 address they carry.
 */
export function clientRateKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remoteAddress);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(remoteAddress)) return remoteAddress;
  if (!isIPv6(remoteAddress)) return 'unknown';
  return `${expandIpv6(remoteAddress).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address without a zone, lowercase and without leading zeros. */
function expandIpv6(address: string): string[] {
  const [withoutZone = ''] = address.toLowerCase().split('%');
  const [head = '', tail] = withoutZone.split('::');
  const part = (text: string) => (text === '' ? [] : text.split(':').flatMap(hextets));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((hextet) => parseInt(hextet, 16).toString(16));
}

/** An embedded dotted IPv4 tail (::1.2.3.4) is two hextets. */
function hextets(piece: string): string[] {
  if (!piece.includes('.')) return [piece];
  const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
