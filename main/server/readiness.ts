import { isIP } from 'node:net';
import type { Store } from './store';
import { stunBindingAnswers } from './turn/stunProbe';
import type { Relay } from './turn/relayServer';

/** How long one answer stands: a flood of probes costs at most one check per this interval. */
const CHECK_INTERVAL_MS = 1_000;
const RELAY_PROBE_TIMEOUT_MS = 2_000;
/** A database or Redis that takes longer than this to answer one round trip is as good as down for a prober. */
const PING_TIMEOUT_MS = 2_000;

/** Rejects when `work` takes longer than `ms`: a pool waiting for a free connection would keep the prober waiting. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export type ReadinessProblem = 'store' | 'shared state' | 'relay';

/** Where a probe reaches a relay bound to every interface: the loopback of the same family. */
function probeHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return isIP(host) === 0 ? '127.0.0.1' : host;
}

/** A STUN Binding to the relay's own UDP port, answered as any client's would be. */
async function relayAnswers(relay: Relay): Promise<boolean> {
  const udp = relay.addresses.udp;
  if (udp === null) return relay.addresses.tcp !== null || relay.addresses.tls !== null;
  return stunBindingAnswers({ host: probeHost(udp.host), port: udp.port }, RELAY_PROBE_TIMEOUT_MS);
}

/**
 * Whether this node can serve: the store answers a query, the shared state answers (Redis, when configured: without
 * it every signed request is refused) and the embedded relay (when there is one) answers a STUN Binding. The result is kept for a second and concurrent probes share one check, so a flood of probes (which are
 * not rate limited) never reaches the store more than once a second. What failed is logged when it changes, never
 * told to the prober.
 */
export function createReadinessCheck(options: {
  readonly store: Store;
  readonly sharedState: { ping(): Promise<boolean> };
  readonly relay: Relay | null;
  readonly log: (message: string) => void;
  readonly now?: () => number;
}): () => Promise<boolean> {
  const now = options.now ?? Date.now;
  let last: { at: number; problem: ReadinessProblem | null } | null = null;
  let running: Promise<ReadinessProblem | null> | null = null;

  async function check(): Promise<ReadinessProblem | null> {
    try {
      await within(options.store.ping(), PING_TIMEOUT_MS);
    } catch {
      return 'store';
    }
    if (!(await within(options.sharedState.ping(), PING_TIMEOUT_MS).catch(() => false))) return 'shared state';
    if (options.relay !== null && !(await relayAnswers(options.relay))) return 'relay';
    return null;
  }

  return async () => {
    if (last !== null && now() - last.at < CHECK_INTERVAL_MS) return last.problem === null;
    running ??= check().finally(() => {
      running = null;
    });
    const problem = await running;
    if (problem !== (last?.problem ?? null)) {
      options.log(problem === null ? 'ready again' : `not ready: the ${problem} does not answer`);
    }
    last = { at: now(), problem };
    return problem === null;
  };
}
