import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  classifyFailure,
  delivered,
  discard,
  fromRecords,
  markSending,
  MAX_ONLINE_ATTEMPTS,
  newEntry,
  nextToSend,
  NOT_REACHED,
  RATE_LIMIT_WAIT_MS,
  retry,
  RETRY_BASE_MS,
  toRecords,
  type OutboxEntry,
} from './outbox';

const W = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a51';
const C = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61';
const nonce = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4b${String(n).padStart(2, '0')}`;
const entry = (n: number, online = true) =>
  newEntry({ nonce: nonce(n), workspaceId: W, channelId: C, body: `m${n}`, attachments: [], createdAt: n }, online);
const unreachable = { code: 'server_unreachable', message: 'The connection to the server broke.' };
const stateOf = (entries: readonly OutboxEntry[]) => entries.map((e) => `${e.body}:${e.state}`);

describe('the outbox rules', () => {
  it('sends one message at a time, oldest queued first', () => {
    let entries: OutboxEntry[] = [entry(1), entry(2), entry(3)];
    expect(nextToSend(entries)?.body).toBe('m1');
    entries = markSending(entries, nonce(1));
    expect(nextToSend(entries)).toBeNull();
    entries = delivered(entries, nonce(1));
    expect(nextToSend(entries)?.body).toBe('m2');
    expect(nextToSend([])).toBeNull();
  });

  it('tells a lost request from a refusal, a rate limit and a post the server already had and deleted', () => {
    for (const code of ['server_unreachable', 'tls_failed', 'request_failed', 'server_error', 'internal_error']) {
      expect(classifyFailure({ code, message: '' })).toBe('network');
    }
    expect(classifyFailure({ code: 'rate_limited', message: '' })).toBe('rate_limited');
    expect(classifyFailure({ code: 'message_deleted', message: '' })).toBe('gone');
    for (const code of ['invalid_input', 'bad_attachment', 'not_found', 'forbidden']) {
      expect(classifyFailure({ code, message: '' })).toBe('refused');
    }
  });

  it('offline, a lost request waits for the connection without using up attempts', () => {
    const sending = markSending([entry(1)], nonce(1));
    const outcome = afterFailure(sending, nonce(1), unreachable, false);
    expect(outcome.retryInMs).toBeNull();
    expect(outcome.entries[0]).toMatchObject({ state: 'queued', attempts: 0, waited: true, error: null });
  });

  it('online, a lost request is tried again with backoff, then shown as failed, never dropped', () => {
    let entries: OutboxEntry[] = markSending([entry(1)], nonce(1));
    const waits: (number | null)[] = [];
    for (let attempt = 1; attempt <= MAX_ONLINE_ATTEMPTS; attempt += 1) {
      const outcome = afterFailure(entries, nonce(1), unreachable, true);
      waits.push(outcome.retryInMs);
      entries = markSending(outcome.entries, nonce(1));
    }
    expect(waits).toEqual([RETRY_BASE_MS, RETRY_BASE_MS * 2, null]);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ state: 'sending', error: NOT_REACHED });
    const failed = afterFailure(markSending([entry(1)], nonce(1)), nonce(1), unreachable, true);
    expect(failed.entries[0]?.state).toBe('queued');
  });

  it('shows a refusal as failed with the server’s reason; Retry queues it again in its place; Delete draft drops it', () => {
    const refusal = { code: 'bad_attachment', message: 'An attachment is not yours.' };
    let entries: OutboxEntry[] = [entry(1), ...markSending([entry(2)], nonce(2)), entry(3)];
    const outcome = afterFailure(entries, nonce(2), refusal, true);
    expect(outcome.retryInMs).toBeNull();
    entries = outcome.entries;
    expect(entries[1]).toMatchObject({ state: 'failed', error: refusal });
    expect(stateOf(entries)).toEqual(['m1:queued', 'm2:failed', 'm3:queued']);
    entries = retry(delivered(entries, nonce(1)), nonce(2));
    expect(entries[0]).toMatchObject({ body: 'm2', state: 'queued', error: null, attempts: 0 });
    expect(nextToSend(entries)?.body).toBe('m2');
    expect(stateOf(discard(entries, nonce(2)))).toEqual(['m3:queued']);
  });

  it('waits out a rate limit without counting it, and drops a post the server says it had and deleted', () => {
    const limited = afterFailure(
      markSending([entry(1)], nonce(1)),
      nonce(1),
      { code: 'rate_limited', message: '' },
      true,
    );
    expect(limited.retryInMs).toBe(RATE_LIMIT_WAIT_MS);
    expect(limited.entries[0]).toMatchObject({ state: 'queued', attempts: 0 });
    const gone = afterFailure(
      markSending([entry(1)], nonce(1)),
      nonce(1),
      { code: 'message_deleted', message: '' },
      true,
    );
    expect(gone.entries).toEqual([]);
  });

  it('is saved without its in-flight state or counters, and comes back queued', () => {
    const entries: OutboxEntry[] = [
      ...markSending([entry(1)], nonce(1)),
      { ...entry(2), state: 'failed', error: NOT_REACHED, attempts: 3 },
    ];
    const records = toRecords(entries);
    expect(records.map((record) => record.state)).toEqual(['queued', 'failed']);
    expect(Object.keys(records[0]!).sort()).toEqual(
      ['attachments', 'body', 'channelId', 'createdAt', 'error', 'nonce', 'state', 'workspaceId'].sort(),
    );
    expect(fromRecords(records).map((restored) => [restored.state, restored.attempts])).toEqual([
      ['queued', 0],
      ['failed', 0],
    ]);
  });
});
