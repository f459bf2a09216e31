import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP text <-> bytes, so XOR address attributes can be built from what Node's sockets report and read back into the
 * canonical text the permission table is keyed by (one address, one spelling).
 */
export interface TransportAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly port: number;
}

export function ipToBytes(address: string): Uint8Array | null {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address) || address.includes('%')) return null;
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as the last two 16-bit groups.
  if (text.includes('.', lastColon)) {
    const v4 = Buffer.from(
      text
        .slice(lastColon + 1)
        .split('.')
        .map(Number),
    );
    tail.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
    const prefix = text.slice(0, lastColon + 1);
    // "::1.2.3.4" keeps its "::"; "::ffff:1.2.3.4" and "1:2:3:4:5:6:1.2.3.4" lose the colon before the tail.
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const missing = 8 - tail.length - left.length - right.length;
  const all =
    rest === undefined ? [...left, ...tail] : [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
  if (all.length !== 8) return null;
  const bytes = Buffer.alloc(16);
  all.forEach((group, index) => bytes.writeUInt16BE(group, index * 2));
  return bytes;
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run (2+) of zero groups as "::". */
export function bytesToIp(bytes: Uint8Array): string | null {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return null;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(view.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an address Node reported, or null if it is not an IP literal. */
export function canonicalIp(address: string): string | null {
  const bytes = ipToBytes(address);
  return bytes === null ? null : bytesToIp(bytes);
}

export function ipFamily(address: string): 4 | 6 | null {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return null;
}
