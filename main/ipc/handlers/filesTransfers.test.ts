import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_CHUNK_BYTES } from '../../../shared/ipc';
import {
  api,
  startTestServer,
  twoMembersInChannel,
  type TestClient,
  type TestServer,
} from '../../../test/support/serverHarness';
import { createSignedCalls } from '../../session/signedCalls';
import { createFileTransfers } from './filesTransfers';

/**
 * Files through main, as the page moves them: chunked over IPC into main, streamed by main to the real server,
 * pulled back chunk by chunk by another member. Bad chunks cancel the upload and leave nothing behind.
 */

let t: TestServer;
let ada: TestClient;
let bob: TestClient;
let workspaceId: string;
let channelId: string;
const sender = { url: 'app://whoot/index.html', isMainFrame: true };

beforeAll(async () => {
  t = await startTestServer();
  const setup = await twoMembersInChannel(t.server, ['ada', 'bob']);
  ({ owner: ada, member: bob } = setup);
  workspaceId = setup.workspace.id;
  channelId = setup.channel.id;
}, 180_000);
afterAll(async () => {
  await t?.close();
});

const transfersFor = (client: TestClient) =>
  createFileTransfers(createSignedCalls({ vault: client.vault, api, signer: client.signer }));

const scratchDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('whoot-uploads-'));

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}`);
  return result.value;
}

describe('file transfers through main', () => {
  it('uploads in chunks and downloads in chunks with the same SHA-256', async () => {
    const content = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      randomBytes(700_000),
    ]);
    const up = transfersFor(ada);
    const { uploadId, chunkBytes } = value(
      await up['files.uploadBegin']({ workspaceId, channelId, name: 'photo.png', size: content.length }, sender),
    );
    expect(chunkBytes).toBe(FILE_CHUNK_BYTES);
    for (let offset = 0; offset < content.length; offset += chunkBytes) {
      const data = content.subarray(offset, offset + chunkBytes).toString('base64');
      value(await up['files.uploadChunk']({ uploadId, data }, sender));
    }
    const { file } = value(await up['files.uploadFinish']({ uploadId }, sender));
    expect(file).toMatchObject({ name: 'photo.png', contentType: 'image/png', size: content.length });

    const down = transfersFor(bob);
    const begun = value(await down['files.downloadBegin']({ workspaceId, fileId: file.id }, sender));
    expect(begun).toMatchObject({ size: content.length, contentType: 'image/png' });
    const received: Buffer[] = [];
    for (;;) {
      const chunk = value(await down['files.downloadChunk']({ downloadId: begun.downloadId }, sender));
      const bytes = Buffer.from(chunk.data, 'base64');
      expect(bytes.length).toBeLessThanOrEqual(FILE_CHUNK_BYTES);
      received.push(bytes);
      if (chunk.done) break;
    }
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    expect(sha(Buffer.concat(received))).toBe(sha(content));
    const after = await down['files.downloadChunk']({ downloadId: begun.downloadId }, sender);
    expect(after).toMatchObject({ ok: false, error: { code: 'unknown_transfer' } });
    up.dispose();
    down.dispose();
  });

  it('cancels an upload whose chunks overrun its size, and one that finishes short; nothing reaches the server', async () => {
    const up = transfersFor(ada);
    const before = await t.server.store.forWorkspace(workspaceId).files.usedBytes();
    const overrun = value(await up['files.uploadBegin']({ workspaceId, channelId, name: 'a.txt', size: 10 }, sender));
    const refused = await up['files.uploadChunk'](
      { uploadId: overrun.uploadId, data: Buffer.from('more than ten bytes').toString('base64') },
      sender,
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_chunk' } });
    expect(await up['files.uploadFinish']({ uploadId: overrun.uploadId }, sender)).toMatchObject({
      ok: false,
      error: { code: 'unknown_transfer' },
    });

    const short = value(await up['files.uploadBegin']({ workspaceId, channelId, name: 'b.txt', size: 100 }, sender));
    value(
      await up['files.uploadChunk'](
        { uploadId: short.uploadId, data: Buffer.from('only a few').toString('base64') },
        sender,
      ),
    );
    expect(await up['files.uploadFinish']({ uploadId: short.uploadId }, sender)).toMatchObject({
      ok: false,
      error: { code: 'incomplete_upload' },
    });
    expect(await t.server.store.forWorkspace(workspaceId).files.usedBytes()).toBe(before);
    for (const dir of scratchDirs()) {
      const { readdirSync: list } = await import('node:fs');
      expect(list(`${tmpdir()}/${dir}`).filter((name) => [overrun.uploadId, short.uploadId].includes(name))).toEqual(
        [],
      );
    }
    up.dispose();
  });

  it('downloads of another workspace’s file id fail like a missing one', async () => {
    const down = transfersFor(bob);
    const missing = await down['files.downloadBegin']({ workspaceId, fileId: randomUUID() }, sender);
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
    down.dispose();
  });
});
