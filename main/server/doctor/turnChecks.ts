import { randomBytes } from 'node:crypto';
import type { DoctorStep } from '../../../shared/doctor';
import type { ServerAddress } from '../../../shared/identifiers';
import type { IceServer } from '../../../shared/rest/endpoints';
import { assertResolves } from '../../session/nameResolution';
import { connectPinned, ServerConnectionError } from '../../session/pinnedTls';
import { readXorAddress } from '../turn/stun/attributes';
import { Attr, StunMethod } from '../turn/stun/constants';
import type { TransportAddress } from '../turn/stun/ipAddress';
import { getAttribute } from '../turn/stun/message';
import { createTurnClient, type TurnClient } from '../turn/turnClient';
import { formatSeconds, runStep, StepFailure } from './doctorStep';

export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface RelayEndpoint {
  readonly transport: TurnTransport;
  readonly host: string;
  readonly port: number;
}

export interface RelayCredentials {
  readonly username: string;
  readonly credential: string;
}

/** The relay's addresses per transport, read from the ICE server entry the server handed out. */
export function relayEndpoints(server: IceServer): RelayEndpoint[] {
  const endpoints: RelayEndpoint[] = [];
  for (const url of server.urls) {
    const match = /^(turns?):(\[[^\]]+\]|[^:?]+):(\d+)\?transport=(udp|tcp)$/.exec(url);
    if (match === null) continue;
    const [, scheme, host = '', port, transport] = match;
    endpoints.push({
      transport: scheme === 'turns' ? 'tls' : transport === 'udp' ? 'udp' : 'tcp',
      host: host.replace(/^\[(.*)\]$/, '$1'),
      port: Number(port),
    });
  }
  return endpoints;
}

const transportLabel: Record<TurnTransport, string> = { udp: 'UDP', tcp: 'TCP', tls: 'TLS' };
const portRule = (endpoint: RelayEndpoint) =>
  `${endpoint.transport === 'udp' ? 'UDP' : 'TCP'} ${endpoint.port} from this computer to ${endpoint.host}`;

async function openClient(
  endpoint: RelayEndpoint,
  credentials: RelayCredentials,
  pin: ServerAddress['spkiPin'],
  timeoutMs: number,
): Promise<TurnClient> {
  await assertResolves(endpoint.host);
  return createTurnClient({
    server: { host: endpoint.host, port: endpoint.port },
    transport: endpoint.transport,
    // The bundled relay answers TLS with the server's own certificate: the invite's pin applies to it too.
    ...(endpoint.transport === 'tls' ? { connectTls: () => connectRelayTls(endpoint, pin, timeoutMs) } : {}),
    username: credentials.username,
    password: credentials.credential,
    timeoutMs,
  });
}

/** TLS to the relay with the server's pinned key, its failures worded for the relay rather than the API. */
async function connectRelayTls(endpoint: RelayEndpoint, pin: string, timeoutMs: number) {
  try {
    return await connectPinned({ host: endpoint.host, port: endpoint.port, spkiPin: pin }, timeoutMs);
  } catch (error) {
    if (error instanceof ServerConnectionError && error.code === 'server_unreachable') {
      throw new StepFailure(`no TLS connection to TCP ${endpoint.port} (refused, or dropped by a firewall)`, null);
    }
    throw error;
  }
}

/** Allocates, turning a refusal into a sentence that says which side has to change. */
async function allocate(client: TurnClient, endpoint: RelayEndpoint): Promise<TransportAddress> {
  const { relayed, answer } = await client.allocate();
  if (relayed !== null) return relayed;
  switch (answer.errorCode) {
    case 401:
      throw new StepFailure(
        'the relay refused the credentials the server issued',
        "The relay and the server do not share a secret: check the relay run apart uses the server's relay secret.",
      );
    case 486:
    case 508:
      throw new StepFailure(
        `the relay is at its allocation limit (error ${answer.errorCode})`,
        'The relay is full: raise relay.maxAllocations (or maxAllocationsPerUser) on the server.',
      );
    default:
      throw new StepFailure(
        `the relay answered ${transportLabel[endpoint.transport]} Allocate with error ${answer.errorCode ?? 'none'}`,
        null,
      );
  }
}

async function release(client: TurnClient): Promise<void> {
  await client.refresh(0).catch(() => undefined);
  await client.close().catch(() => undefined);
}

