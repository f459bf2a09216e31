import type { DoctorReport, DoctorStep } from '../../../shared/doctor';
import type { ServerAddress } from '../../../shared/identifiers';
import { describeFailure, skipped, type SignedCall } from './doctorStep';
import { checkTls } from './tlsCheck';
import { checkAllocation, checkRelayedRoundTrip, checkStun, relayEndpoints, type RelayEndpoint } from './turnChecks';
import { checkWss } from './wssCheck';

export interface DoctorOptions {
  readonly server: ServerAddress;
  /** Signed calls as a signed-in user; without one, only what needs no account runs (TLS). */
  readonly call?: SignedCall | null;
  /** Per step. */
  readonly timeoutMs?: number;
  /** Each step as it finishes, for a screen or a terminal that shows progress. */
  readonly onStep?: (step: DoctorStep) => void;
}

export const DEFAULT_STEP_TIMEOUT_MS = 3000;

const TITLES = {
  wss: 'WebSocket (WSS) round trip',
  stun: 'STUN binding over UDP',
  'turn-udp': 'TURN allocation over UDP',
  'turn-tcp': 'TURN allocation over TCP',
  'turn-tls': 'TURN allocation over TLS',
  relay: 'Relayed media round trip',
} as const;

/**
 * Checks, in order, every path a call through this server needs: TLS with the pinned key, the WSS round trip,
 * STUN binding, TURN allocations over UDP, TCP and TLS, and media relayed between two allocations. One module for
 * the command line and the app's "Test my connection", so both say the same thing about the same network.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const steps: DoctorStep[] = [];
  const record = (step: DoctorStep) => {
    steps.push(step);
    options.onStep?.(step);
  };

  record(await checkTls(options.server, timeoutMs));
  const call = options.call ?? null;
  const rest = ['wss', 'stun', 'turn-udp', 'turn-tcp', 'turn-tls', 'relay'] as const;
  if (call === null) {
    for (const id of rest) record(skipped(id, TITLES[id], 'needs a signed-in account'));
    return report(options.server, steps);
  }
  if (steps[0]?.status === 'fail') {
    for (const id of rest) record(skipped(id, TITLES[id], 'the server itself is not reachable'));
    return report(options.server, steps);
  }

  record(await checkWss(options.server, call, timeoutMs));

  let endpoints: RelayEndpoint[];
  let credentials: { username: string; credential: string };
  try {
    const issued = await call('doctorCredentials');
    const iceServer = issued.iceServers[0];
    if (iceServer === undefined) throw new Error('The server issued no relay address.');
    endpoints = relayEndpoints(iceServer);
    credentials = { username: iceServer.username, credential: iceServer.credential };
  } catch (error) {
    const why = `no relay credentials: ${describeFailure(error)}`;
    for (const id of rest.slice(1)) record(skipped(id, TITLES[id], why));
    return report(options.server, steps);
  }
  const of = (transport: RelayEndpoint['transport']) => endpoints.find((e) => e.transport === transport);
  const udp = of('udp');
  const tcp = of('tcp');
  const tls = of('tls');
  const pin = options.server.spkiPin;

  record(udp ? await checkStun(udp, timeoutMs) : skipped('stun', TITLES.stun, 'the server offers no UDP relay'));
  const allocations = [
    udp
      ? await checkAllocation(udp, credentials, pin, timeoutMs)
      : skipped('turn-udp', TITLES['turn-udp'], 'not offered'),
    tcp
      ? await checkAllocation(tcp, credentials, pin, timeoutMs)
      : skipped('turn-tcp', TITLES['turn-tcp'], 'not offered'),
    tls
      ? await checkAllocation(tls, credentials, pin, timeoutMs)
      : skipped('turn-tls', TITLES['turn-tls'], 'the server offers no TURN over TLS (relay.tlsPort is not set)'),
  ];
  for (const step of allocations) record(step);
  // Media goes over the first transport that allocates, as a browser's ICE would end up doing.
  const working = [udp, tcp, tls].find(
    (endpoint, index) => endpoint !== undefined && allocations[index]?.status === 'pass',
  );
  record(
    working
      ? await checkRelayedRoundTrip(
          working,
          credentials,
          pin,
          timeoutMs,
          'Allocations work but data did not cross the relay: on the server, allow the relay port range ' +
            '(relay.minPort to relay.maxPort, UDP) and check relay.relayIp is an address of the server.',
        )
      : skipped('relay', TITLES.relay, 'no TURN allocation succeeded'),
  );
  return report(options.server, steps);
}

function report(server: ServerAddress, steps: DoctorStep[]): DoctorReport {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return { server: `${host}:${server.port}`, ok: steps.every((step) => step.status !== 'fail'), steps };
}
