import { createStore, type StoreApi } from 'zustand/vanilla';
import type { TimelineMessage } from '../../shared/chat';
import type { WhootApi } from '../../shared/ipc';
import { OUTBOX_MAX_ENTRIES } from '../../shared/outbox';
import { fail, ok, type Result } from '../../shared/result';
import { realClock, type VoiceClock } from '../voice/ports';
import {
  afterFailure,
  delivered,
  discard,
  fromRecords,
  markSending,
  newEntry,
  NOT_REACHED,
  nextToSend,
  retry,
  toRecords,
  type NewOutboxMessage,
  type OutboxEntry,
} from './outbox';

export interface OutboxState {
  readonly entries: readonly OutboxEntry[];
  /** Enqueues a message the user sent (already checked against the post schema); it is sent when it can be. */
  enqueue(message: Omit<NewOutboxMessage, 'nonce' | 'createdAt'>): Result<string>;
  retry(nonce: string): void;
  /** Delete draft: the message is dropped without being sent. */
  discard(nonce: string): void;
  /** The server announced the message (an event carrying its nonce): whatever the answer said, it is there. */
  seen(nonce: string): void;
}

export type OutboxStore = StoreApi<OutboxState>;

/** Whether the app is connected to the server now, and a way to hear when that changes. */
export interface OnlineSignal {
  get(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface OutboxDeps {
  readonly api: WhootApi;
  readonly online: OnlineSignal;
  /** Whose outbox: the signed-in account changing (or signing out) starts over from what main keeps for it. */
  readonly account: { get(): string | null; subscribe(listener: (account: string | null) => void): () => void };
  /** A message the server confirmed: the chat shows it in place of the pending copy. */
  readonly onDelivered: (message: TimelineMessage) => void;
  readonly announce: (text: string, politeness?: 'polite' | 'assertive') => void;
  readonly clock?: Pick<VoiceClock, 'now' | 'setTimeout' | 'clearTimeout'>;
  readonly newNonce?: () => string;
}

/**
 * The chat outbox (docs/chat.md, "Sending and the outbox"): every message goes through it, so one written offline,
 * or whose post failed on the way, waits in the timeline as pending and is sent in order once the server can be
 * reached, or shows why it failed with Retry and Delete draft. Each carries a nonce from the moment it is written,
 * so a retry after a lost answer is the same post on the server. Main keeps the queue across restarts
 * (`outbox.load`/`outbox.save`), for the signed-in account only.
 */
export function createOutboxStore(deps: OutboxDeps): { store: OutboxStore; dispose: () => void } {
  const { api } = deps;
  const clock = deps.clock ?? realClock;
  const newNonce = deps.newNonce ?? (() => crypto.randomUUID());
  let loadedFor: string | null = null;
  let generation = 0;
  let retryTimer: unknown = null;
  let persistable = true;
  let saving: Promise<unknown> | null = null;
  let saveAgain = false;
  /** Deliveries of messages that had waited, announced together once the queue has emptied. */
  let deliveredAfterWait = 0;

  const store = createStore<OutboxState>()((_set, get) => ({
    entries: [],
    enqueue(message) {
      if (loadedFor === null && deps.account.get() === null) return fail('not_signed_in', 'Sign in first.');
      if (get().entries.length >= OUTBOX_MAX_ENTRIES) {
        return fail('outbox_full', `${OUTBOX_MAX_ENTRIES} messages are waiting to be sent; send or delete some first.`);
      }
      const online = deps.online.get();
      const nonce = newNonce();
      change([...get().entries, newEntry({ ...message, nonce, createdAt: clock.now() }, online)]);
      if (!online) deps.announce('Message queued. whoot will send it when the connection is back.');
      pump();
      return ok(nonce);
    },
    retry(nonce) {
      change(retry(get().entries, nonce));
      pump();
    },
    discard(nonce) {
      change(discard(get().entries, nonce));
    },
    seen(nonce) {
      const entry = get().entries.find((candidate) => candidate.nonce === nonce);
      // One on its way is left to its answer, which brings the same message.
      if (entry !== undefined && entry.state !== 'sending') change(delivered(get().entries, nonce));
    },
  }));

  function change(entries: readonly OutboxEntry[]): void {
    store.setState({ entries });
    persist();
  }

  /** Saves the whole queue, one save at a time; changes made meanwhile go out in the next. */
  function persist(): void {
    if (!persistable || loadedFor === null) return;
    if (saving !== null) {
      saveAgain = true;
      return;
    }
    const mine = generation;
    saving = api.outbox
      .save({ entries: toRecords(store.getState().entries) })
      .then((saved) => {
        if (!saved.ok && saved.error.code === 'outbox_unavailable') persistable = false;
      })
      .finally(() => {
        saving = null;
        if (saveAgain && mine === generation) {
          saveAgain = false;
          persist();
        }
      });
  }

  function clearRetry(): void {
    if (retryTimer !== null) clock.clearTimeout(retryTimer);
    retryTimer = null;
  }

  function pump(): void {
    // Not before the kept queue is loaded: a new message must not overtake older ones from the last run.
    if (retryTimer !== null || loadedFor === null || !deps.online.get()) return;
    const next = nextToSend(store.getState().entries);
    if (next === null) return;
    const mine = generation;
    store.setState({ entries: markSending(store.getState().entries, next.nonce) });
    void api.chat
      .post({
        workspaceId: next.workspaceId,
        channelId: next.channelId,
        message: { body: next.body, attachments: next.attachments.map((file) => file.id), nonce: next.nonce },
      })
      .catch(() => fail('request_failed', 'The app did not answer.'))
      .then((posted) => {
        if (mine !== generation) return;
        if (posted.ok) {
          if (next.waited) deliveredAfterWait += 1;
          change(delivered(store.getState().entries, next.nonce));
          deps.onDelivered(posted.value.message);
          announceWhenEmptied();
          return pump();
        }
        const outcome = afterFailure(store.getState().entries, next.nonce, posted.error, deps.online.get());
        change(outcome.entries);
        const now = outcome.entries.find((entry) => entry.nonce === next.nonce);
        if (now?.state === 'failed') {
          deps.announce(`Message not sent: ${now.error?.message ?? 'the server refused it.'}`, 'assertive');
        }
        if (outcome.retryInMs !== null) {
          retryTimer = clock.setTimeout(() => {
            retryTimer = null;
            pump();
          }, outcome.retryInMs);
        } else if (now?.state !== 'queued' && now?.error?.code !== NOT_REACHED.code) {
          // A refused message does not hold up the rest; one the server did not answer leaves them waiting for the
          // connection to come back, or for Retry, instead of each failing in turn.
          pump();
        }
      });
  }

  function announceWhenEmptied(): void {
    if (deliveredAfterWait === 0 || store.getState().entries.some((entry) => entry.state !== 'failed')) return;
    deps.announce(deliveredAfterWait === 1 ? 'Sent 1 queued message.' : `Sent ${deliveredAfterWait} queued messages.`);
    deliveredAfterWait = 0;
  }

  /** A new account (or none): forget what was shown and read what main keeps for this one. */
  function follow(account: string | null): void {
    if (account === loadedFor) return;
    generation += 1;
    clearRetry();
    loadedFor = null;
    deliveredAfterWait = 0;
    store.setState({ entries: [] });
    if (account === null) return;
    const mine = generation;
    void api.outbox.load().then((loaded) => {
      if (mine !== generation) return;
      loadedFor = account;
      // Whatever was written before the load answered goes after what was kept.
      const kept = loaded.ok ? fromRecords(loaded.value.entries) : [];
      if (!loaded.ok && loaded.error.code === 'outbox_unavailable') persistable = false;
      const known = new Set(kept.map((entry) => entry.nonce));
      store.setState({ entries: [...kept, ...store.getState().entries.filter((entry) => !known.has(entry.nonce))] });
      if (store.getState().entries.length > kept.length) persist();
      pump();
    });
  }

  const unsubscribers = [
    deps.online.subscribe((online) => {
      if (!online) return;
      // Back online: what waited for the connection goes now, without waiting out a backoff.
      clearRetry();
      pump();
    }),
    deps.account.subscribe(follow),
  ];
  follow(deps.account.get());

  return {
    store,
    dispose() {
      generation += 1;
      clearRetry();
      for (const unsubscribe of unsubscribers) unsubscribe();
    },
  };
}
