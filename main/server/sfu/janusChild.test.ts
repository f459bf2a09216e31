import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningTcpPorts } from '../../../test/support/processSockets';
import { connectJanus, JanusError, type JanusApi } from './janusClient';
import { writeJanusConfig, type JanusFiles } from './janusConfig';
import { chooseIceAddress } from './iceAddress';
import { startJanusChild, type JanusChild } from './janusProcess';
import { sfuConfigSchema, type JanusChildConfig } from './sfuConfig';

/*
 * Debian's Janus, started the way the server starts it: our generated configuration in a throwaway data directory,
 * ready when its log says the API socket listens, and checked from the outside for what the configuration promises.
 */

const config = sfuConfigSchema.parse({ enabled: true }).janus as JanusChildConfig;
let dataDir: string;
let files: JanusFiles;
let janus: JanusChild;
let api: JanusApi;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'whoot-janus-'));
  files = writeJanusConfig(dataDir, config, chooseIceAddress(undefined).address);
  janus = await startJanusChild(config.binary, files);
  api = await connectJanus(files.url, files.apiSecret);
});

afterAll(async () => {
  api?.close();
  await janus?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One raw request on a fresh connection to the socket, as any local process that reached it could send. */
async function rawRequest(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const socket = new WebSocket(files.url, 'janus-protocol');
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const answer = new Promise<Record<string, unknown>>((resolve) =>
    socket.once('message', (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)),
  );
  socket.send(JSON.stringify({ transaction: 'raw', ...body }));
  try {
    return await answer;
  } finally {
    socket.close();
  }
}

describe('Janus as the server runs it', () => {
  it('answers on its Unix socket, which sits in a folder only this user can enter', async () => {
    expect((await api.info()).version).toMatch(/^1\./);
    expect(statSync(files.dir).mode & 0o777).toBe(0o700);
    expect(statSync(files.socketPath).isSocket()).toBe(true);
    for (const name of ['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']) {
      expect(statSync(join(files.dir, name)).mode & 0o777).toBe(0o600);
    }
  });

  it('listens on no TCP port at all', () => {
    expect(listeningTcpPorts(janus.pid)).toEqual([]);
  });

  it('loaded only the VideoRoom plugin and the WebSockets transport', async () => {
    const info = await rawRequest({ janus: 'info' });
    expect(Object.keys(info['plugins'] as object)).toEqual(['janus.plugin.videoroom']);
    expect(Object.keys(info['transports'] as object)).toEqual(['janus.transport.websockets']);
    expect(info['events']).toEqual({});
    expect(info['api_secret']).toBe(true);
    expect(info['full-trickle']).toBe(true);
  });

  it('refuses a request without the API secret, or with a wrong one', async () => {
    for (const apisecret of [undefined, 'guess']) {
      const answer = await rawRequest({ janus: 'create', ...(apisecret ? { apisecret } : {}) });
      expect(answer['janus']).toBe('error');
      expect((answer['error'] as { code: number }).code).toBe(403);
    }
  });

  it('creates a room only with the admin key, whatever reaches the API', async () => {
    const session = await api.createSession();
    try {
      const handle = await session.attach('janus.plugin.videoroom');
      const refused = handle.request({ request: 'create', room: 'no-key-room', audiocodec: 'opus' });
      await expect(refused).rejects.toBeInstanceOf(JanusError);
      const created = await handle.request({
        request: 'create',
        room: 'with-key-room',
        admin_key: files.adminKey,
        audiocodec: 'opus',
      });
      expect(created.data['videoroom']).toBe('created');
      const listed = await handle.request({ request: 'list', admin_key: files.adminKey });
      expect((listed.data['list'] as { room: string }[]).map((room) => room.room)).toEqual(['with-key-room']);
    } finally {
      await session.destroy();
    }
  });

  it('is gone once stopped, and its client sees the connection close', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'whoot-janus-'));
    try {
      const otherFiles = writeJanusConfig(otherDir, config, chooseIceAddress(undefined).address);
      const other = await startJanusChild(config.binary, otherFiles);
      const client = await connectJanus(otherFiles.url, otherFiles.apiSecret);
      await other.stop();
      await client.closed;
      expect(() => process.kill(other.pid, 0)).toThrow();
      await expect(client.info()).rejects.toBeInstanceOf(JanusError);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
