import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { hostSchema, spkiPinSchema } from '../../../shared/identifiers';
import { parseInput } from '../../../shared/validation';
import { DEFAULT_LIMITS, NONCE_TTL_SECONDS, type RelayOptions } from './relayServer';

/**
 * The standalone relay's configuration (relayCli.ts): a JSON file, flags, or both (flags win). Strict, so a typo
 * stops the relay instead of running it with a default nobody meant. The secret never sits in this file: it comes
 * from WHOOT_RELAY_SECRET or a file of its own (mode 0600), like coturn's static-auth-secret.
 */
const ip = z.string().min(2).max(45);
const port = z.number().int().min(0).max(65535);

/** Relay ports, abuse limits and the nonce lifetime, shared by the standalone relay and the server's embedded one. */
export const relayLimitFields = {
  minPort: z.number().int().min(1).max(65535).default(49152),
  maxPort: z.number().int().min(1).max(65535).default(65535),
  maxAllocations: z.number().int().min(1).max(1_000_000).default(DEFAULT_LIMITS.maxAllocations),
  maxAllocationsPerUser: z.number().int().min(1).max(10_000).default(DEFAULT_LIMITS.maxAllocationsPerUser),
  bandwidthBytesPerSecond: z
    .number()
    .int()
    .min(1024)
    .max(1_000_000_000)
    .default(DEFAULT_LIMITS.bandwidthBytesPerSecond),
  nonceTtlSeconds: z
    .number()
    .int()
    .min(NONCE_TTL_SECONDS.min)
    .max(NONCE_TTL_SECONDS.max)
    .default(NONCE_TTL_SECONDS.default),
};

/** `https://host[:port]`, nothing more: the feed's path comes from the REST contract, never from configuration. */
const feedUrl = z
  .string()
  .max(300)
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an https://host:port URL' });
      return z.NEVER;
    }
    const host = hostSchema.safeParse(url.hostname.replace(/^\[(.*)\]$/, '$1'));
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (url.protocol !== 'https:' || !host.success || !bare) {
      ctx.addIssue({ code: 'custom', message: 'must be an https://host:port URL with no path' });
      return z.NEVER;
    }
    return { host: host.data, port: url.port === '' ? 443 : Number(url.port) };
  });

/**
 * Where a relay run apart learns which sessions ended (revocationFeed.ts): the server's address and its key pin
 * (the one invites carry). Without it the relay checks credentials only, as coturn does.
 */
export const revocationFeedConfigSchema = z.strictObject({
  url: feedUrl,
  spkiPin: spkiPinSchema,
  /** Names this relay in the server's nonce cache and rate limits; random per start when unset. */
  relayId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,64}$/)
    .optional(),
  pollIntervalMs: z.number().int().min(250).max(60_000).default(2000),
});

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
    revocationFeed: revocationFeedConfigSchema.nullable().default(null),
    /** Relay worker threads on the same ports (relayWorkers.ts): a number, or 'auto' for one per core. */
    workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default(1),
    /**
     * How the UDP listener reads and writes: 'batched' (recvmmsg/sendmmsg, native/udp-batch; an error where it does
     * not load), 'dgram' (Node's), or 'auto' (batched where it loads).
     */
    udpIo: z.enum(['auto', 'batched', 'dgram']).default('auto'),
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

/** How many relay workers the configuration asks for on a machine with `cores` cores. */
export function relayWorkerCount(config: RelayConfig, cores: number): number {
  return config.workers === 'auto' ? Math.max(1, cores) : config.workers;
}

export function relayOptionsFrom(config: RelayConfig, secret: string): RelayOptions {
  return {
    realm: config.realm,
    secret,
    listen: {
      host: config.listenIp,
      ...(config.udpIo === 'auto' ? {} : { batchedUdp: config.udpIo === 'batched' }),
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
    nonceTtlSeconds: config.nonceTtlSeconds,
    allowedPeers: config.allowedPeers,
    legacyChannelNumbers: config.legacyChannelNumbers,
  };
}
