import { RELAY_SESSION_BATCH } from '../../../shared/rest/endpoints';
import { RelayApiError, type RelayApiClient } from './relayApiClient';

/**
 * The session check of a relay run apart: before it allocates for a session it has not verified lately, it asks the
 * server (POST /v1/relay/sessions) whether that session is live and belongs to the user the TURN username names.
 * The HMAC of a TURN REST credential proves only that someone holding the secret minted it; this ties every
 * allocation to a session the server issued and has not ended, so a leaked secret alone starts nothing (and cannot
 * dodge the per-user quota with made-up user ids), as with the embedded relay, which asks its store.
 *
 * - **Cached.** A verified session is trusted for `verifiedForMs` (then asked again, which also catches a
 *   revocation the feed missed); an unknown one is refused for `unknownForMs` without asking again, so a flood of
 *   one forged username costs the server one question. Revocations from the feed win over both.
 * - **Batched.** Questions that wait while `maxInFlight` calls are out go together, up to RELAY_SESSION_BATCH a
 *   call, and concurrent questions about one session share one answer: a rush of Allocates costs a few requests.
 * - **Fails closed.** When the server cannot answer (unreachable, an unsigned or tampered answer), the promise
 *   rejects and the relay refuses the Allocate with 500; nothing is cached, so the next try asks again.
 */
export interface SessionCheckOptions {
  readonly api: Pick<RelayApiClient, 'call'>;
  /** The revocation feed's verdict (revocationFeed.ts isLive negated): a revoked session is never asked about. */
  readonly isRevoked: (sessionId: string) => boolean;
  readonly verifiedForMs?: number;
  readonly unknownForMs?: number;
  /** Cached verdicts kept; the oldest go first. */
  readonly maxEntries?: number;
  readonly maxInFlight?: number;
  /** Unix milliseconds. */
  readonly now?: () => number;
}

export interface SessionCheck {
  /** The relay's isSessionLive. Rejects when the server cannot tell. */
  isSessionLive(sessionId: string, userId: string): Promise<boolean>;
}

export const SESSION_CHECK_DEFAULTS = {
  verifiedForMs: 5 * 60_000,
  unknownForMs: 60_000,
  maxEntries: 100_000,
  maxInFlight: 4,
} as const;

interface Question {
  readonly sessionId: string;
  readonly userId: string;
  readonly answer: Promise<boolean>;
  resolve(live: boolean): void;
  reject(error: unknown): void;
}

export function createSessionCheck(options: SessionCheckOptions): SessionCheck {
  const now = options.now ?? Date.now;
  const verifiedForMs = options.verifiedForMs ?? SESSION_CHECK_DEFAULTS.verifiedForMs;
  const unknownForMs = options.unknownForMs ?? SESSION_CHECK_DEFAULTS.unknownForMs;
  const maxEntries = options.maxEntries ?? SESSION_CHECK_DEFAULTS.maxEntries;
  const maxInFlight = options.maxInFlight ?? SESSION_CHECK_DEFAULTS.maxInFlight;
  /** `sessionId|userId` -> verdict and until when it holds; insertion order is age order. */
  const verdicts = new Map<string, { live: boolean; until: number }>();
  /** Asked or waiting to be asked, by key: later askers share the answer. */
  const open = new Map<string, Question>();
  const waiting: Question[] = [];
  let inFlight = 0;

  const remember = (key: string, live: boolean) => {
    verdicts.delete(key);
    verdicts.set(key, { live, until: now() + (live ? verifiedForMs : unknownForMs) });
    if (verdicts.size > maxEntries) {
      const oldest = verdicts.keys().next();
      if (!oldest.done) verdicts.delete(oldest.value);
    }
  };

  const send = (batch: Question[]) => {
    inFlight += 1;
    options.api
      .call('relaySessions', { sessions: batch.map(({ sessionId, userId }) => ({ sessionId, userId })) })
      .then(({ live }) => {
        if (live.length !== batch.length) throw new RelayApiError('the answer does not match the question');
        batch.forEach((question, i) => {
          const verdict = live[i] === true;
          remember(`${question.sessionId}|${question.userId}`, verdict);
          question.resolve(verdict);
        });
      })
      .catch((error: unknown) => {
        for (const question of batch) question.reject(error);
      })
      .finally(() => {
        for (const question of batch) open.delete(`${question.sessionId}|${question.userId}`);
        inFlight -= 1;
        pump();
      });
  };

  const pump = () => {
    while (inFlight < maxInFlight && waiting.length > 0) send(waiting.splice(0, RELAY_SESSION_BATCH));
  };

  return {
    isSessionLive(sessionId, userId) {
      if (options.isRevoked(sessionId)) return Promise.resolve(false);
      const key = `${sessionId}|${userId}`;
      const known = verdicts.get(key);
      if (known !== undefined && known.until > now()) return Promise.resolve(known.live);
      const asked = open.get(key);
      if (asked !== undefined) return asked.answer;
      let resolve!: (live: boolean) => void;
      let reject!: (error: unknown) => void;
      const answer = new Promise<boolean>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      const question: Question = { sessionId, userId, answer, resolve, reject };
      open.set(key, question);
      waiting.push(question);
      // On the next turn, so the Allocates that arrive together leave together.
      setImmediate(pump);
      return answer;
    },
  };
}
