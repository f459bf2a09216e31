import { isIP } from 'node:net';

/**
 * Relay-only enforcement on signalling: in a relay-only channel a peer must never learn another peer's host,
 * server-reflexive or peer-reflexive address, whatever the sending client was configured to gather. Anything this
 * parser does not understand is treated as not relay, so a malformed or ambiguous line is dropped, never passed on.
 */

/** One ICE candidate per RFC 8839 section 5.1, as a WebRTC stack writes it (`candidate:` with or without `a=`). */
export interface IceCandidateFields {
  readonly foundation: string;
  readonly component: number;
  readonly transport: string;
  readonly priority: number;
  readonly address: string;
  readonly port: number;
  /** Lowercased: the ABNF literals are case-insensitive. */
  readonly type: string;
  readonly relatedAddress?: string;
  readonly relatedPort?: number;
  readonly extensions: ReadonlyArray<readonly [name: string, value: string]>;
}

export interface RelayPolicy {
  /**
   * The addresses of the relays this server hands out credentials for. A relay candidate naming another address is
   * a host address in disguise (a modified client can label anything `typ relay`), so it is dropped too.
   */
  readonly relayAddresses?: ReadonlySet<string>;
}

const MAX_CANDIDATE_CHARS = 1024;
const FOUNDATION = /^[A-Za-z0-9+/]{1,32}$/;
/** RFC 7230 token, as RFC 8839 takes it from RFC 3261. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VCHARS = /^[\x21-\x7e]+$/;
const DNS_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function boundedInt(text: string | undefined, maxDigits: number, max: number): number | null {
  if (text === undefined || text.length === 0 || text.length > maxDigits || !/^[0-9]+$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

/** IPv4, IPv6 or a host name (mDNS `.local` names included); no zone ids, ports or brackets. */
function isConnectionAddress(text: string | undefined): text is string {
  if (text === undefined || text.includes('%')) return false;
  if (isIP(text) !== 0) return true;
  // An all-numeric last label would make "999.1.1.1" a name: numbers are addresses or nothing.
  return DNS_NAME.test(text) && !/(?:^|\.)[0-9]+$/.test(text);
}

/** Parses a candidate attribute; null for anything that is not exactly one well-formed candidate. Never throws. */
export function parseIceCandidate(input: string): IceCandidateFields | null {
  if (input.length > MAX_CANDIDATE_CHARS) return null;
  const value = input.startsWith('a=') ? input.slice(2) : input;
  if (value.slice(0, 10).toLowerCase() !== 'candidate:') return null;
  // The grammar separates fields by exactly one SP; tabs, runs of spaces and line breaks make it something else.
  const fields = value.slice(10).split(' ');
  const [foundation, componentText, transport, priorityText, address, portText, typ, type, ...rest] = fields;
  if (foundation === undefined || !FOUNDATION.test(foundation)) return null;
  const component = boundedInt(componentText, 3, 256);
  if (component === null || component === 0) return null;
  if (transport === undefined || !TOKEN.test(transport)) return null;
  const priority = boundedInt(priorityText, 10, 0xffff_ffff);
  if (priority === null) return null;
  if (!isConnectionAddress(address)) return null;
  const port = boundedInt(portText, 5, 65535);
  if (port === null) return null;
  if (typ?.toLowerCase() !== 'typ' || type === undefined || !TOKEN.test(type)) return null;
  if (rest.length % 2 !== 0) return null;

  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  const extensions: [string, string][] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i] ?? '';
    const text = rest[i + 1] ?? '';
    if (!TOKEN.test(name) || !VCHARS.test(text)) return null;
    const lower = name.toLowerCase();
    if (lower === 'raddr') {
      if (relatedAddress !== undefined || !isConnectionAddress(text)) return null;
      relatedAddress = text;
    } else if (lower === 'rport') {
      const parsed = boundedInt(text, 5, 65535);
      if (relatedPort !== undefined || parsed === null) return null;
      relatedPort = parsed;
    } else {
      extensions.push([name, text]);
    }
  }
  return {
    foundation,
    component,
    transport,
    priority,
    address,
    port,
    type: type.toLowerCase(),
    ...(relatedAddress === undefined ? {} : { relatedAddress }),
    ...(relatedPort === undefined ? {} : { relatedPort }),
    extensions,
  };
}

/** Canonical text of an address for comparison: IPv6 literals have many spellings. */
function canonicalAddress(address: string): string {
  if (isIP(address) === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return address.toLowerCase();
}

/** Builds the relay address set in canonical form, for `RelayPolicy.relayAddresses`. */
export function relayAddressSet(addresses: Iterable<string>): ReadonlySet<string> {
  return new Set([...addresses].map(canonicalAddress));
}

export function isRelayCandidate(candidate: string, policy: RelayPolicy = {}): boolean {
  const parsed = parseIceCandidate(candidate);
  if (parsed === null || parsed.type !== 'relay') return false;
  return policy.relayAddresses === undefined || policy.relayAddresses.has(canonicalAddress(parsed.address));
}

/** For a trickled candidate in a relay-only room: relay candidates and the empty end-of-candidates marker pass. */
export function keepTrickledCandidate(candidate: string, policy: RelayPolicy = {}): boolean {
  return candidate === '' || isRelayCandidate(candidate, policy);
}

/**
 * Removes every `a=candidate` line that is not an acceptable relay candidate from an SDP and returns everything
 * else byte for byte, line endings included. CR, LF and CRLF all end a line here: a parser on the receiving side
 * may split on any of them, so a candidate hidden behind a lone CR must not survive as part of another line.
 */
export function stripNonRelayCandidates(sdp: string, policy: RelayPolicy = {}): string {
  let out = '';
  let start = 0;
  while (start < sdp.length) {
    let end = start;
    while (end < sdp.length && sdp[end] !== '\r' && sdp[end] !== '\n') end += 1;
    const next = end === sdp.length ? end : sdp.startsWith('\r\n', end) ? end + 2 : end + 1;
    const line = sdp.slice(start, end);
    if (!isCandidateLine(line) || isRelayCandidate(line, policy)) out += sdp.slice(start, next);
    start = next;
  }
  return out;
}

/** Generous on purpose: any spelling a lenient parser might read as a candidate counts as one (and must parse). */
const isCandidateLine = (line: string): boolean => /^\s*a\s*=\s*candidate/i.test(line);
