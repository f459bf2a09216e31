import type { FileSummary } from '../../shared/chat';
import type { OutboxEntryRecord } from '../../shared/outbox';
import type { WhootError } from '../../shared/result';

/**
 * The outbox's rules, as plain functions over its entries (the store in outboxStore.ts runs them): one message at
 * a time in the order written, nothing attempted while offline, a network failure tried again with backoff, the
 * server's refusal shown as it came, and never a message dropped except by the user or by the server saying it
 * already has it.
 */

/** `sending` is never saved: a message that was on its way when the app stopped is queued again. */
export type OutboxPhase = 'queued' | 'sending' | 'failed';

export interface OutboxEntry extends Omit<OutboxEntryRecord, 'state'> {
  readonly state: OutboxPhase;
  /** Network failures in a row while the app was online (what gives up after MAX_ONLINE_ATTEMPTS). */
  readonly attempts: number;
  /** It waited for the connection at some point: its delivery is announced with the others that waited. */
  readonly waited: boolean;
}

export interface NewOutboxMessage {
  readonly nonce: string;
  readonly workspaceId: string;
  readonly channelId: string;
  readonly body: string;
  readonly attachments: readonly FileSummary[];
  readonly createdAt: number;
}

/** Tries while online before a network failure is shown as failed, with Retry. */
export const MAX_ONLINE_ATTEMPTS = 3;
/** Backoff after the first network failure, doubling for each further one. */
export const RETRY_BASE_MS = 1000;
/** How long a rate-limited post waits (the server's post bucket refills at one a second). */
export const RATE_LIMIT_WAIT_MS = 2000;

export type FailureKind = 'network' | 'rate_limited' | 'refused' | 'gone';

/** Codes that say the request or its answer was lost on the way, not that the server refused it. */
const NETWORK_CODES = new Set([
  'server_unreachable',
  'tls_failed',
  'request_failed',
  'server_error',
  'bad_response',
  'internal_error',
  'service_unavailable',
]);

export function classifyFailure(error: WhootError): FailureKind {
  if (error.code === 'rate_limited') return 'rate_limited';
  if (error.code === 'message_deleted') return 'gone';
  return NETWORK_CODES.has(error.code) ? 'network' : 'refused';
}

export const NOT_REACHED: WhootError = {
  code: 'server_unreachable',
  message: 'whoot could not reach the server.',
};

export function newEntry(message: NewOutboxMessage, online: boolean): OutboxEntry {
  return {
    ...message,
    attachments: [...message.attachments],
    state: 'queued',
    error: null,
    attempts: 0,
    waited: !online,
  };
}

/** The next message to send: the oldest queued one, unless one is on its way already (one at a time, in order). */
export function nextToSend(entries: readonly OutboxEntry[]): OutboxEntry | null {
  if (entries.some((entry) => entry.state === 'sending')) return null;
  return entries.find((entry) => entry.state === 'queued') ?? null;
}

const replace = (entries: readonly OutboxEntry[], nonce: string, patch: Partial<OutboxEntry> | null) =>
  patch === null
    ? entries.filter((entry) => entry.nonce !== nonce)
    : entries.map((entry) => (entry.nonce === nonce ? { ...entry, ...patch } : entry));

export const markSending = (entries: readonly OutboxEntry[], nonce: string) =>
  replace(entries, nonce, { state: 'sending' });

/** The server has it (its answer, or its event): the entry goes. */
export const delivered = (entries: readonly OutboxEntry[], nonce: string) => replace(entries, nonce, null);

/** The user's Retry: queued again from its place in the order, with a fresh count of attempts. */
export const retry = (entries: readonly OutboxEntry[], nonce: string) =>
  replace(entries, nonce, { state: 'queued', error: null, attempts: 0 });

/** The user's Delete draft. */
export const discard = (entries: readonly OutboxEntry[], nonce: string) => replace(entries, nonce, null);

/**
 * A failed attempt. Returns the entries and, when the queue should try again by itself, after how long (null: not
 * until the connection comes back or the user says Retry).
 */
export function afterFailure(
  entries: readonly OutboxEntry[],
  nonce: string,
  error: WhootError,
  online: boolean,
): { readonly entries: OutboxEntry[]; readonly retryInMs: number | null } {
  const entry = entries.find((candidate) => candidate.nonce === nonce);
  if (entry === undefined) return { entries: [...entries], retryInMs: null };
  switch (classifyFailure(error)) {
    case 'gone':
      // Posted by an earlier attempt and deleted since: nothing is left to send.
      return { entries: delivered(entries, nonce), retryInMs: null };
    case 'refused':
      return { entries: replace(entries, nonce, { state: 'failed', error }), retryInMs: null };
    case 'rate_limited':
      return { entries: replace(entries, nonce, { state: 'queued' }), retryInMs: RATE_LIMIT_WAIT_MS };
    case 'network': {
      if (!online) return { entries: replace(entries, nonce, { state: 'queued', waited: true }), retryInMs: null };
      const attempts = entry.attempts + 1;
      if (attempts >= MAX_ONLINE_ATTEMPTS) {
        return { entries: replace(entries, nonce, { state: 'failed', attempts, error: NOT_REACHED }), retryInMs: null };
      }
      return {
        entries: replace(entries, nonce, { state: 'queued', attempts, waited: true }),
        retryInMs: RETRY_BASE_MS * 2 ** (attempts - 1),
      };
    }
  }
}

/** What main keeps: no `sending` (it is queued again next time), no counters. */
export function toRecords(entries: readonly OutboxEntry[]): OutboxEntryRecord[] {
  return entries.map(({ attempts: _attempts, waited: _waited, state, ...record }) => ({
    ...record,
    attachments: [...record.attachments],
    state: state === 'failed' ? 'failed' : 'queued',
  }));
}

export function fromRecords(records: readonly OutboxEntryRecord[]): OutboxEntry[] {
  return records.map((record) => ({ ...record, attempts: 0, waited: true }));
}
