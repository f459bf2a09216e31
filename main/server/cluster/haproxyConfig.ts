import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { endpoints } from '../../../shared/rest/endpoints';
import { fail, ok, type Result } from '../../../shared/result';
import { parseInput } from '../../../shared/validation';

/**
 * The front door of a cluster: HAProxy 2.6 (Debian's) in TCP mode with TLS passing through to the nodes. Every
 * node holds the same certificate key, because invites pin that key's SPKI and the client checks it on the
 * node's own TLS handshake; HAProxy therefore never terminates TLS and holds no key. The file is generated here
 * from validated parts (never from text an operator pasted in), and `checkHaproxyConfig` has HAProxy check it.
 */

/** An IPv4 or IPv6 literal, or a DNS name: what a `bind` or `server` line may name. */
const addressHostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9a-fA-F:.]{2,45})$/,
    'must be a host name or an IP literal',
  );
const bindPortSchema = z.number().int().min(1).max(65535);
/** Names go into the file and into HAProxy's stats: a narrow alphabet keeps them from being read as syntax. */
const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 of a-z 0-9 _ - (starting with a letter or digit)');
/** A path HAProxy reads or creates: absolute, and no character that its config syntax treats specially. */
const pathSchema = z
  .string()
  .max(1024)
  .regex(/^\/[A-Za-z0-9._/+-]*$/, 'must be an absolute path of A-Z a-z 0-9 . _ / + -');

export const frontDoorConfigSchema = z.strictObject({
  /** Where clients connect: the host and port invites name (the nodes' `publicHost` and `publicPort`). */
  bind: z.strictObject({ host: addressHostSchema, port: bindPortSchema }),
  nodes: z
    .array(z.strictObject({ name: nameSchema, host: addressHostSchema, port: bindPortSchema }))
    .min(1)
    .max(64)
    .refine((nodes) => new Set(nodes.map((node) => node.name)).size === nodes.length, 'node names must differ'),
  /** The readiness check (`GET /v1/ready` over TLS) and how many answers move a node out of and into rotation. */
  check: z
    .strictObject({
      intervalMs: z.number().int().min(100).max(60_000).default(2_000),
      /**
       * How long one check may take to answer. Apart from the interval: a node that is busy, not broken, can take
       * longer than a short interval to answer, and must not flap out of rotation for it.
       */
      timeoutMs: z.number().int().min(100).max(60_000).default(2_000),
      fall: z.number().int().min(1).max(10).default(2),
      rise: z.number().int().min(1).max(10).default(2),
      /**
       * The nodes' certificate, to verify the check's TLS with; without it the check does not verify (`verify none`).
       * Either way clients verify the pinned key themselves, end to end: the check only decides where to route.
       */
      caFile: pathSchema.optional(),
    })
    .default({ intervalMs: 2_000, timeoutMs: 2_000, fall: 2, rise: 2 }),
  timeouts: z
    .strictObject({
      connectMs: z.number().int().min(100).max(60_000).default(5_000),
      /** Inactivity on a connection before the WebSocket upgrade (REST, keep-alive). */
      clientMs: z.number().int().min(1_000).max(3_600_000).default(60_000),
      /**
       * Inactivity on an established tunnel: a WSS connection. Above the server's heartbeat (30 s ping), so only a
       * connection whose client stopped answering is cut, and the server cuts those itself first.
       */
      tunnelMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000),
    })
    .default({ connectMs: 5_000, clientMs: 60_000, tunnelMs: 3_600_000 }),
  maxConnections: z.number().int().min(100).max(1_000_000).default(50_000),
  /** A Unix socket for HAProxy's runtime API (`show stat`, `disable server`): for operators and tests. */
  statsSocket: pathSchema.optional(),
});
export type FrontDoorConfig = z.output<typeof frontDoorConfigSchema>;
export type FrontDoorConfigInput = z.input<typeof frontDoorConfigSchema>;

export function parseFrontDoorConfig(input: unknown): Result<FrontDoorConfig> {
  return parseInput(frontDoorConfigSchema, input, 'front door configuration');
}

/** `[::1]:443` for IPv6 literals, `host:443` otherwise. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** haproxy.cfg for the front door. Throws on input the schema refuses; use parseFrontDoorConfig to ask first. */
export function haproxyConfig(input: FrontDoorConfigInput): string {
  const parsed = parseFrontDoorConfig(input);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const config = parsed.value;
  const { check, timeouts } = config;
  const verify = check.caFile === undefined ? 'verify none' : `verify required ca-file ${check.caFile}`;
  return [
    '# Generated by whoot (main/server/cluster/haproxyConfig.ts); docs/scale-out.md explains each choice.',
    'global',
    `    maxconn ${config.maxConnections}`,
    '    log stdout format raw local0 info',
    ...(config.statsSocket === undefined ? [] : [`    stats socket ${config.statsSocket} mode 600 level admin`]),
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option tcplog',
    '    option dontlognull',
    // A connection refused by a node that is draining or gone is retried on another one, unseen by the client.
    '    option redispatch 1',
    '    retries 3',
    `    timeout connect ${timeouts.connectMs}ms`,
    `    timeout client ${timeouts.clientMs}ms`,
    `    timeout server ${timeouts.clientMs}ms`,
    `    timeout tunnel ${timeouts.tunnelMs}ms`,
    '    timeout client-fin 5s',
    `    timeout check ${check.timeoutMs}ms`,
    '',
    'frontend whoot',
    `    bind ${hostPort(config.bind.host, config.bind.port)}`,
    '    default_backend whoot_nodes',
    '',
    'backend whoot_nodes',
    // WSS connections live for hours: the node with the fewest open connections takes the next one. No
    // stickiness: any node serves any request, and a reconnecting client resumes on whichever it reaches.
    '    balance leastconn',
    '    option httpchk',
    `    http-check send meth GET uri ${endpoints.ready.path} ver HTTP/1.1 hdr Host whoot`,
    '    http-check expect status 200',
    `    default-server check check-ssl ${verify} inter ${check.intervalMs}ms fall ${check.fall} rise ${check.rise}`,
    ...config.nodes.map((node) => `    server ${node.name} ${hostPort(node.host, node.port)}`),
    // When no node is ready (the database or Redis is down for all of them) the same nodes serve unchecked, so a
    // client gets the node's own `503 store_unavailable` with Retry-After rather than a connection closed on it.
    '    option allbackups',
    ...config.nodes.map((node) => `    server ${node.name}-unready ${hostPort(node.host, node.port)} backup no-check`),
    '',
  ].join('\n');
}

/**
 * Has HAProxy itself check a generated file (`haproxy -c`): ok, or its complaint. `-dr`: a node's name that does
 * not resolve from where the check runs (a build machine) is not a fault of the file; HAProxy resolves at start.
 */
export async function checkHaproxyConfig(text: string, haproxyBinary = 'haproxy'): Promise<Result<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-haproxy-check-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, text, { mode: 0o600 });
    const outcome = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(haproxyBinary, ['-c', '-dr', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('error', (error) => resolve({ code: null, output: `${error.message} (apt-get install haproxy)` }));
      child.once('close', (code) => resolve({ code, output }));
    });
    return outcome.code === 0 ? ok(undefined) : fail('invalid_haproxy_config', outcome.output.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
