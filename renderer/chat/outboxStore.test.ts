import { describe, expect, it } from 'vitest';
import type { TimelineMessage } from '../../shared/chat';
import type { OutboxEntryRecord } from '../../shared/outbox';
import { fail, ok, type Result } from '../../shared/result';
import { createFakeWhootApi, deferred, userId, workspaceA } from '../testing/fakeWhootApi';
import { manualClock } from '../testing/manualClock';
import { createOutboxStore } from './outboxStore';

const CHANNEL = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61';
const ACCOUNT = 'voice.example.org:8443/' + userId;

function setup(options: { online?: boolean; kept?: OutboxEntryRecord[] } = {}) {
  const fake = createFakeWhootApi();
  const clock = manualClock();
  let online = options.online ?? true;
  const onlineListeners = new Set<(online: boolean) => void>();
  let account: string | null = ACCOUNT;
  const accountListeners = new Set<(account: string | null) => void>();
  const posts: {
    nonce: string | undefined;
    body: string;
    answer: ReturnType<typeof deferred<Result<{ message: TimelineMessage }>>>;
  }[] = [];
  const saved: OutboxEntryRecord[][] = [];
  const delivered: string[] = [];
  const announced: string[] = [];
  const load = deferred<Result<{ entries: OutboxEntryRecord[] }>>();
  fake.answer('outbox.load', () => load.promise);
  fake.answer('outbox.save', async ({ entries }) => {
    saved.push(entries as OutboxEntryRecord[]);
    return ok({});
  });
  fake.answer('chat.post', (request) => {
    const answer = deferred<Result<{ message: TimelineMessage }>>();
    posts.push({ nonce: request.message.nonce, body: request.message.body, answer });
    return answer.promise;
  });
  let nonces = 0;
  const { store, dispose } = createOutboxStore({
    api: fake.api,
    online: {
      get: () => online,
      subscribe: (listener) => {
        onlineListeners.add(listener);
        return () => onlineListeners.delete(listener);
      },
    },
    account: {
      get: () => account,
      subscribe: (listener) => {
        accountListeners.add(listener);
        return () => accountListeners.delete(listener);
      },
    },
    onDelivered: (message) => delivered.push(message.body),
    announce: (text) => announced.push(text),
    clock,
    newNonce: () => `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b${String(++nonces).padStart(2, '0')}`,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const message = (body: string, nonce: string | undefined): TimelineMessage => ({
    id: nonce ?? crypto.randomUUID(),
    workspaceId: workspaceA.id,
    channelId: CHANNEL,
    author: { kind: 'member', userId },
    body,
    createdAt: 1,
    editedAt: null,
    replyTo: null,
    mentions: [],
    attachments: [],
    ...(nonce === undefined ? {} : { nonce }),
  });
  return {
    store,
    dispose,
    clock,
    posts,
    saved,
    delivered,
    announced,
    settle,
    async loaded(entries: OutboxEntryRecord[] = options.kept ?? []) {
      load.resolve(ok({ entries }));
      await settle();
    },
    setOnline(value: boolean) {
      online = value;
      for (const listener of onlineListeners) listener(value);
    },
    setAccount(value: string | null) {
      account = value;
      for (const listener of accountListeners) listener(value);
    },
    async answer(index: number, result: Result<{ message: TimelineMessage }> | 'ok') {
      const post = posts[index]!;
      post.answer.resolve(result === 'ok' ? ok({ message: message(post.body, post.nonce) }) : result);
      await settle();
    },
    send: (body: string) =>
      store.getState().enqueue({ workspaceId: workspaceA.id, channelId: CHANNEL, body, attachments: [] }),
    states: () => store.getState().entries.map((entry) => `${entry.body}:${entry.state}`),
  };
}

const unreachable = fail('server_unreachable', 'The connection to the server broke.');

describe('the outbox store', () => {
  it('queues what is written offline, shows it pending in order, and sends it in order once back online', async () => {
    const t = setup({ online: false });
    await t.loaded();
    t.send('one');
    t.send('two');
    t.send('three');
    expect(t.posts).toHaveLength(0);
    expect(t.states()).toEqual(['one:queued', 'two:queued', 'three:queued']);
    expect(t.announced[0]).toMatch(/queued/);
    t.setOnline(true);
    expect(t.posts.map((post) => post.body)).toEqual(['one']);
    await t.answer(0, 'ok');
    expect(t.posts.map((post) => post.body)).toEqual(['one', 'two']);
    await t.answer(1, 'ok');
    await t.answer(2, 'ok');
    expect(t.delivered).toEqual(['one', 'two', 'three']);
    expect(t.states()).toEqual([]);
    expect(t.announced.at(-1)).toBe('Sent 3 queued messages.');
    expect(t.saved.at(-1)).toEqual([]);
  });

  it('retries a lost post with the same nonce, then shows it failed; Retry sends it (same nonce again)', async () => {
    const t = setup();
    await t.loaded();
    const sent = t.send('hello');
    expect(sent.ok).toBe(true);
    await t.answer(0, unreachable);
    expect(t.states()).toEqual(['hello:queued']);
    t.clock.advance(1000);
    await t.answer(1, unreachable);
    t.clock.advance(2000);
    await t.answer(2, unreachable);
    expect(t.states()).toEqual(['hello:failed']);
    expect(t.store.getState().entries[0]?.error?.message).toMatch(/could not reach/);
    expect(t.announced.at(-1)).toMatch(/^Message not sent/);
    // Nothing more happens by itself: no timer, no attempt.
    t.clock.advance(60_000);
    expect(t.posts).toHaveLength(3);
    // Kept for the next run as failed, not dropped.
    expect(t.saved.at(-1)?.map((record) => record.state)).toEqual(['failed']);

    t.store.getState().retry(sent.ok ? sent.value : '');
    await t.answer(3, 'ok');
    expect(t.delivered).toEqual(['hello']);
    expect(new Set(t.posts.map((post) => post.nonce))).toEqual(new Set([sent.ok ? sent.value : '']));
  });

  it('a refused message fails at once with the server’s reason and does not hold up the next one', async () => {
    const t = setup();
    await t.loaded();
    t.send('refused');
    t.send('fine');
    await t.answer(0, fail('bad_attachment', 'An attachment is not a file you uploaded.'));
    expect(t.states()).toEqual(['refused:failed', 'fine:sending']);
    await t.answer(1, 'ok');
    t.store.getState().discard(t.store.getState().entries[0]!.nonce);
    expect(t.states()).toEqual([]);
    expect(t.saved.at(-1)).toEqual([]);
  });

  it('going offline mid-post keeps the message queued (no attempt used) until the connection is back', async () => {
    const t = setup();
    await t.loaded();
    t.send('in flight');
    t.setOnline(false);
    await t.answer(0, unreachable);
    expect(t.store.getState().entries[0]).toMatchObject({ state: 'queued', attempts: 0 });
    t.clock.advance(60_000);
    expect(t.posts).toHaveLength(1);
    t.setOnline(true);
    await t.answer(1, 'ok');
    expect(t.delivered).toEqual(['in flight']);
  });

  it('restores what main kept before anything new, so a new message never overtakes an older one', async () => {
    const kept: OutboxEntryRecord[] = [
      {
        nonce: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4c01',
        workspaceId: workspaceA.id,
        channelId: CHANNEL,
        body: 'from last run',
        attachments: [],
        createdAt: 1,
        state: 'queued',
        error: null,
      },
    ];
    const t = setup({ kept });
    t.send('new');
    expect(t.posts).toHaveLength(0);
    await t.loaded();
    expect(t.states()).toEqual(['from last run:sending', 'new:queued']);
    expect(t.posts[0]?.nonce).toBe(kept[0]!.nonce);
    expect(t.saved.at(-1)?.map((record) => record.body)).toEqual(['from last run', 'new']);
  });

  it('drops a message the server announced by its nonce, and starts over for another account', async () => {
    const t = setup({ online: false });
    await t.loaded();
    const sent = t.send('lost answer');
    t.store.getState().seen(sent.ok ? sent.value : '');
    expect(t.states()).toEqual([]);
    t.send('mine');
    t.setAccount(null);
    expect(t.states()).toEqual([]);
    expect(t.send('signed out')).toMatchObject({ ok: false, error: { code: 'not_signed_in' } });
    t.dispose();
  });
});
