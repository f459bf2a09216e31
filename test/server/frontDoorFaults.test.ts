import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBot } from '../../bot/voiceBot';
import { WEBHOOK_HEADERS } from '../../shared/webhookEvents';
import type { WorkspaceEvent } from '../../shared/ws';
import { startCluster, type Cluster } from '../support/cluster/cluster';
import { expectError, signedCall } from '../support/rawServerClient';
import {
  GENEROUS_LIMITS,
  signUpAndIn,
  SUITE_POLICY,
  TEST_TARGET,
  type ServerTarget,
  type TestClient,
} from '../support/serverHarness';
import { eventually, launchBot, voiceChannelWithInvite } from '../support/voiceBots';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';
import { selectedPairOf } from '../support/wrtcPeer';

/**
 * Faults of the whole cluster as `npm run cluster:up` runs it, each part its own process: PostgreSQL, Redis, three
 * nodes, HAProxy in front, two relays run apart. Clients reach it only through HAProxy. Part of
 * `npm run test:cluster` (WHOOT_TEST_TARGET=cluster): it starts a dozen processes, too many for every `npm test`.
 */
const TONES = [440, 660] as const;

/** A call through HAProxy, repeated while the node it reached died under it (the connection reset, no answer). */
async function throughFailover<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' || attempt >= 5) throw error;
    }
  }
}

/** Each event's seq once, in order, from the first the socket saw: no gap, no repeat. */
function expectGapless(seqs: readonly number[]) {
  const first = seqs[0] ?? 0;
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
}

