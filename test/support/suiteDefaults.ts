import type { ServerConfigInput } from '../../main/server/config';
import { createServerApi } from '../../main/session/apiClient';
import { TEST_IO_TIMEOUT_MS } from './testDeadlines';

/**
 * What every server a suite starts has in common, one node or a cluster's (serverHarness.ts, clusterHarness.ts):
 * kept apart from both so each can use it without importing the other.
 */

/** Suites that sign many accounts in from one address use roomy buckets; the rate-limit tests set their own. */
export const GENEROUS_LIMITS = {
  default: { ip: { capacity: 10_000, refillPerSecond: 1000 }, session: { capacity: 10_000, refillPerSecond: 1000 } },
  auth: { ip: { capacity: 10_000, refillPerSecond: 1000 }, session: { capacity: 10_000, refillPerSecond: 1000 } },
};

/**
 * Suites sign accounts up freely and build each workspace's channels themselves, so the servers they start are
 * open and make no default channels. The defaults (invite-only, operators, general and Lounge) are what the
 * registration and workspace-creation suites test, by starting their servers with those values.
 */
export const SUITE_POLICY = {
  registration: 'open',
  workspaceCreation: 'anyone',
  defaultChannels: [],
} as const satisfies Partial<ServerConfigInput>;

/** The embedded TURN relay on ports the OS picks, so test servers running side by side never collide. */
export const EPHEMERAL_RELAY = { udpPort: 0, tcpPort: 0, minPort: 40000, maxPort: 60000 };

/** Where and how a suite's server listens, and what it allows: every node of a test cluster too. */
export const SUITE_SERVER = {
  listen: { host: '127.0.0.1', port: 0 },
  publicHost: '127.0.0.1',
  heartbeatSeconds: 30,
  rateLimits: GENEROUS_LIMITS,
  relay: EPHEMERAL_RELAY,
  ...SUITE_POLICY,
} as const satisfies Partial<ServerConfigInput>;

/** What suites' clients call the REST API with. */
export const api = createServerApi({ timeoutMs: TEST_IO_TIMEOUT_MS });
