import type { FieldCodec } from '../encryptedColumns';
import type { PgAccess } from './pgPools';

/** What every PostgreSQL repository is built from; one per open store (the PostgreSQL twin of ../context.ts). */
export interface PgStoreContext {
  readonly db: PgAccess;
  /** Unix epoch milliseconds; injected so tests can move time. */
  readonly now: () => number;
  readonly fields: FieldCodec;
}
