import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffContentType, type TimelineMessage, type UploadManifest } from '../../shared/chat';
import type { WorkspaceEvent } from '../../shared/ws';
import { connectSocket, expectError, signedCall, type WsTestClient } from '../support/rawServerClient';
import { api, startTestServer, twoMembersInChannel, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Channel timelines over real HTTPS, WSS and SQLite: posts, edits, deletes, mentions, read markers, paging, inbound
 * webhook inputs, files, and a reconnecting client that replays what it missed.
 */

let t: TestServer;
let ada: TestClient;
let bob: TestClient;
let workspaceId: string;
let voiceId: string;
let textId: string;

beforeAll(async () => {
  t = await startTestServer({
    chat: { posts: { burst: 10_000, perSecond: 1000 }, uploads: { burst: 100, perSecond: 10 } },
  });
  const setup = await twoMembersInChannel(t.server, ['ada', 'bob']);
  ({ owner: ada, member: bob } = setup);
  workspaceId = setup.workspace.id;
  voiceId = setup.channel.id;
  textId = (await ada.call('createChannel', { params: { workspaceId }, body: { name: 'notes', kind: 'text' } })).channel
    .id;
});
afterAll(async () => {
  await t?.close();
});

const events = (socket: WsTestClient): WorkspaceEvent[] => socket.of('event').map((m) => m.event);
const post = (
  client: TestClient,
  channelId: string,
  body: string,
  extra: { replyTo?: string; attachments?: string[]; nonce?: string } = {},
) => client.call('postMessage', { params: { workspaceId, channelId }, body: { body, ...extra } });

function manifestFor(content: Buffer, name: string): UploadManifest {
  return {
    name,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentType: sniffContentType(content.subarray(0, 4096)),
  };
}

async function upload(client: TestClient, channelId: string, content: Buffer, name: string) {
  return api.upload(t.address(), {
    params: { workspaceId, channelId },
    manifest: manifestFor(content, name),
    content: Readable.from([content.subarray(0, 70_000), content.subarray(70_000)]),
    signer: client.signer,
  });
}

async function download(client: TestClient, fileId: string): Promise<{ bytes: Buffer; contentType: string }> {
  const opened = await api.download(t.address(), { params: { workspaceId, fileId }, signer: client.signer });
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { bytes: Buffer.concat(chunks), contentType: opened.contentType };
}

describe('channel kinds', () => {
  it('lists text channels beside voice ones; a text channel has no voice room', async () => {
    const { channels } = await bob.call('listChannels', { params: { workspaceId } });
    expect(channels.map((c) => [c.id, c.kind])).toEqual([
      [voiceId, 'voice'],
      [textId, 'text'],
    ]);
    expectError(await signedCall(t.server, bob, 'voiceCredentials', { body: { channelId: textId } }), 404, 'not_found');
    const { socket } = await connectSocket(t.server, bob, workspaceId);
    socket.send({ type: 'room.join', channelId: textId });
    expect((await socket.next('error')).code).toBe('not_found');
    socket.ws.close();
  });
});

describe('the timeline', () => {
  it('delivers posts, edits and deletes to every member as events, in order, and history follows them', async () => {
    const { socket: adaSocket } = await connectSocket(t.server, ada, workspaceId);
    const { socket: bobSocket } = await connectSocket(t.server, bob, workspaceId);
    const first = (await post(ada, voiceId, 'hello **bob**\r\nsecond line')).message;
    expect(first.body).toBe('hello **bob**\nsecond line');
    expect(first.author).toEqual({ kind: 'member', userId: ada.user.id });
    const reply = (await post(bob, voiceId, 'hi ada', { replyTo: first.id })).message;
    expect(reply.replyTo).toBe(first.id);
    const edited = (
      await ada.call('editMessage', { params: { workspaceId, messageId: first.id }, body: { body: 'hello bob' } })
    ).message;
    expect(edited.editedAt).not.toBeNull();
    await bob.call('deleteMessage', { params: { workspaceId, messageId: reply.id } });

    await bobSocket.next('event', (m) => m.event.type === 'message.deleted');
    for (const socket of [adaSocket, bobSocket]) {
      await socket.barrier();
      const seen = events(socket).filter((e) => e.type.startsWith('message.'));
      expect(seen.map((e) => e.type)).toEqual([
        'message.posted',
        'message.posted',
        'message.edited',
        'message.deleted',
      ]);
      expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));
      expect(seen[2]).toMatchObject({ payload: { message: { id: first.id, body: 'hello bob' } } });
      expect(seen[3]).toMatchObject({ payload: { channelId: voiceId, messageId: reply.id } });
    }
    const history = await bob.call('listMessages', { params: { workspaceId, channelId: voiceId } });
    expect(history.messages.map((m) => [m.id, m.body])).toEqual([[first.id, 'hello bob']]);
    expectError(
      await signedCall(t.server, bob, 'getMessage', { params: { workspaceId, messageId: reply.id } }),
      404,
      'not_found',
    );
    adaSocket.ws.close();
    bobSocket.ws.close();
  });

  it('answers a retried post (same nonce) with the first message, published once; refuses a nonce reused elsewhere', async () => {
    const { socket: bobSocket } = await connectSocket(t.server, bob, workspaceId);
    const nonce = randomUUID();
    const first = (await post(ada, textId, 'sent once', { nonce })).message;
    expect(first.nonce).toBe(nonce);
    // The app's retry after a lost answer: the same message comes back, nothing new is stored or announced.
    const retry = (await post(ada, textId, 'sent once', { nonce })).message;
    expect(retry).toEqual(first);
    await post(ada, textId, 'after the retry');
    await bobSocket.next(
      'event',
      (m) => m.event.type === 'message.posted' && m.event.payload.message.body === 'after the retry',
    );
    const posted = events(bobSocket).filter((e) => e.type === 'message.posted');
    expect(posted.filter((e) => e.type === 'message.posted' && e.payload.message.id === first.id)).toHaveLength(1);
    const history = await bob.call('listMessages', { params: { workspaceId, channelId: textId } });
    expect(history.messages.filter((m) => m.body === 'sent once')).toHaveLength(1);

    // Another member's nonce is theirs: the same value from bob is bob's own post.
    expect((await post(bob, textId, 'bob, same nonce', { nonce })).message.id).not.toBe(first.id);
    // The nonce with another channel is refused, and that channel gets nothing.
    expectError(
      await signedCall(t.server, ada, 'postMessage', {
        params: { workspaceId, channelId: voiceId },
        body: { body: 'elsewhere', nonce },
      }),
      400,
      'invalid_input',
    );
    const voice = await bob.call('listMessages', { params: { workspaceId, channelId: voiceId } });
    expect(voice.messages.some((m) => m.body === 'elsewhere')).toBe(false);
    // A nonce that is not a random id is refused before anything is stored.
    expectError(
      await signedCall(t.server, ada, 'postMessage', {
        params: { workspaceId, channelId: textId },
        body: { body: 'bad nonce', nonce: '1' },
      }),
      400,
      'invalid_input',
    );
    // A retry that arrives after the first was deleted says so, and posts nothing.
    const doomedNonce = randomUUID();
    const doomed = (await post(ada, textId, 'posted then deleted', { nonce: doomedNonce })).message;
    await ada.call('deleteMessage', { params: { workspaceId, messageId: doomed.id } });
    expectError(
      await signedCall(t.server, ada, 'postMessage', {
        params: { workspaceId, channelId: textId },
        body: { body: 'posted then deleted', nonce: doomedNonce },
      }),
      410,
      'message_deleted',
    );
    const after = await bob.call('listMessages', { params: { workspaceId, channelId: textId } });
    expect(after.messages.some((m) => m.body === 'posted then deleted' || m.body === 'bad nonce')).toBe(false);
    bobSocket.ws.close();
  });

  it('lets only authors edit, authors and moderators delete (403 otherwise, nothing changes)', async () => {
    const mine = (await post(ada, textId, 'owner message')).message;
    const theirs = (await post(bob, textId, 'member message')).message;
    const refused = await signedCall(t.server, bob, 'editMessage', {
      params: { workspaceId, messageId: mine.id },
      body: { body: 'changed by bob' },
    });
    expectError(refused, 403, 'forbidden');
    expectError(
      await signedCall(t.server, bob, 'deleteMessage', { params: { workspaceId, messageId: mine.id } }),
      403,
      'forbidden',
    );
    expectError(
      await signedCall(t.server, ada, 'editMessage', {
        params: { workspaceId, messageId: theirs.id },
        body: { body: 'changed by the owner' },
      }),
      403,
      'forbidden',
    );
    expect((await bob.call('getMessage', { params: { workspaceId, messageId: mine.id } })).message).toEqual(mine);
    // The owner moderates: deleting bob's message works.
    await ada.call('deleteMessage', { params: { workspaceId, messageId: theirs.id } });
    expectError(
      await signedCall(t.server, ada, 'getMessage', { params: { workspaceId, messageId: theirs.id } }),
      404,
      'not_found',
    );
  });

  it('resolves @name mentions server-side, counts unread and mentions, and keeps read markers private', async () => {
    const channelId = (
      await ada.call('createChannel', { params: { workspaceId }, body: { name: 'mentions', kind: 'text' } })
    ).channel.id;
    const { socket: adaSocket } = await connectSocket(t.server, ada, workspaceId);
    const { socket: bobSocket } = await connectSocket(t.server, bob, workspaceId);
    await post(ada, channelId, 'plain');
    const mention = (await post(ada, channelId, 'ping @BOB, and @nobody or email@bob')).message;
    expect(mention.mentions).toEqual([bob.user.id]);
    const last = (await post(ada, channelId, 'last')).message;
    await post(bob, channelId, 'my own does not count');

    const unread = (await bob.call('listUnread', { params: { workspaceId } })).channels;
    expect(unread.find((c) => c.channelId === channelId)).toEqual({
      channelId,
      unread: 3,
      mentions: 1,
      lastReadMessageId: null,
    });
    const marked = await bob.call('setReadMarker', {
      params: { workspaceId, channelId },
      body: { messageId: mention.id },
    });
    expect(marked.unread).toEqual({ channelId, unread: 1, mentions: 0, lastReadMessageId: mention.id });
    // A marker never moves back.
    const older = await bob.call('listMessages', { params: { workspaceId, channelId } });
    const back = await bob.call('setReadMarker', {
      params: { workspaceId, channelId },
      body: { messageId: older.messages[0]!.id },
    });
    expect(back.unread.lastReadMessageId).toBe(mention.id);
    await bob.call('setReadMarker', { params: { workspaceId, channelId }, body: { messageId: last.id } });

    await bobSocket.next(
      'event',
      (m) => m.event.type === 'readMarker.updated' && m.event.payload.lastReadMessageId === last.id,
    );
    await adaSocket.barrier();
    const adaSaw = events(adaSocket);
    expect(adaSaw.some((e) => e.type === 'readMarker.updated')).toBe(false);
    // Ada's stream skipped bob's private events: its seqs still increase.
    const seqs = adaSaw.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const ownUnread = (await ada.call('listUnread', { params: { workspaceId } })).channels.find(
      (c) => c.channelId === channelId,
    );
    expect(ownUnread).toMatchObject({ unread: 1, mentions: 0 });
    adaSocket.ws.close();
    bobSocket.ws.close();
  });

  it('pages history with a before cursor, at most 100 a page, oldest first in each page', async () => {
    const channelId = (
      await ada.call('createChannel', { params: { workspaceId }, body: { name: 'long', kind: 'text' } })
    ).channel.id;
    const posted: TimelineMessage[] = [];
    for (let i = 0; i < 230; i += 1) {
      posted.push(
        await t.server.timeline.postMemberMessage({ workspaceId, channelId, userId: ada.user.id, body: `m${i}` }),
      );
    }
    const seen: string[] = [];
    let page = await bob.call('listMessages', { params: { workspaceId, channelId } });
    const sizes = [page.messages.length];
    seen.unshift(...page.messages.map((m) => m.body));
    while (page.hasMore) {
      page = await bob.call('listMessagesBefore', {
        params: { workspaceId, channelId, messageId: page.messages[0]!.id },
      });
      sizes.push(page.messages.length);
      seen.unshift(...page.messages.map((m) => m.body));
    }
    expect(sizes).toEqual([100, 100, 30]);
    expect(seen).toEqual(posted.map((m) => m.body));
    expectError(
      await signedCall(t.server, bob, 'listMessagesBefore', {
        params: { workspaceId, channelId: textId, messageId: posted[5]!.id },
      }),
      404,
      'not_found',
    );
  });

  it('takes messages from inbound webhook inputs into the same timeline (appendInputMessage)', async () => {
    const { socket } = await connectSocket(t.server, bob, workspaceId);
    const inputId = randomUUID();
    const message = await t.server.timeline.appendInputMessage({
      workspaceId,
      channelId: textId,
      inputId,
      inputName: 'CI',
      body: 'build **green** for @bob',
    });
    expect(message).toMatchObject({ author: { kind: 'input', inputId, name: 'CI' }, mentions: [bob.user.id] });
    const event = await socket.next(
      'event',
      (m) => m.event.type === 'message.posted' && m.event.payload.message.id === message.id,
    );
    expect(event.event.payload).toEqual({ message });
    const history = await bob.call('listMessages', { params: { workspaceId, channelId: textId } });
    expect(history.messages.at(-1)).toEqual(message);
    // Refusals: a channel of no workspace of the input's, and bodies the timeline does not take.
    const before = await t.server.store.forWorkspace(workspaceId).events.latestSeq();
    const attempts = [
      { channelId: randomUUID(), body: 'x' },
      { channelId: textId, body: '' },
      { channelId: textId, body: 'x'.repeat(4001) },
      { channelId: textId, body: 'evil \u202Egnp.exe' },
    ];
    for (const attempt of attempts) {
      await expect(
        t.server.timeline.appendInputMessage({ workspaceId, inputId, inputName: 'CI', ...attempt }),
      ).rejects.toMatchObject({ name: 'TimelineError' });
    }
    expect(await t.server.store.forWorkspace(workspaceId).events.latestSeq()).toBe(before);
    socket.ws.close();
  });

  it('replays every message, edit and delete a disconnected client missed, in order and once', async () => {
    const { socket, welcome } = await connectSocket(t.server, bob, workspaceId);
    const kept = (await post(ada, textId, 'before the cut')).message;
    const seenEvent = await socket.next(
      'event',
      (m) => m.event.type === 'message.posted' && m.event.payload.message.id === kept.id,
    );
    socket.ws.terminate();
    expect(welcome.seq).toBeLessThan(seenEvent.event.seq);

    const missed = (await post(ada, textId, 'while away')).message;
    await ada.call('editMessage', {
      params: { workspaceId, messageId: missed.id },
      body: { body: 'while away, edited' },
    });
    await ada.call('deleteMessage', { params: { workspaceId, messageId: kept.id } });
    const resumed = await connectSocket(t.server, bob, workspaceId, {
      type: 'resume',
      workspaceId,
      lastSeq: seenEvent.event.seq,
    });
    await resumed.socket.next('event', (m) => m.event.type === 'message.deleted');
    await resumed.socket.barrier();
    const replay = events(resumed.socket).filter((e) => e.type.startsWith('message.'));
    expect(replay.map((e) => e.type)).toEqual(['message.posted', 'message.edited', 'message.deleted']);
    expect(new Set(replay.map((e) => e.id)).size).toBe(replay.length);
    expect(replay.every((e) => e.seq > seenEvent.event.seq)).toBe(true);
    resumed.socket.ws.close();
  });
});

