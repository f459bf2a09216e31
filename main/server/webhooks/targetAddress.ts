import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '../turn/addressPolicy';

/**
 * Where a webhook may be delivered: only to public internet addresses, judged by the same ranges the TURN relay
 * refuses (loopback, private, CGNAT, link-local with the 169.254.169.254 metadata service, multicast, unspecified,
 * ULA, IPv4-mapped and NAT64 forms of all of those). The check runs on what the name resolves to at delivery time,
 * and the connection then goes to the address that was checked (httpsDelivery.ts pins it), so a DNS answer that
 * changes between check and connect cannot steer a delivery inside.
 */

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a name resolves to; injected in tests to play a hostile DNS server. */
export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface TargetPolicy {
  readonly lookup: LookupAll;
  /** Tests only: literal `ip:port` / `[ipv6]:port` exempt from the refusal (webhookConfig.ts). */
  readonly allowPrivateTargets: ReadonlySet<string>;
}

export type TargetDecision =
  | ({ readonly ok: true } & ResolvedAddress)
  | { readonly ok: false; readonly code: 'refused_address' | 'unresolvable'; readonly message: string };

/** The URL's host without IPv6 brackets, as sockets and address checks want it. */
export function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export function portOf(url: URL): number {
  return url.port === '' ? 443 : Number(url.port);
}

/**
 * The decision for a URL whose host is an IP literal, or null when it names a host (judged at delivery time).
 * Configuration uses it to refuse `https://10.0.0.5/` at once rather than at the first delivery.
 */
export function checkLiteralTarget(url: URL, policy: Pick<TargetPolicy, 'allowPrivateTargets'>): TargetDecision | null {
  const host = bareHost(url);
  const family = isIP(host);
  if (family === 0) return null;
  if (policy.allowPrivateTargets.has(`${url.hostname}:${portOf(url)}`)) {
    return { ok: true, address: host, family: family === 6 ? 6 : 4 };
  }
  const decision = isPublicAddress(host);
  return decision.ok
    ? { ok: true, address: host, family: family === 6 ? 6 : 4 }
    : refused(`${host} is a ${describe(decision.reason)} address`);
}

/** Resolves the URL's host and accepts it only if every address it resolves to is public. */
export async function resolveTarget(url: URL, policy: TargetPolicy): Promise<TargetDecision> {
  const literal = checkLiteralTarget(url, policy);
  if (literal !== null) return literal;
  const host = bareHost(url);
  let answers: readonly { address: string; family: number }[];
  try {
    answers = await policy.lookup(host);
  } catch {
    return { ok: false, code: 'unresolvable', message: `${host} does not resolve` };
  }
  if (answers.length === 0) return { ok: false, code: 'unresolvable', message: `${host} does not resolve` };
  // All, not any: a name with one public and one internal address would let the connection pick the inside one.
  for (const answer of answers) {
    const decision = isPublicAddress(answer.address);
    if (!decision.ok) return refused(`${host} resolves to ${answer.address}, a ${describe(decision.reason)} address`);
  }
  const [first] = answers;
  if (first === undefined) return { ok: false, code: 'unresolvable', message: `${host} does not resolve` };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

function refused(what: string): TargetDecision {
  return {
    ok: false,
    code: 'refused_address',
    message: `${what}: webhooks are delivered only to public internet addresses`,
  };
}

function describe(reason: string): string {
  switch (reason) {
    case 'link_local':
      return 'link-local (or cloud metadata)';
    case 'cgn':
      return 'carrier-grade NAT';
    case 'unique_local':
      return 'unique local';
    default:
      return reason.replace('_', ' ');
  }
}
