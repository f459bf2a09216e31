import { readFileSync } from 'node:fs';
import { APP_ORIGIN } from '../security/appOrigin';
import { isAbsolute, resolve, dirname } from 'node:path';
import { z } from 'zod';
import { hostSchema, portSchema, voiceClusterIdSchema } from '../../shared/identifiers';
import { endpoints, registrationSchema, workspaceCreationSchema } from '../../shared/rest/endpoints';
import { parseInput } from '../../shared/validation';
import { rateLimitConfigSchema } from './http/rateLimiter';
import { relayLimitFields } from './turn/relayConfig';
import { DEFAULT_LIMITS } from './turn/relayServer';
import { relayFleetConfigSchema } from './turn/relayFleet';
import { webhookConfigSchema } from './webhooks/webhookConfig';
import { inputConfigSchema } from './inputs/inputConfig';
import { storeConfigSchema } from './store/storeConfig';
import { sharedStateConfigSchema } from './sharedState/sharedStateConfig';
import { sfuConfigSchema } from './sfu/sfuConfig';

/**
 * whoot.server.json, validated once at start-up: a typo or an unknown key stops the server with a clear message
 * instead of running with a default the admin did not mean.
 */
const relayPortSchema = z.number().int().min(0).max(65535);

const MIB = 1024 * 1024;
const chatRateSchema = z.strictObject({
  burst: z.number().int().min(1).max(10_000),
  perSecond: z.number().positive().max(10_000),
});
const CHAT_DEFAULTS = {
  maxFileBytes: 25 * MIB,
  workspaceQuotaBytes: 10 * 1024 * MIB,
  /** A burst of 10 posts, then one a second, per user in one channel. */
  posts: { burst: 10, perSecond: 1 },
  /** A burst of 5 uploads, then one every 5 seconds, per user in one channel. */
  uploads: { burst: 5, perSecond: 0.2 },
};
export const chatConfigSchema = z
  .strictObject({
    maxFileBytes: z
      .number()
      .int()
      .min(1)
      .max(4 * 1024 * MIB)
      .default(CHAT_DEFAULTS.maxFileBytes),
    workspaceQuotaBytes: z
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .default(CHAT_DEFAULTS.workspaceQuotaBytes),
    posts: chatRateSchema.default(CHAT_DEFAULTS.posts),
    uploads: chatRateSchema.default(CHAT_DEFAULTS.uploads),
  })
  .default(CHAT_DEFAULTS);

/** What a new workspace holds: one text channel and one voice channel unless the operator names others. */
export const DEFAULT_CHANNELS = [
  { name: 'general', kind: 'text', relayOnly: true, voiceMode: 'auto' },
  { name: 'Lounge', kind: 'voice', relayOnly: true, voiceMode: 'auto' },
] as const;

