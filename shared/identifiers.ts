import { z } from 'zod';

/** Workspace slugs: lowercase letters, digits and inner hyphens, 1 to 64 characters (ARCHITECTURE.md, Identifiers). */
export const workspaceSlugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1-64 lowercase letters, digits or inner hyphens');

/** Voice cluster ids end up in URLs and config keys, so they get the same narrow alphabet. */
export const voiceClusterIdSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, 'must be 1-64 lowercase letters, digits or hyphens');

/** Random ids (UUID v4 or v7) for users, channels, sessions and events: never sequential, so never guessable. */
export const randomIdSchema = z
  .string()
  .regex(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'must be a random (v4 or v7) UUID',
  );

const hostnameLabel = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isIpv4(host: string): boolean {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((part) => /^(?:0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

/** The WHATWG URL parser is the strict IPv6 grammar every runtime already ships (zone ids and junk are refused). */
function isIpv6(host: string): boolean {
  if (!/^[0-9a-f:.]+$/.test(host) || !host.includes(':')) return false;
  try {
    return new URL(`http://[${host}]/`).hostname.startsWith('[');
  } catch {
    return false;
  }
}

function isDnsName(host: string): boolean {
  const labels = host.split('.');
  // An all-numeric last label would make "999.1.1.1" a "name": numbers are addresses or nothing.
  return labels.every((label) => hostnameLabel.test(label)) && !/^[0-9]+$/.test(labels.at(-1) ?? '');
}

/** A DNS name, an IPv4 literal or a bracket-free IPv6 literal; no ports, paths, credentials or whitespace. */
export const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .transform((host) => host.toLowerCase())
  .refine((host) => isDnsName(host) || isIpv4(host) || isIpv6(host), 'must be a host name or an IP address');

export const portSchema = z.number().int().min(1).max(65535);

/** SHA-256 of the server certificate's public key (SPKI), base64url without padding: what an invite pins. */
export const spkiPinSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256 of the server key');

export const serverAddressSchema = z.strictObject({
  host: hostSchema,
  port: portSchema,
  spkiPin: spkiPinSchema,
});
export type ServerAddress = z.output<typeof serverAddressSchema>;

/**
 * The keychain service name for a server: one entry per server, so signing in to a second server never
 * overwrites the first server's refresh token. Built from validated parts only.
 */
export function keychainServiceFor(server: Pick<ServerAddress, 'host' | 'port'>): string {
  return `whoot:${server.host}:${server.port}`;
}

/** `host:port` as people and URLs write it: IPv6 literals get their brackets. */
export function hostAndPort(server: Pick<ServerAddress, 'host' | 'port'>): string {
  return `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
}

/** `scheme://host:port/path` from validated parts. */
export function serverUrl(scheme: 'https' | 'wss', server: Pick<ServerAddress, 'host' | 'port'>, path: string): string {
  return `${scheme}://${hostAndPort(server)}${path}`;
}