/** STUN Binding on the relay's UDP port: the simplest thing that proves UDP reaches it and comes back. */
export function checkStun(endpoint: RelayEndpoint, timeoutMs: number): Promise<DoctorStep> {
  return runStep(
    'stun',
    `STUN binding on UDP ${endpoint.host}:${endpoint.port}`,
    timeoutMs,
    async () => {
      // UDP sends to a name that does not resolve fail silently, which would read as a closed port.
      await assertResolves(endpoint.host);
      const client = await createTurnClient({
        server: { host: endpoint.host, port: endpoint.port },
        transport: 'udp',
        username: '',
        password: '',
        timeoutMs,
      });
      try {
        const answer = await client
          .request(StunMethod.binding, [], { auth: false })
          .catch(() =>
            Promise.reject(
              new StepFailure(`no answer on UDP ${endpoint.port} within ${formatSeconds(timeoutMs)}`, null),
            ),
          );
        const mapped = getAttribute(answer.message, Attr.XOR_MAPPED_ADDRESS);
        const address = mapped === undefined ? null : readXorAddress(mapped, answer.message.transactionId);
        if (address === null) throw new StepFailure('the relay answered without a mapped address', null);
        return `the relay sees this computer as ${address.address}:${address.port}`;
      } finally {
        await client.close();
      }
    },
    () => `Allow ${portRule(endpoint)} (and the answers back); on the server, allow inbound UDP ${endpoint.port}.`,
  );
}

/** One allocation over one transport, released again. */
export function checkAllocation(
  endpoint: RelayEndpoint,
  credentials: RelayCredentials,
  pin: string,
  timeoutMs: number,
): Promise<DoctorStep> {
  const label = transportLabel[endpoint.transport];
  return runStep(
    endpoint.transport === 'udp' ? 'turn-udp' : endpoint.transport === 'tcp' ? 'turn-tcp' : 'turn-tls',
    `TURN allocation over ${label} ${endpoint.host}:${endpoint.port}`,
    timeoutMs,
    async () => {
      const client = await openClient(endpoint, credentials, pin, timeoutMs);
      try {
        const relayed = await allocate(client, endpoint).catch((error: unknown) =>
          Promise.reject(
            error instanceof Error && error.message.startsWith('no answer')
              ? new StepFailure(`no answer on ${label} ${endpoint.port} within ${formatSeconds(timeoutMs)}`, null)
              : error,
          ),
        );
        return `relayed address ${relayed.address}:${relayed.port}`;
      } finally {
        await release(client);
      }
    },
    (problem) =>
      /key/.test(problem)
        ? `Something between you and the relay replaced its certificate: exempt ${endpoint.host}:${endpoint.port} from TLS inspection.`
        : `Allow ${portRule(endpoint)}; on the server, allow inbound ${endpoint.transport === 'udp' ? 'UDP' : 'TCP'} ${endpoint.port}.`,
  );
}

/**
 * Media through the relay: two allocations permit each other, one sends a random packet to the other's relayed
 * address and gets it echoed back the same way. This is the path a relay-only call's audio takes.
 */
export function checkRelayedRoundTrip(
  endpoint: RelayEndpoint,
  credentials: RelayCredentials,
  pin: string,
  timeoutMs: number,
  relayPortHint: string,
): Promise<DoctorStep> {
  return runStep(
    'relay',
    `Relayed media round trip through ${transportLabel[endpoint.transport]} ${endpoint.host}:${endpoint.port}`,
    timeoutMs,
    async () => {
      const [a, b] = await Promise.all([
        openClient(endpoint, credentials, pin, timeoutMs),
        openClient(endpoint, credentials, pin, timeoutMs),
      ]);
      try {
        const [relayedA, relayedB] = await Promise.all([allocate(a, endpoint), allocate(b, endpoint)]);
        const permitted = await Promise.all([a.createPermission(relayedB), b.createPermission(relayedA)]);
        if (permitted.some((answer) => answer.errorCode !== null)) {
          throw new StepFailure('the relay refused a permission between its own allocations', null);
        }
        const ping = randomBytes(32);
        const started = performance.now();
        a.send(relayedB, ping);
        const [there] = await b.waitFor(1, timeoutMs);
        if (there?.kind !== 'data' || !there.data.equals(ping)) {
          throw new StepFailure('data sent to the other allocation never arrived', null);
        }
        b.send(relayedA, there.data);
        const [back] = await a.waitFor(1, timeoutMs);
        if (back?.kind !== 'data' || !back.data.equals(ping)) {
          throw new StepFailure('the echo through the relay never came back', null);
        }
        return `32 bytes there and back in ${Math.max(1, Math.round(performance.now() - started))} ms`;
      } finally {
        await Promise.all([release(a), release(b)]);
      }
    },
    () => relayPortHint,
  );
}
