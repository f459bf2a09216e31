/**
 * Which peers the relay may send to (RFC 8656 §21.3: a relay must not become a way into networks it can reach and
 * its clients cannot). Checked when a permission or channel binding is installed; the per-packet path only looks up
 * permissions that already passed here.
 *
 * Addresses are IPs without a port: TURN permissions are per IP address (RFC 8656 §9), so the exception for this
 * relay's own allocations is per IP too. `ownRelayedAddresses` should hold `canonicalIp()` forms; the raw input is
 * also looked up, so a set built from the same formatter as the caller's addresses works either way.
 *
 * Parsing is strict and numeric: one textual form per address family that node:net accepts, no zone ids, no
 * shorthand IPv4 (`127.1`, octal, hex), at most 45 characters. Whatever does not parse is 'malformed', never
 * "probably fine".
 */
import { isIP } from 'node:net';

export type PeerRefusalReason =
  | 'loopback'
  | 'private'
  | 'cgn'
  | 'link_local'
  | 'multicast'
  | 'unique_local'
  | 'unspecified'
  | 'documentation'
  | 'reserved'
  | 'malformed';

export type PeerDecision = { ok: true } | { ok: false; reason: PeerRefusalReason };

/** Longest valid text form: eight groups with an IPv4 tail, `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`. */
const MAX_ADDRESS_LENGTH = 45;

type ParsedIp = { family: 4; value: number } | { family: 6; value: bigint };

interface Range4 {
  base: number;
  bits: number;
  reason: PeerRefusalReason;
}

const ipv4Ranges: readonly Range4[] = [
  // "This network" (RFC 791/1122); 0.0.0.0 itself is the unspecified address and Linux treats 0/8 as local.
  range4('0.0.0.0', 8, 'unspecified'),
  range4('10.0.0.0', 8, 'private'),
  range4('100.64.0.0', 10, 'cgn'),
  range4('127.0.0.0', 8, 'loopback'),
  // Includes 169.254.169.254, the cloud metadata service: the classic SSRF target.
  range4('169.254.0.0', 16, 'link_local'),
  range4('172.16.0.0', 12, 'private'),
  range4('192.0.0.0', 24, 'reserved'),
  range4('192.0.2.0', 24, 'documentation'),
  // Deprecated 6to4 relay anycast (RFC 7526): no legitimate voice peer lives there.
  range4('192.88.99.0', 24, 'reserved'),
  range4('192.168.0.0', 16, 'private'),
  // Benchmarking (RFC 2544): often routed to lab gear inside a network.
  range4('198.18.0.0', 15, 'reserved'),
  range4('198.51.100.0', 24, 'documentation'),
  range4('203.0.113.0', 24, 'documentation'),
  range4('224.0.0.0', 4, 'multicast'),
  // Class E; also holds 255.255.255.255 (limited broadcast).
  range4('240.0.0.0', 4, 'reserved'),
];

interface Range6 {
  base: bigint;
  bits: number;
  reason: PeerRefusalReason;
}

const ipv6Ranges: readonly Range6[] = [
  range6('::', 128, 'unspecified'),
  range6('::1', 128, 'loopback'),
  range6('fc00::', 7, 'unique_local'),
  range6('fe80::', 10, 'link_local'),
  range6('ff00::', 8, 'multicast'),
  range6('2001:db8::', 32, 'documentation'),
  // Teredo tunnels reach whatever IPv4 the client-controlled bits say, past our IPv4 rules.
  range6('2001::', 32, 'reserved'),
  // Benchmarking (RFC 5180), the IPv6 twin of 198.18/15.
  range6('2001:2::', 48, 'reserved'),
];

/** Prefixes whose low 32 bits (or, for 6to4, bits 16..47) name an IPv4 destination: judged by the IPv4 rules. */
const IPV4_MAPPED = parseIpv6('::ffff:0:0') ?? 0n;
const NAT64_WELL_KNOWN = parseIpv6('64:ff9b::') ?? 0n;
const SIX_TO_FOUR = parseIpv6('2002::') ?? 0n;
const GLOBAL_UNICAST = parseIpv6('2000::') ?? 0n;

/**
 * Decide whether the relay may send to `address` (an IP, no port, no brackets). Never throws: anything unexpected
 * is refused as 'malformed'.
 */
export function isRelayablePeer(address: string, ownRelayedAddresses: ReadonlySet<string>): PeerDecision {
  const parsed = parseIp(address);
  if (parsed === null) return { ok: false, reason: 'malformed' };
  // Two clients of one relay reach each other through their relayed addresses, which on a local or LAN
  // deployment are loopback or private. Exact IP match only: an IPv4-mapped or NAT64 spelling of our own address
  // is not one of our allocations' addresses as the relay hands them out, and families must match (RFC 8656 §9).
  if (ownRelayedAddresses.has(address) || ownRelayedAddresses.has(formatIp(parsed))) return { ok: true };
  const reason = parsed.family === 4 ? classifyIpv4(parsed.value) : classifyIpv6(parsed.value);
  return reason === null ? { ok: true } : { ok: false, reason };
}

const NO_OWN_ADDRESSES: ReadonlySet<string> = new Set();

