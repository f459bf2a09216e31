import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseInput } from '../../../shared/validation';
import type { RelayOptions } from './relayServer';

/**
 * The standalone relay's configuration (relayCli.ts): a JSON file, flags, or both (flags win). Strict, so a typo
 * stops the relay instead of running it with a default nobody meant. The secret never sits in this file: it comes
 * from WHOOT_RELAY_SECRET or a file of its own (mode 0600), like coturn's static-auth-secret.
 */
const ip = z.string().min(2).max(45);
const port = z.number().int().min(0).max(65535);

/** Relay ports and abuse limits, shared by the standalone relay and the server's embedded one. */
export const relayLimitFields = {
  minPort: z.number().int().min(1).max(65535).default(49152),
  maxPort: z.number().int().min(1).max(65535).default(65535),
  maxAllocations: z.number().int().min(1).max(1_000_000).default(1000),
  maxAllocationsPerUser: z.number().int().min(1).max(10_000).default(10),
  bandwidthBytesPerSecond: z
    .number()
    .int()
    .min(1024)
    .max(1_000_000_000)
    .default(256 * 1024),
};

export const relayConfigSchema = z
  .strictObject({
    listenIp: ip.default('127.0.0.1'),
    udpPort: port.nullable().default(3478),
    tcpPort: port.nullable().default(3478),
    tls: z
      .strictObject({ port, certFile: z.string().min(1), keyFile: z.string().min(1) })
      .nullable()
      .default(null),
    relayIp: ip.default('127.0.0.1'),
    ...relayLimitFields,
    realm: z.string().min(1).max(127).default('whoot'),
    secretFile: z.string().min(1).nullable().default(null),
    /** Peers exempt from the address policy (like coturn's --allow-loopback-peers): benchmarks only. */
    allowedPeers: z.array(ip).max(16).default([]),
    /** Accept RFC 5766 channel numbers 0x5000-0x7FFF (coturn's turnutils_uclient uses them). */
    legacyChannelNumbers: z.boolean().default(false),
  })
  .refine((config) => config.minPort <= config.maxPort, { message: 'minPort must not exceed maxPort' });

export type RelayConfig = z.output<typeof relayConfigSchema>;

export function parseRelayConfig(input: unknown): RelayConfig {
  const parsed = parseInput(relayConfigSchema, input, 'relay configuration');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** The secret: WHOOT_RELAY_SECRET, else the secret file's first line. */
export function readRelaySecret(config: RelayConfig, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env.WHOOT_RELAY_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (config.secretFile === null) throw new Error('set WHOOT_RELAY_SECRET or secretFile');
  return (readFileSync(config.secretFile, 'utf8').split(/\r?\n/)[0] ?? '').trim();
}

export function relayOptionsFrom(config: RelayConfig, secret: string): RelayOptions {
  return {
    realm: config.realm,
    secret,
    listen: {
      host: config.listenIp,
      udpPort: config.udpPort,
      tcpPort: config.tcpPort,
      tls:
        config.tls === null
          ? null
          : { port: config.tls.port, cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    },
    relay: { address: config.relayIp, portRange: { min: config.minPort, max: config.maxPort } },
    limits: {
      maxAllocations: config.maxAllocations,
      maxAllocationsPerUser: config.maxAllocationsPerUser,
      bandwidthBytesPerSecond: config.bandwidthBytesPerSecond,
    },
    allowedPeers: config.allowedPeers,
    legacyChannelNumbers: config.legacyChannelNumbers,
  };
}
