import type { RelayOptions } from './relayServer';
import type { QuotaDecision } from './rateLimits';

/**
 * Messages between the pool (relayWorkers.ts, the thread that started the relay) and its worker threads
 * (relayWorkerEntry.ts). Both ends are this program's own code in one process, so this is a typed contract, not a
 * trust boundary: nothing from the network crosses it unparsed (the workers parse every packet themselves).
 */

/** What a worker starts from: the relay's options less what cannot cross threads (functions). */
export interface RelayWorkerData {
  readonly index: number;
  readonly options: Omit<RelayOptions, 'secret' | 'isSessionLive' | 'isMediaBlocked' | 'now' | 'log' | 'pool'>;
  readonly secrets: readonly string[];
  readonly checksSessions: boolean;
  readonly relayedPorts: SharedArrayBuffer;
  readonly counters: SharedArrayBuffer;
  readonly nonceKey: Uint8Array;
}

export type WorkerToPool =
  | { readonly type: 'ready'; readonly addresses: ListenAddresses }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'quota'; readonly id: number; readonly userId: string; readonly sessionId: string }
  | { readonly type: 'release'; readonly userId: string; readonly sessionId: string }
  | { readonly type: 'session'; readonly id: number; readonly sessionId: string; readonly userId: string }
  | { readonly type: 'closed' };

export type PoolToWorker =
  | { readonly type: 'quota'; readonly id: number; readonly decision: QuotaDecision }
  | {
      readonly type: 'session';
      readonly id: number;
      /** null: the check could not answer (the Allocate fails closed with 500). */
      readonly live: boolean | null;
      readonly mediaBlocked: boolean;
    }
  | { readonly type: 'endSession'; readonly sessionId: string }
  | { readonly type: 'mediaPolicy'; readonly userId: string; readonly blocked: boolean }
  | { readonly type: 'secrets'; readonly secrets: readonly string[] }
  | { readonly type: 'sweep' }
  /** Every worker has bound the shared ports: new clients may be served (RelayPoolMember.admitsClients). */
  | { readonly type: 'admit' }
  | { readonly type: 'close' };

export interface ListenAddresses {
  readonly udp: { host: string; port: number } | null;
  readonly tcp: { host: string; port: number } | null;
  readonly tls: { host: string; port: number } | null;
}