export const serverConfigSchema = z.strictObject({
  dataDir: z.string().min(1).max(4096),
  /** Where accounts, workspaces and files live: SQLite in dataDir (default) or a shared PostgreSQL. */
  store: storeConfigSchema,
  /** Nonces, rate limits, throttle counts, tickets, presence, rooms, events between nodes: memory or Redis. */
  sharedState: sharedStateConfigSchema,
  listen: z
    .strictObject({
      host: z.string().min(1).max(253).default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8443),
    })
    .default({ host: '127.0.0.1', port: 8443 }),
  /** The name clients use to reach this server: goes into invites, the certificate and TURN URLs. */
  publicHost: hostSchema.default('127.0.0.1'),
  publicPort: portSchema.optional(),
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  relay: z
    .strictObject({
      /** Run the bundled TURN relay with the server; false when a coturn fleet with the same secret serves voice. */
      enabled: z.boolean().default(true),
      clusterId: voiceClusterIdSchema.default('local'),
      /** The address clients reach the relay at (TURN URLs); defaults to publicHost. */
      host: hostSchema.optional(),
      listenIp: z.string().min(1).max(45).default('127.0.0.1'),
      /** Where relayed sockets bind; defaults to listenIp. */
      relayIp: z.string().min(1).max(45).optional(),
      /** 0 picks a free port (tests); TURN URLs then name the port actually bound. */
      udpPort: relayPortSchema.default(3478),
      tcpPort: relayPortSchema.default(3478),
      tlsPort: relayPortSchema.optional(),
      ...relayLimitFields,
      credentialTtlSeconds: z.number().int().min(60).max(3600).default(600),
      /**
       * Relays run apart that clients are sent to instead of the embedded one (docs/scale-out.md, "Relay fleet"):
       * one per voice channel, the same on every node, by rendezvous hashing over the relays that answer.
       */
      fleet: relayFleetConfigSchema.optional(),
    })
    .default({
      enabled: true,
      clusterId: 'local',
      listenIp: '127.0.0.1',
      udpPort: 3478,
      tcpPort: 3478,
      minPort: 49152,
      maxPort: 65535,
      maxAllocations: DEFAULT_LIMITS.maxAllocations,
      maxAllocationsPerUser: DEFAULT_LIMITS.maxAllocationsPerUser,
      bandwidthBytesPerSecond: DEFAULT_LIMITS.bandwidthBytesPerSecond,
      nonceTtlSeconds: 600,
      credentialTtlSeconds: 600,
    }),
  /** Large voice channels through a Janus VideoRoom (docs/voice.md, "Large channels: the SFU"); off by default. */
  sfu: sfuConfigSchema,
  sessions: z
    .strictObject({
      idleMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      absoluteDays: z.number().int().min(1).max(365).default(30),
    })
    .default({ idleMinutes: 30, absoluteDays: 30 }),
  rateLimits: rateLimitConfigSchema.optional(),
  /**
   * Browser origins allowed to open the WSS: by default only the desktop app's own page (app://whoot), so no web
   * page a member visits can open a socket with a ticket it got hold of. Requests without Origin (bots) pass.
   */
  allowedOrigins: z.array(z.string().max(200)).max(20).default([APP_ORIGIN]),
  heartbeatSeconds: z.number().int().min(1).max(300).default(30),
  /**
   * On SIGTERM the node drains (docs/scale-out.md): it leaves the load balancer's rotation, sends its WSS clients
   * elsewhere and lets requests in flight finish for at most this long before it closes what remains and exits.
   */
  drainSeconds: z.number().int().min(0).max(600).default(20),
  /**
   * Who may create an account: 'invite-only' (a sign-up must carry a valid invite, which it uses) or 'open'
   * (anyone who reaches the server). The first account of an invite-only server comes from the CLI.
   */
  registration: registrationSchema.default('invite-only'),
  /** Who may create workspaces over the API: 'operators' (server owners; the CLI always may) or 'anyone' signed in. */
  workspaceCreation: workspaceCreationSchema.default('operators'),
  /** The channels every new workspace starts with, by the API or the CLI: each as the create-channel API takes it. */
  defaultChannels: z
    .array(endpoints.createChannel.body)
    .max(20)
    .default(DEFAULT_CHANNELS.map((channel) => ({ ...channel }))),
  /** Channel timelines and files (docs/chat.md): file size limit, per-workspace quota, per-user-and-channel rates. */
  chat: chatConfigSchema,
  /** Outbound webhook delivery: timeouts, concurrency, extra trusted CAs (main/server/webhooks/README.md). */
  webhooks: webhookConfigSchema,
  /** Inbound webhook inputs: the per-input rate limit (docs/admin.md). */
  inputs: inputConfigSchema,
  /** Single sign-on: how the server, as an OpenID Connect relying party, reaches providers (docs/admin.md). */
  sso: z
    .strictObject({
      /** Extra CA certificates (PEM) to trust for identity providers, beside the system's (a company CA). */
      caFile: z.string().min(1).max(4096).optional(),
      /** How long one request to a provider (discovery, keys, token, userinfo) may take. */
      timeoutSeconds: z.number().int().min(1).max(60).default(10),
    })
    .default({ timeoutSeconds: 10 }),
});
export type ServerConfig = z.output<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

export function parseServerConfig(input: unknown): ServerConfig {
  const parsed = parseInput(serverConfigSchema, input, 'server configuration');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

/** Reads a config file; a relative dataDir is taken relative to the file, so the file can travel with its data. */
export function loadServerConfigFile(file: string): ServerConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${file}: ${error instanceof SyntaxError ? 'not valid JSON' : 'file not readable'}`, {
      cause: error,
    });
  }
  const config = parseServerConfig(raw);
  return isAbsolute(config.dataDir) ? config : { ...config, dataDir: resolve(dirname(file), config.dataDir) };
}
