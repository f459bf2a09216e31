import { roomKey } from '../../main/server/signalling/rooms';
import type { ServerProcessRequest } from './serverProcess';
import { startTestServer, type TestServer } from './serverHarness';
import { voiceChannelWithInvite } from './voiceBots';

/*
 * The child side of serverProcess.ts: a real test server in this process, answering the parent's requests over IPC.
 * It exits when the parent goes (IPC disconnect), stopping the server and its Janus first.
 */

let test: TestServer | null = null;
let setup: Awaited<ReturnType<typeof voiceChannelWithInvite>> | null = null;

async function handle(request: ServerProcessRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'setup': {
      test = await startTestServer(request.overrides);
      const [first, ...rest] = request.channels;
      setup = await voiceChannelWithInvite(test.server, {
        channelName: first?.name ?? 'Voice',
        voiceMode: first?.voiceMode ?? 'auto',
      });
      const channelIds = [setup.channel.id];
      for (const channel of rest) {
        const created = await setup.owner.call('createChannel', {
          params: { workspaceId: setup.workspace.id },
          body: { name: channel.name, voiceMode: channel.voiceMode },
        });
        channelIds.push(created.channel.id);
      }
      return { invite: setup.invite, link: setup.link, workspaceId: setup.workspace.id, channelIds };
    }
    case 'voiceMute': {
      const params = { workspaceId: owned().workspace.id, userId: request.userId };
      await owned().owner.call(request.muted ? 'voiceMuteMember' : 'voiceUnmuteMember', { params });
      return null;
    }
    case 'move':
      await owned().owner.call('voiceMoveMember', {
        params: { workspaceId: owned().workspace.id, userId: request.userId },
        body: { channelId: request.channelId },
      });
      return null;
    case 'setVoiceMode':
      await owned().owner.call('setChannelVoiceMode', {
        params: { workspaceId: owned().workspace.id, channelId: request.channelId },
        body: { voiceMode: request.voiceMode },
      });
      return null;
    case 'participants':
      return (await running().server.sfu?.participants(roomKey(owned().workspace.id, request.channelId))) ?? null;
    case 'relayStats': {
      const stats = running().server.relay?.stats();
      return {
        serverMuted: stats?.droppedPackets.serverMuted ?? 0,
        relayedPackets: stats ? stats.relayed.client_to_peer.packets + stats.relayed.peer_to_client.packets : 0,
        allocations: stats?.allocations.active ?? 0,
      };
    }
    case 'sfu': {
      const sfu = running().server.sfu;
      const usage = process.cpuUsage();
      return {
        pid: sfu?.pid() ?? null,
        rooms: (await sfu?.roomCount()) ?? null,
        address: sfu?.peers[0]?.address ?? null,
        serverCpuMs: (usage.user + usage.system) / 1000,
      };
    }
    case 'logs':
      return test?.logs ?? [];
    case 'stop':
      await test?.close();
      test = null;
      return null;
  }
}

function running(): TestServer {
  if (test === null) throw new Error('setup first');
  return test;
}

function owned(): NonNullable<typeof setup> {
  if (setup === null) throw new Error('setup first');
  return setup;
}

process.on('message', (message: { id: number } & ServerProcessRequest) => {
  handle(message).then(
    (value) => process.send?.({ id: message.id, value }, () => (message.cmd === 'stop' ? process.exit(0) : undefined)),
    (error: unknown) => process.send?.({ id: message.id, error: (error as Error).stack ?? String(error) }),
  );
});
process.on('disconnect', () => {
  void (test?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