describe('files', () => {
  it('uploads (streamed, encrypted), attaches, downloads with the same SHA-256, and a moderator removes it', async () => {
    const content = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300_000)]);
    const { file } = await upload(bob, textId, content, '../../report.pdf');
    expect(file).toMatchObject({ name: 'report.pdf', contentType: 'application/pdf', size: content.length });
    const message = (await post(bob, textId, '', { attachments: [file.id] })).message;
    expect(message.attachments).toEqual([file]);

    const fetched = await download(ada, file.id);
    expect(fetched.contentType).toBe('application/pdf');
    expect(createHash('sha256').update(fetched.bytes).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    );

    const { socket } = await connectSocket(t.server, bob, workspaceId);
    await ada.call('deleteFile', { params: { workspaceId, fileId: file.id } });
    const edited = await socket.next('event', (m) => m.event.type === 'message.edited');
    expect(edited.event.payload).toMatchObject({ message: { id: message.id, attachments: [] } });
    expect(await t.server.store.forWorkspace(workspaceId).files.get(file.id)).toBeUndefined();
    expectError(
      await signedCall(t.server, bob, 'downloadFile', { params: { workspaceId, fileId: file.id } }),
      404,
      'not_found',
    );
    socket.ws.close();
  });

  it('serves downloads as attachments that nothing renders in place', async () => {
    const content = Buffer.from('<html><script>alert(1)</script></html>');
    const { file } = await upload(ada, textId, content, 'page.html');
    expect(file.contentType).toBe('text/plain; charset=utf-8');
    const response = await signedCall(t.server, bob, 'downloadFile', { params: { workspaceId, fileId: file.id } });
    expect(response.status).toBe(200);
    expect(response.text).toBe(content.toString());
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
  });

  it('deleting a message deletes its files, rows and blobs', async () => {
    const content = Buffer.from('GIF89a' + 'x'.repeat(100));
    const { file } = await upload(bob, textId, content, 'a.gif');
    const message = (await post(bob, textId, 'with a file', { attachments: [file.id] })).message;
    await bob.call('deleteMessage', { params: { workspaceId, messageId: message.id } });
    expect(await t.server.store.forWorkspace(workspaceId).files.get(file.id)).toBeUndefined();
    expect(await t.server.store.forWorkspace(workspaceId).files.open(file.id)).toBeUndefined();
  });
});