describe.runIf(TEST_TARGET === 'cluster')('faults of a cluster of processes behind HAProxy', () => {
  let cluster: Cluster;
  let receiver: WebhookReceiver;
  let target: ServerTarget;
  const bots: VoiceBot[] = [];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    cluster = await startCluster({
      nodes: 3,
      relays: 2,
      nodeConfig: {
        ...SUITE_POLICY,
        rateLimits: GENEROUS_LIMITS,
        webhooks: { caFile: receiver.caFile, allowPrivateTargets: [receiver.target], pollIntervalMs: 200 },
      },
    });
    target = { port: cluster.address.port, spkiPin: cluster.address.spkiPin };
  }, 600_000);

  afterAll(async () => {
    for (const bot of bots) await bot.stop().catch(() => undefined);
    await cluster?.stop();
    await receiver?.close();
  });

  it('sends each webhook delivery once while three nodes poll the one queue', async () => {
    const owner = await signUpAndIn(target, 'hooks');
    const { workspace } = await owner.call('createWorkspace', { body: { slug: 'hooks', name: 'Hooks' } });
    const path = '/hooks/exactly-once';
    await owner.call('createWebhook', {
      params: { workspaceId: workspace.id },
      body: { url: receiver.url(path), events: ['channel.created'] },
    });
    // Through HAProxy, so the events come from every node; every node's dispatcher polls every 200 ms.
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        owner.call('createChannel', {
          params: { workspaceId: workspace.id },
          body: { name: `hook ${i}`, kind: 'text' },
        }),
      ),
    );
    const deliveries = () => receiver.received.filter((delivery) => delivery.path === path);
    await expect.poll(() => deliveries().length, { timeout: 30_000 }).toBe(created.length);
    // Many more polling rounds on every node: still one delivery per event.
    await new Promise((settle) => setTimeout(settle, 3_000));
    expect(deliveries()).toHaveLength(created.length);
    const eventIds = deliveries().map((delivery) => delivery.headers[WEBHOOK_HEADERS.eventId]);
    expect(new Set(eventIds).size).toBe(created.length);
    const named = deliveries().map((delivery) => JSON.parse(delivery.body) as { data: { channel: { id: string } } });
    expect(named.map((body) => body.data.channel.id).sort()).toEqual(created.map((c) => c.channel.id).sort());
  });

  it('keeps a call when the node holding it is killed: both reconnect through HAProxy, resume with no gap, and hear each other through the relay', async () => {
    const { frontDoor } = cluster;
    // For the set-up only node1 takes new connections, so both members' sockets (and the call's signalling) are there.
    await frontDoor.setNodeEnabled('node2', false);
    await frontDoor.setNodeEnabled('node3', false);
    let owner: TestClient;
    let workspaceId: string;
    const seen = new Map<VoiceBot, WorkspaceEvent[]>();
    const resyncs = new Map<VoiceBot, number>();
    try {
      const setup = await voiceChannelWithInvite(target);
      owner = setup.owner;
      workspaceId = setup.workspace.id;
      for (const [i, frequency] of TONES.entries()) {
        const bot = await launchBot(setup.invite, `caller${i}`, {
          play: { kind: 'tone', frequency },
          frequencies: TONES,
        });
        bots.push(bot);
        seen.set(bot, []);
        resyncs.set(bot, 0);
        bot.socket.onEvent((event) => seen.get(bot)!.push(event));
        bot.socket.onResync(() => resyncs.set(bot, resyncs.get(bot)! + 1));
      }
      const joined = await Promise.all(bots.map((bot) => bot.join({ id: setup.channel.id })));
      expect(joined.map((result) => result.ok)).toEqual([true, true]);
      await hearEachOther(bots);
    } finally {
      await frontDoor.setNodeEnabled('node2', true);
      await frontDoor.setNodeEnabled('node3', true);
    }
    await frontDoor.waitForUp(3);
    const createChannel = (name: string) =>
      throughFailover(() => owner.call('createChannel', { params: { workspaceId }, body: { name, kind: 'text' } }));
    const sawChannel = (bot: VoiceBot, id: string) =>
      seen.get(bot)!.some((event) => event.type === 'channel.created' && event.payload.channel.id === id)
        ? true
        : undefined;
    const before = await createChannel('before');
    for (const bot of bots) await eventually('the event before the kill', () => sawChannel(bot, before.channel.id));
    const connectionIds = bots.map((bot) => bot.socket.connectionId());
    const reconnects = bots.map((bot) => bot.socket.reconnects());

    await cluster.nodes[0]!.kill();
    // Published while the members reconnect: they must get it on resume, from whichever node they reach.
    const during = await createChannel('during');
    for (const [i, bot] of bots.entries()) {
      await eventually('the socket back on another node', () =>
        bot.socket.reconnects() > reconnects[i]! && bot.socket.connectionId() !== null ? true : undefined,
      );
      expect(bot.socket.connectionId()).not.toBe(connectionIds[i]);
    }
    const after = await createChannel('after');
    for (const bot of bots) {
      await eventually('the event after the kill', () => sawChannel(bot, after.channel.id));
      expect(sawChannel(bot, during.channel.id)).toBe(true);
      expectGapless(seen.get(bot)!.map((event) => event.seq));
      expect(resyncs.get(bot)).toBe(0);
    }
    // The call came back by itself (the engine rejoined the room), its media through a relay again.
    await hearEachOther(bots);
    expect(bots.map((bot) => bot.engine.store.getState().rejoins)).toEqual([1, 1]);
    const stats = await frontDoor.nodes();
    expect(stats.find((node) => node.name === 'node1')?.status).toMatch(/^DOWN/);
  }, 300_000);

  it('answers 503 store_unavailable through HAProxy while PostgreSQL is stopped for 5 s, writes nothing half, then delivers the queued webhook once', async () => {
    const postgres = cluster.postgres!;
    const owner = await signUpAndIn(target, 'outage');
    const { workspace } = await owner.call('createWorkspace', { body: { slug: 'outage', name: 'Outage' } });
    const workspaceId = workspace.id;
    const { channel } = await owner.call('createChannel', {
      params: { workspaceId },
      body: { name: 'general', kind: 'text' },
    });
    const path = '/hooks/outage';
    await owner.call('createWebhook', {
      params: { workspaceId },
      body: { url: receiver.url(path), events: ['channel.created'] },
    });
    const deliveries = () => receiver.received.filter((delivery) => delivery.path === path);
    const messages = async () =>
      (await owner.call('listMessages', { params: { workspaceId, channelId: channel.id } })).messages.map(
        (m) => m.body,
      );
    await owner.call('postMessage', { params: { workspaceId, channelId: channel.id }, body: { body: 'before' } });
    await owner.call('createChannel', { params: { workspaceId }, body: { name: 'before', kind: 'text' } });
    await expect.poll(() => deliveries().length, { timeout: 30_000 }).toBe(1);

    await postgres.halt();
    const outageStarted = Date.now();
    try {
      const post = await signedCall(target, owner, 'postMessage', {
        params: { workspaceId, channelId: channel.id },
        body: { body: 'during' },
      });
      expectError(post, 503, 'store_unavailable');
      expect(post.headers['retry-after']).toBe('5');
      expect(post.json).toMatchObject({ error: { message: expect.stringMatching(/database/) } });
      // HAProxy sees every node unready and still passes clients to them, so they read that 503, not a reset.
      await expect
        .poll(async () => (await cluster.frontDoor.nodes()).every((node) => node.status.startsWith('DOWN')), {
          timeout: 15_000,
        })
        .toBe(true);
      const again = await signedCall(target, owner, 'postMessage', {
        params: { workspaceId, channelId: channel.id },
        body: { body: 'during, again' },
      });
      expectError(again, 503, 'store_unavailable');
      const created = await signedCall(target, owner, 'createChannel', {
        params: { workspaceId },
        body: { name: 'during', kind: 'text' },
      });
      expectError(created, 503, 'store_unavailable');
      const left = 5_000 - (Date.now() - outageStarted);
      if (left > 0) await new Promise((settle) => setTimeout(settle, left));
    } finally {
      await postgres.resume();
    }

    await cluster.frontDoor.waitForUp(2);
    // Nothing of what was refused exists, the audit chain is whole, and no delivery went out meanwhile.
    expect(await throughFailover(messages)).toEqual(['before']);
    const channels = await owner.call('listChannels', { params: { workspaceId } });
    expect(channels.channels.map((c) => c.name).sort()).toEqual(['before', 'general']);
    expect(deliveries()).toHaveLength(1);
    const audit = await cluster.cli(['audit', 'verify']);
    expect(audit.code, audit.stderr).toBe(0);
    // The queue goes on where it was: the next event is delivered once, and nothing before it again.
    await owner.call('createChannel', { params: { workspaceId }, body: { name: 'after', kind: 'text' } });
    await expect.poll(() => deliveries().length, { timeout: 30_000 }).toBe(2);
    await new Promise((settle) => setTimeout(settle, 3_000));
    const ids = deliveries().map((delivery) => delivery.headers[WEBHOOK_HEADERS.eventId]);
    expect(new Set(ids).size).toBe(2);
  });
});

/** Each bot hears the other's current connection, loud and at its tone, through a relay. */
async function hearEachOther(bots: readonly VoiceBot[]) {
  for (const [i, bot] of bots.entries()) {
    const other = bots[1 - i]!;
    const heard = await eventually(`caller${i} hearing the other`, () =>
      bot
        .hearing()
        .find(
          (peer) =>
            peer.peerId === other.socket.connectionId() &&
            peer.connectionState === 'connected' &&
            peer.level > 0.1 &&
            peer.dominant !== null,
        ),
    );
    expect(heard.dominant?.frequency).toBe(TONES[1 - i]);
    // It sends through the relay: its local candidate is a relayed one, or one learnt from the far end's answer to
    // a check sent through the TURN server (prflx, with the TURN server's url).
    const pair = selectedPairOf((await bot.engine.peerStats(heard.peerId)) as Parameters<typeof selectedPairOf>[0]);
    expect(pair?.local.relayProtocol, JSON.stringify(pair)).toBeDefined();
    expect(pair?.local.url, JSON.stringify(pair)).toMatch(/^turns?:/);
  }
}
