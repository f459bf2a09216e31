import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import { hostSchema, portSchema } from '../../../shared/identifiers';
import { stunBindingAnswers } from './stunProbe';

/**
 * The relays a cluster hands out (docs/scale-out.md, "Relay fleet"): the bundled relay run apart (`npm run relay`,
 * with the revocation feed) or coturn with the same TURN REST secret, on several ports or hosts.
 *
 * Policy: every node picks a voice channel's relay the same way, by rendezvous hashing (highest random weight) of
 * the channel id over the relays it currently sees healthy. So both ends of a call, whichever nodes they asked,
 * are sent to one relay (which is what lets two clients of relays on private or loopback addresses reach each
 * other at all), channels spread evenly, and when a relay goes down only its own channels move, each to the relay
 * that ranks next for it; when it comes back they move back. Health: each node sends every relay a STUN Binding
 * every `checkIntervalMs`; `fall` unanswered in a row take it out, one answer puts it back. With no relay healthy
 * the ranking over all relays stands, so a node whose probes alone are cut off still hands out the right relay.
 */
export const fleetRelaySchema = z
  .strictObject({
    /** Names the relay in logs and in the hash: keep it when a relay moves, or its channels move too. */
    id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be 1-64 of a-z 0-9 -'),
    /** What TURN URLs name: the relay's DNS name or address as clients reach it. */
    host: hostSchema,
    /** The address relayed candidates carry (its relayIp); needed when `host` is a name, not an IP literal. */
    relayIp: z
      .string()
      .refine((value) => isIP(value) !== 0, 'must be an IP address')
      .optional(),
    udpPort: portSchema.optional(),
    tcpPort: portSchema.optional(),
    tlsPort: portSchema.optional(),
  })
  .refine((relay) => relay.udpPort !== undefined || relay.tcpPort !== undefined, {
    message: 'needs udpPort or tcpPort (the health check and most clients use them)',
  })
  .refine((relay) => relay.relayIp !== undefined || isIP(relay.host) !== 0, {
    message: 'needs relayIp when host is a name: relay-only calls accept relayed candidates of known addresses only',
  });
export type FleetRelay = z.output<typeof fleetRelaySchema>;

export const relayFleetConfigSchema = z.strictObject({
  relays: z
    .array(fleetRelaySchema)
    .min(1)
    .max(64)
    .refine((relays) => new Set(relays.map((relay) => relay.id)).size === relays.length, 'relay ids must differ'),
  checkIntervalMs: z.number().int().min(250).max(60_000).default(2_000),
  checkTimeoutMs: z.number().int().min(100).max(10_000).default(1_000),
  fall: z.number().int().min(1).max(10).default(2),
});
export type RelayFleetConfig = z.output<typeof relayFleetConfigSchema>;

/** The address relayed candidates from this relay carry. */
export function relayAddressOf(relay: FleetRelay): string {
  return relay.relayIp ?? relay.host;
}

/** Highest random weight: the relays ranked for one key, the same order on every node. */
export function rankRelays<R extends { readonly id: string }>(key: string, relays: readonly R[]): R[] {
  const weight = (relay: R) => createHash('sha256').update(`${key}\n${relay.id}`).digest().readBigUInt64BE(0);
  return relays
    .map((relay) => ({ relay, weight: weight(relay) }))
    .sort((a, b) => (a.weight === b.weight ? a.relay.id.localeCompare(b.relay.id) : a.weight > b.weight ? -1 : 1))
    .map((ranked) => ranked.relay);
}

export interface RelayFleet {
  /** The relay for this key (a voice channel id): the first healthy one in its ranking. */
  pick(key: string): FleetRelay;
  /** Relay ids as this node sees them now. */
  health(): ReadonlyMap<string, boolean>;
  /** Probes every relay once now (start-up, tests); the timer does it every `checkIntervalMs` after start(). */
  checkNow(): Promise<void>;
  start(): void;
  close(): void;
}

export function createRelayFleet(
  config: RelayFleetConfig,
  options: { readonly log: (message: string) => void },
): RelayFleet {
  const probe = (relay: FleetRelay) =>
    stunBindingAnswers(
      relay.udpPort === undefined
        ? { host: relay.host, port: relay.tcpPort ?? 0, transport: 'tcp' }
        : { host: relay.host, port: relay.udpPort },
      config.checkTimeoutMs,
    );
  const healthy = new Map(config.relays.map((relay) => [relay.id, true]));
  const misses = new Map(config.relays.map((relay) => [relay.id, 0]));
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<void> | null = null;

  async function checkOne(relay: FleetRelay): Promise<void> {
    const answered = await probe(relay).catch(() => false);
    const missed = answered ? 0 : (misses.get(relay.id) ?? 0) + 1;
    misses.set(relay.id, missed);
    const up = answered || (healthy.get(relay.id) === true && missed < config.fall);
    if (up !== healthy.get(relay.id)) {
      options.log(up ? `relay ${relay.id} answers again` : `relay ${relay.id} does not answer: its channels move`);
    }
    healthy.set(relay.id, up);
  }

  const checkNow = () =>
    (running ??= Promise.all(config.relays.map(checkOne))
      .then(() => undefined)
      .finally(() => {
        running = null;
      }));

  return {
    pick(key) {
      const ranked = rankRelays(key, config.relays);
      const first = ranked.find((relay) => healthy.get(relay.id) === true) ?? ranked[0];
      // The schema keeps at least one relay in the list.
      if (first === undefined) throw new Error('the relay fleet is empty');
      return first;
    },
    health: () => new Map(healthy),
    checkNow,
    start() {
      if (timer !== null) return;
      void checkNow();
      timer = setInterval(() => void checkNow(), config.checkIntervalMs);
      timer.unref();
    },
    close() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}
