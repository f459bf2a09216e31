import { describe, expect, it } from 'vitest';
import { entryHash, GENESIS_HASH } from './auditChain';
import { type StoreTestKit, STORE_BACKENDS, freshStoreEachTest } from './storeTestKit';
import type { Store } from './types';

describe.each(STORE_BACKENDS)('%s store', (backend) => {
  let kit: StoreTestKit;
  let store: Store;
  freshStoreEachTest(backend, (opened) => {
    ({ kit, store } = opened);
  });

  async function appendFive() {
    for (let i = 1; i <= 5; i += 1) {
      kit.clock.now += 1000;
      await store.audit.append({
        type: `event.${i}`,
        actorUserId: `user-${i}`,
        workspaceId: `ws-${i}`,
        details: { index: i, note: 'n' },
      });
    }
  }

  // Playing an attacker with write access to the database: the triggers go first, then the edit.
  async function tamper(sql: string, ...params: unknown[]) {
    const raw = await kit.sql();
    const triggers =
      backend === 'sqlite'
        ? ['DROP TRIGGER audit_log_no_update', 'DROP TRIGGER audit_log_no_delete']
        : ['DROP TRIGGER audit_log_no_update ON audit_log'];
    for (const drop of triggers) await raw.run(drop);
    await raw.run(sql, ...params);
  }

  describe('audit log', () => {
    it('chains each entry to the one before and verifies', async () => {
      expect(await store.audit.verify()).toEqual({ ok: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH } });
      const first = await store.audit.append({ type: 'server.started' });
      const second = await store.audit.append({ type: 'user.created', actorUserId: 'u1', details: { b: 2, a: 1 } });
      expect(first).toMatchObject({
        seq: 1,
        prevHash: GENESIS_HASH,
        actorUserId: null,
        workspaceId: null,
        details: {},
      });
      expect(second.prevHash).toBe(first.hash);
      expect(second.hash).toBe(
        entryHash({
          seq: 2,
          at: kit.clock.now,
          type: 'user.created',
          actorUserId: 'u1',
          workspaceId: null,
          detailsJson: '{"a":1,"b":2}',
          prevHash: first.hash,
        }),
      );
      expect(await store.audit.verify()).toEqual({ ok: true, entries: 2, head: { seq: 2, hash: second.hash } });
      expect(await store.audit.head()).toEqual({ seq: 2, hash: second.hash });
      expect((await store.audit.since(1, 10)).map((entry) => entry.seq)).toEqual([2]);
    });

    it('hashes details independently of key order', async () => {
      const a = await store.audit.append({ type: 't', details: { x: 1, y: { q: 1, p: 2 } } });
      const raw = await (
        await kit.sql()
      ).get<{ details: string }>('SELECT details FROM audit_log WHERE seq = ?', a.seq);
      expect(raw?.details).toBe('{"x":1,"y":{"p":2,"q":1}}');
      await expect(store.audit.append({ type: 't', details: { bad: Number.NaN } })).rejects.toThrow(TypeError);
    });

    it('refuses updates and deletes even through a raw connection', async () => {
      await appendFive();
      const raw = await kit.sql();
      await expect(raw.run("UPDATE audit_log SET type = 'x' WHERE seq = 1")).rejects.toThrow(/append-only/);
      await expect(raw.run('DELETE FROM audit_log WHERE seq = 5')).rejects.toThrow(/append-only/);
      if (backend === 'postgres') await expect(raw.run('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      expect(await store.audit.verify()).toMatchObject({ ok: true, entries: 5 });
    });

    const edits: [string, string, unknown][] = [
      ['at', 'UPDATE audit_log SET at = at + 1 WHERE seq = ?', 'hash_mismatch'],
      ['type', "UPDATE audit_log SET type = 'innocent' WHERE seq = ?", 'hash_mismatch'],
      ['actor', "UPDATE audit_log SET actor_user_id = 'someone-else' WHERE seq = ?", 'hash_mismatch'],
      ['actor removed', 'UPDATE audit_log SET actor_user_id = NULL WHERE seq = ?', 'hash_mismatch'],
      ['workspace', "UPDATE audit_log SET workspace_id = 'ws-other' WHERE seq = ?", 'hash_mismatch'],
      ['details', `UPDATE audit_log SET details = '{"index":0,"note":"n"}' WHERE seq = ?`, 'hash_mismatch'],
      ['prev_hash', "UPDATE audit_log SET prev_hash = '" + 'f'.repeat(64) + "' WHERE seq = ?", 'chain_broken'],
      ['hash', "UPDATE audit_log SET hash = '" + 'e'.repeat(64) + "' WHERE seq = ?", 'hash_mismatch'],
      ['seq', 'UPDATE audit_log SET seq = 100 WHERE seq = ?', 'sequence_gap'],
      ['removal', 'DELETE FROM audit_log WHERE seq = ?', 'sequence_gap'],
    ];
    for (const [field, sql, reason] of edits) {
      for (const seq of [1, 3, 5]) {
        it(`detects an edited ${field} at entry ${seq}`, async () => {
          await appendFive();
          await tamper(sql, seq);
          const verdict = await store.audit.verify();
          // Removing the last entry is invisible to the chain alone (see AuditLog.head); anything else is caught.
          if (field === 'removal' && seq === 5) {
            expect(verdict).toMatchObject({ ok: true, entries: 4 });
            return;
          }
          expect(verdict).toEqual({ ok: false, seq, reason });
        });
      }
    }

    it('detects a rewritten entry even when the rewriter recomputed its hash, at the next entry', async () => {
      await appendFive();
      const row = (await (
        await kit.sql()
      ).get<{
        at: number;
        actor_user_id: string | null;
        workspace_id: string | null;
        details: string;
        prev_hash: string;
      }>('SELECT * FROM audit_log WHERE seq = 2'))!;
      const forged = entryHash({
        seq: 2,
        at: row.at,
        type: 'innocent',
        actorUserId: row.actor_user_id,
        workspaceId: row.workspace_id,
        detailsJson: row.details,
        prevHash: row.prev_hash,
      });
      await tamper("UPDATE audit_log SET type = 'innocent', hash = ? WHERE seq = 2", forged);
      expect(await store.audit.verify()).toEqual({ ok: false, seq: 3, reason: 'chain_broken' });
    });
  });
});
