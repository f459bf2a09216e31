import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTurnUsername, relaySecretText } from '../../main/server/auth/turnCredentials';
import { loadOrCreateCertificate } from '../../main/server/http/certificate';
import { rankRelays, type FleetRelay } from '../../main/server/turn/relayFleet';
import type { Relay } from '../../main/server/turn/relayServer';
import { createMintedTurnTestClient, createTurnTestClient } from '../../main/server/turn/testing/turnTestClient';
import { startBundledRelay, startCoturn, type RunningRelay } from '../support/cluster/relays';
import { freePort } from '../support/freePort';
import {
  ON_ONE_NODE,
  signUpAndIn,
  startTestServer,
  twoMembersInChannel,
  type TestServer,
} from '../support/serverHarness';

/**
 * A relay fleet of two bundled relays run apart and one coturn, all with the server's TURN REST secret: both ends
 * of a call are sent to one relay, the one the channel ranks first among those that answer; a relay that stops
 * answering loses its channels to the next in their ranking; the credentials work on coturn as on the bundled
 * relay; and a sign-out ends the session's allocations on every bundled relay, each through its own feed.
 */

let dir: string;
let server: TestServer;
let secret: string;
let relays: Map<string, RunningRelay & { readonly relay?: Relay }>;
let fleet: FleetRelay[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-fleet-'));
  // The relays need the secret, the feed's address and the key pin before the server that has the fleet starts:
  // a first start makes the store (and the secret), the shared key gives the pin, the port is chosen up front.
  const certificate = await loadOrCreateCertificate({ dataDir: dir, hostnames: ['127.0.0.1'] });
  const tls = { certFile: join(dir, 'tls', 'server-cert.pem'), keyFile: join(dir, 'tls', 'server-key.pem') };
  const dataDir = join(dir, 'server');
  const first = await startTestServer({ relay: { enabled: false }, tls }, dataDir);
  secret = relaySecretText(await first.server.store.secrets.relaySecret());
  await first.close(false);

  const port = await freePort();
  const feed = { host: '127.0.0.1', port, spkiPin: certificate.spkiPin };
  relays = new Map<string, RunningRelay & { readonly relay?: Relay }>([
    ['relay-a', await startBundledRelay({ id: 'relay-a', secret, feed })],
    ['relay-b', await startBundledRelay({ id: 'relay-b', secret, feed })],
    ['coturn-c', await startCoturn({ id: 'coturn-c', secret })],
  ]);
  fleet = [...relays.values()].map((relay) => relay.fleetEntry);
  server = await startTestServer(
    {
      tls,
      listen: { host: '127.0.0.1', port },
      relay: { enabled: false, fleet: { relays: fleet, checkIntervalMs: 250, checkTimeoutMs: 250, fall: 1 } },
    },
    dataDir,
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  for (const relay of relays?.values() ?? []) await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (url: string) => Number(/:(\d+)\?transport=udp$/.exec(url)?.[1]);
const relayIdOf = (urls: readonly string[]) => fleet.find((relay) => relay.udpPort === portOf(urls[0] ?? ''))?.id;

// Builds its own fleet beside single nodes: under the cluster target those would be clusters themselves.
describe.skipIf(!ON_ONE_NODE)('relay fleet', () => {
  it('sends both ends of a call to the relay their channel ranks first, and spreads channels over the fleet', async () => {
    const { owner, member, workspace, channel } = await twoMembersInChannel(server.server, ['ada', 'bob']);
    const [a, b] = await Promise.all(
      [owner, member].map((client) => client.call('voiceCredentials', { body: { channelId: channel.id } })),
    );
    expect(relayIdOf(a!.iceServers[0]!.urls)).toBe(rankRelays(channel.id, fleet)[0]!.id);
    expect(b!.iceServers[0]!.urls).toEqual(a!.iceServers[0]!.urls);

    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const { channel: more } = await owner.call('createChannel', {
        params: { workspaceId: workspace.id },
        body: { name: `Voice ${i}` },
      });
      const credentials = await owner.call('voiceCredentials', { body: { channelId: more.id } });
      const id = relayIdOf(credentials.iceServers[0]!.urls);
      expect(id).toBe(rankRelays(more.id, fleet)[0]!.id);
      seen.add(id!);
    }
    expect(seen.size).toBe(3);
  });

  it('mints credentials that allocate on coturn as on the bundled relays', async () => {
    const { owner, channel } = await twoMembersInChannel(server.server, ['cara', 'dan']);
    const credentials = await owner.call('voiceCredentials', { body: { channelId: channel.id } });
    const { username, credential } = credentials.iceServers[0]!;
    expect(parseTurnUsername(username!)?.sessionId).toBe(owner.grant.id);
    for (const relay of fleet) {
      const client = await createTurnTestClient({
        server: { host: '127.0.0.1', port: relay.udpPort! },
        username: username!,
        password: credential!,
      });
      try {
        expect({ relay: relay.id, relayed: (await client.allocate()).relayed !== null }).toEqual({
          relay: relay.id,
          relayed: true,
        });
      } finally {
        await client.close();
      }
    }
  });

  it('ends a signed-out session on every bundled relay, each through its own feed', async () => {
    const user = await signUpAndIn(server.server);
    const bundled = ['relay-a', 'relay-b'].map((id) => relays.get(id)!.relay!);
    const before = bundled.map((relay) => relay.stats().allocations.active);
    const clients = await Promise.all(
      bundled.map((relay) =>
        createMintedTurnTestClient({
          server: relay.addresses.udp!,
          secret,
          userId: user.user.id,
          sessionId: user.grant.id,
        }),
      ),
    );
    try {
      for (const client of clients) expect((await client.allocate()).relayed).not.toBeNull();
      expect(bundled.map((relay) => relay.stats().allocations.active)).toEqual(before.map((n) => n + 1));
      await user.call('signOut');
      await expect
        .poll(() => bundled.map((relay) => relay.stats().allocations.active), { timeout: 10_000, interval: 50 })
        .toEqual(before);
    } finally {
      for (const client of clients) await client.close();
    }
  });

  it('moves a channel off a relay that stops answering, to the next in its ranking, for both ends', async () => {
    const { owner, member, channel } = await twoMembersInChannel(server.server, ['eve', 'fay']);
    const ranked = rankRelays(channel.id, fleet);
    const firstChoice = relays.get(ranked[0]!.id)!;
    await firstChoice.close();
    const expected = ranked[1]!.id;
    await expect
      .poll(
        async () =>
          relayIdOf((await owner.call('voiceCredentials', { body: { channelId: channel.id } })).iceServers[0]!.urls),
        {
          timeout: 20_000,
          interval: 100,
        },
      )
      .toBe(expected);
    const other = await member.call('voiceCredentials', { body: { channelId: channel.id } });
    expect(relayIdOf(other.iceServers[0]!.urls)).toBe(expected);
    expect(server.logs.some((line) => line.includes(`relay ${ranked[0]!.id} does not answer`))).toBe(true);
  });
});
