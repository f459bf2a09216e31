import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * getaddrinfo's failures. A name that does not resolve needs a different fix (spelling, a DNS record) from a port
 * a firewall closes, so the client and the network doctor tell them apart instead of calling both "unreachable".
 */
const NO_ADDRESS = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA']);
const NO_ANSWER = new Set(['EAI_AGAIN', 'EAI_FAIL']);

export interface UnresolvedName {
  readonly hostname: string;
  /** `no-address`: DNS answered that the name has none; `no-answer`: no DNS server answered at all. */
  readonly reason: 'no-address' | 'no-answer';
}

/** The name-lookup failure behind an error (the error itself or one of its causes), or null if it is another. */
export function unresolvedName(error: unknown): UnresolvedName | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { code, hostname } = current as { code?: unknown; hostname?: unknown };
    if (typeof code === 'string' && typeof hostname === 'string' && (NO_ADDRESS.has(code) || NO_ANSWER.has(code))) {
      return { hostname, reason: NO_ADDRESS.has(code) ? 'no-address' : 'no-answer' };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

export function describeUnresolved({ hostname, reason }: UnresolvedName): string {
  return reason === 'no-address'
    ? `the name ${hostname} does not resolve (DNS has no address for it)`
    : `the name ${hostname} does not resolve (no DNS server answered)`;
}

export function unresolvedNameFix({ hostname, reason }: UnresolvedName): string {
  return reason === 'no-address'
    ? `Check the spelling of ${hostname} (the invite's host, the server's publicHost or relay.host) and that DNS ` +
        `has an address record (A or AAAA) for it: \`getent hosts ${hostname}\` on this computer must print one. ` +
        'Opening ports does not help until the name resolves.'
    : `This computer could not ask DNS about ${hostname}: check its network connection and DNS settings, or ` +
        'use the server by its IP address.';
}

/** Resolves a name (IP literals pass at once), failing with getaddrinfo's error, which `unresolvedName` reads. */
export async function assertResolves(host: string): Promise<void> {
  if (isIP(host) !== 0) return;
  await lookup(host);
}