/**
 * The same ranges without the own-allocation exception: whether `address` is on the public internet. Outbound
 * webhooks use it, so the server never delivers to an address its relay would refuse to send to.
 */
export function isPublicAddress(address: string): PeerDecision {
  return isRelayablePeer(address, NO_OWN_ADDRESSES);
}

/** The one text form of an IP (dotted quad; RFC 5952 for IPv6), or null if `address` is not a valid IP. */
export function canonicalIp(address: string): string | null {
  const parsed = parseIp(address);
  return parsed === null ? null : formatIp(parsed);
}

function classifyIpv4(value: number): PeerRefusalReason | null {
  for (const r of ipv4Ranges) {
    if (prefix4(value, r.bits) === r.base) return r.reason;
  }
  return null;
}

function classifyIpv6(value: bigint): PeerRefusalReason | null {
  // The IPv4 inside these forms is where the packet really goes (dual-stack socket, NAT64 gateway).
  if (prefix6(value, 96) === IPV4_MAPPED || prefix6(value, 96) === NAT64_WELL_KNOWN) {
    return classifyIpv4(Number(value & 0xffff_ffffn));
  }
  if (prefix6(value, 16) === SIX_TO_FOUR) {
    return classifyIpv4(Number((value >> 80n) & 0xffff_ffffn));
  }
  for (const r of ipv6Ranges) {
    if (prefix6(value, r.bits) === r.base) return r.reason;
  }
  // Deny by default outside 2000::/3, the only space IANA hands out for global unicast: this covers deprecated
  // IPv4-compatible ::a.b.c.d, site-local fec0::/10, discard-only 100::/64, local-use NAT64 64:ff9b:1::/48 and
  // anything assigned later that we have not judged.
  if (prefix6(value, 3) !== GLOBAL_UNICAST) return 'reserved';
  return null;
}

function parseIp(address: string): ParsedIp | null {
  if (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_LENGTH) return null;
  const family = isIP(address);
  if (family === 4) {
    const value = parseIpv4(address);
    return value === null ? null : { family: 4, value };
  }
  if (family === 6) {
    const value = parseIpv6(address);
    return value === null ? null : { family: 6, value };
  }
  return null;
}

/** Exactly four decimal octets 0..255 without leading zeros (which some parsers read as octal). */
function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    const octet = parseDecimalOctet(part);
    if (octet === null) return null;
    value = value * 256 + octet;
  }
  return value;
}

function parseDecimalOctet(part: string): number | null {
  if (part.length === 0 || part.length > 3) return null;
  if (part.length > 1 && part.charCodeAt(0) === 0x30) return null;
  let n = 0;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n <= 255 ? n : null;
}

/** RFC 4291 §2.2 text forms, including `::` compression and a dotted IPv4 tail. Zone ids (`%eth0`) are refused. */
function parseIpv6(text: string): bigint | null {
  if (text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0] ?? '', !compressed);
  const tail = compressed ? parseGroups(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  // `::` stands for one or more zero groups (RFC 4291); without it there must be exactly eight.
  if (compressed ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const g of [...head, ...new Array<number>(missing).fill(0), ...tail]) value = (value << 16n) | BigInt(g);
  return value;
}

/** Colon-separated hex groups; the last may be a dotted IPv4 (two groups) when it ends the address. */
function parseGroups(text: string, endsAddress: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (endsAddress && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push(v4 >>> 16, v4 & 0xffff);
    } else {
      const group = parseHexGroup(part);
      if (group === null) return null;
      groups.push(group);
    }
  }
  return groups;
}

function parseHexGroup(part: string): number | null {
  if (part.length === 0 || part.length > 4) return null;
  let n = 0;
  for (let i = 0; i < part.length; i++) {
    const d = hexDigit(part.charCodeAt(i));
    if (d < 0) return null;
    n = n * 16 + d;
  }
  return n;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return formatIpv4(ip.value);
  // RFC 5952 §5 (and Node's socket addresses) spell IPv4-mapped addresses with a dotted tail.
  if (prefix6(ip.value, 96) === IPV4_MAPPED) return `::ffff:${formatIpv4(Number(ip.value & 0xffff_ffffn))}`;
  return formatIpv6(ip.value);
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** RFC 5952: lowercase, no leading zeros, the longest run (first on a tie) of two or more zero groups as `::`. */
function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function prefix4(value: number, bits: number): number {
  // `>>> 0` keeps the result unsigned so it compares equal to bases at or above 128.0.0.0.
  return bits === 0 ? 0 : (value & (0xffff_ffff << (32 - bits))) >>> 0;
}

function prefix6(value: bigint, bits: number): bigint {
  const shift = BigInt(128 - bits);
  return (value >> shift) << shift;
}

function range4(base: string, bits: number, reason: PeerRefusalReason): Range4 {
  const value = parseIpv4(base);
  if (value === null || prefix4(value, bits) !== value) throw new Error(`bad IPv4 range ${base}/${bits}`);
  return { base: value, bits, reason };
}

function range6(base: string, bits: number, reason: PeerRefusalReason): Range6 {
  const value = parseIpv6(base);
  if (value === null || prefix6(value, bits) !== value) throw new Error(`bad IPv6 range ${base}/${bits}`);
  return { base: value, bits, reason };
}
