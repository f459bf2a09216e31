import { z } from 'zod';
import { isPublicAddress } from '../turn/addressPolicy';

/** Where Debian's janus package puts the binary and its plugin libraries. */
export const DEBIAN_JANUS_BINARY = '/usr/bin/janus';
export const DEBIAN_JANUS_LIBRARIES = '/usr/lib/x86_64-linux-gnu/janus';

/**
 * The mesh size up to which a channel stays a mesh in `auto` mode: the largest mesh `npm run bench:voice -- --only sfu`
 * carried on the 2-core development machine, and what the relay's default per-user quota (10 allocations, two per
 * other member) holds (docs/voice.md, "Benchmark"). Past it a mesh member sends one more copy of its voice, with one
 * more encoder, per newcomer; an SFU member sends one whatever the size.
 */
export const DEFAULT_MESH_MAX_MEMBERS = 6;

const portRangeSchema = z
  .strictObject({ min: z.number().int().min(1024).max(65535), max: z.number().int().min(1024).max(65535) })
  .refine((range) => range.min <= range.max, 'min must not be above max');

/** A Janus secret we generate or read from a file: printable, no quotes or backslashes (it goes into a .jcfg). */
const secretFileSchema = z.string().min(1).max(4096);

const janusChildSchema = z.strictObject({
  /** The server starts and supervises its own Janus (one per node), with a config it writes into dataDir. */
  kind: z.literal('child'),
  binary: z.string().min(1).max(4096).default(DEBIAN_JANUS_BINARY),
  /** The folder holding Janus's `plugins/` and `transports/` folders (only VideoRoom and WebSockets are used). */
  libraries: z.string().min(1).max(4096).default(DEBIAN_JANUS_LIBRARIES),
  /** UDP ports Janus takes for media: the relay may send to exactly these on `iceAddress`. */
  rtpPorts: portRangeSchema.default({ min: 20000, max: 20999 }),
  /**
   * The IPv4 address Janus gathers its candidates on (its interface only), and the one private address the relay
   * may reach besides itself. Default: this host's first private IPv4 address (Janus never uses loopback for ICE).
   */
  iceAddress: z.ipv4().optional(),
  /** Janus's own log level (0-7); its log is read for readiness and the last lines are kept for errors. */
  debugLevel: z.number().int().min(4).max(7).default(4),
});

const janusExternalSchema = z.strictObject({
  /** A Janus the operator runs elsewhere (another host on a private network): docs/admin.md, "Janus on another host". */
  kind: z.literal('external'),
  /**
   * Its WebSockets API: `ws+unix:///path/to.sock` (a socket on this host, or one SSH forwards from the Janus host), or
   * `ws://<private or loopback IPv4>:<port>/`. Never a public address: the API secret and every SDP travel in the
   * clear on this link.
   */
  url: z.string().max(2000).refine(isJanusApiUrl, {
    message: 'must be ws+unix:///path or ws://<private IPv4>:<port>/ (never a public address)',
  }),
  /** Files holding Janus's `api_secret` and the VideoRoom `admin_key` (mode 0600); both are required. */
  apiSecretFile: secretFileSchema,
  adminKeyFile: secretFileSchema,
  rtpPorts: portRangeSchema,
  iceAddress: z.ipv4(),
});

/**
 * The `sfu` key of whoot.server.json: large voice channels through a Janus VideoRoom (docs/voice.md). Off by default:
 * a server without Janus keeps every channel a mesh.
 */
export const sfuConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** In `auto` channels: a mesh up to this many members, an SFU above it. */
    meshMaxMembers: z.number().int().min(2).max(50).default(DEFAULT_MESH_MAX_MEMBERS),
    /** An SFU channel goes back to a mesh only at this many members or fewer, so a room at the line does not flap. */
    meshReturnMembers: z.number().int().min(1).max(49).optional(),
    /** How many members an SFU channel holds (a mesh channel holds the signalling limit, 50). */
    maxMembers: z.number().int().min(2).max(256).default(100),
    janus: z.discriminatedUnion('kind', [janusChildSchema, janusExternalSchema]).default({
      kind: 'child',
      binary: DEBIAN_JANUS_BINARY,
      libraries: DEBIAN_JANUS_LIBRARIES,
      rtpPorts: { min: 20000, max: 20999 },
      debugLevel: 4,
    }),
  })
  .refine((sfu) => (sfu.meshReturnMembers ?? 0) < sfu.meshMaxMembers, {
    message: 'meshReturnMembers must be below meshMaxMembers',
    path: ['meshReturnMembers'],
  })
  .default({
    enabled: false,
    meshMaxMembers: DEFAULT_MESH_MAX_MEMBERS,
    maxMembers: 100,
    janus: {
      kind: 'child',
      binary: DEBIAN_JANUS_BINARY,
      libraries: DEBIAN_JANUS_LIBRARIES,
      rtpPorts: { min: 20000, max: 20999 },
      debugLevel: 4,
    },
  });
export type SfuConfig = z.output<typeof sfuConfigSchema>;
export type JanusChildConfig = z.output<typeof janusChildSchema>;
export type JanusExternalConfig = z.output<typeof janusExternalSchema>;

/** Where an SFU channel returns to a mesh: `meshReturnMembers`, or two below the line by default. */
export function meshReturnMembersOf(sfu: Pick<SfuConfig, 'meshMaxMembers' | 'meshReturnMembers'>): number {
  return sfu.meshReturnMembers ?? Math.max(1, sfu.meshMaxMembers - 2);
}

/** Where a Janus run apart may be reached: a Unix socket, or plain WebSockets on a private or loopback address. */
function isJanusApiUrl(text: string): boolean {
  if (/^ws\+unix:\/\/\/\S+$/.test(text)) return true;
  const tcp = /^ws:\/\/(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\/?$/.exec(text);
  if (tcp === null) return false;
  const [, address = '', port = ''] = tcp;
  const inRange = Number(port) >= 1 && Number(port) <= 65535;
  if (!inRange || !z.ipv4().safeParse(address).success) return false;
  const where = isPublicAddress(address);
  // A private network (RFC 1918, carrier-grade NAT) or this host; not public, multicast or unspecified.
  return !where.ok && (where.reason === 'private' || where.reason === 'cgn' || where.reason === 'loopback');
}

/**
 * Relay allocations each member of a mesh at the line holds: one per link (each other member) and TURN URL the
 * client gathers relay candidates on (UDP and TCP, and TLS when the relay has a TLS port). An SFU member holds two
 * links' worth whatever the room's size.
 */
export function meshAllocationsPerMember(meshMaxMembers: number, turnUrls: number): number {
  return (meshMaxMembers - 1) * turnUrls;
}
