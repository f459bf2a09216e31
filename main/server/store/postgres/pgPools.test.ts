import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPostgresDatabase } from '../storeTestKit';
import { createPool } from './pgPools';
import { inTransaction } from './pgSql';
import { isDatabaseUnavailable } from './pgUnavailable';

/**
 * A connection that the server ends while the store holds it between two statements (PostgreSQL shutting down, a
 * failover, an operator's pg_terminate_backend): the error must reach the transaction, not the process. Node ends
 * a process on an 'error' event nobody listens to, and pg emits one when a checked-out connection with no query
 * running is told to go, which is how a whole node died when its database restarted.
 */
describe('a pool connection ended by the server while a transaction holds it', () => {
  const database = testPostgresDatabase(`pools_${randomBytes(6).toString('hex')}`);
  let pool: pg.Pool;
  let other: pg.Pool;

  beforeAll(async () => {
    await database.create();
    pool = createPool(database.url('whoot_app'), 2, 'test');
    other = createPool(database.url('whoot_app'), 1, 'test');
  });
  afterAll(async () => {
    await pool?.end();
    await other?.end();
    await database.drop();
  });

  it('fails that transaction as unavailable, and the pool goes on with a fresh connection', async () => {
    const outcome = inTransaction(pool, async (sql) => {
      const row = await sql.row<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Ended while this transaction waits on something else: no statement of its own is running.
      await other.query('SELECT pg_terminate_backend($1)', [row!.pid]);
      await new Promise((settle) => setTimeout(settle, 500));
      return sql.row('SELECT 1 AS one');
    });
    const error = await outcome.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    await expect(inTransaction(pool, (sql) => sql.row('SELECT 1 AS one'))).resolves.toEqual({ one: 1 });
  });

  it('sets transaction settings with BEGIN, exactly as given and for that transaction only', async () => {
    // A value that would end the literal and run a statement of its own if it were pasted unquoted.
    const hostile = "w'); SELECT pg_sleep(1); --\\ é";
    const seen = await inTransaction(
      pool,
      (sql) => sql.row<{ value: string }>("SELECT current_setting('whoot.test_setting') AS value"),
      { 'whoot.test_setting': hostile },
    );
    expect(seen?.value).toBe(hostile);
    const after = await inTransaction(pool, (sql) =>
      sql.row<{ value: string | null }>("SELECT current_setting('whoot.test_setting', true) AS value"),
    );
    expect(after?.value ?? '').toBe('');
  });
});
