import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboxEntryRecord } from '../../shared/outbox';
import { createOutboxFile, MAX_OUTBOX_ACCOUNTS } from './outboxFile';

const entry = (body: string, patch: Partial<OutboxEntryRecord> = {}): OutboxEntryRecord => ({
  nonce: randomUUID(),
  workspaceId: randomUUID(),
  channelId: randomUUID(),
  body,
  attachments: [],
  createdAt: 1_700_000_000_000,
  state: 'queued',
  error: null,
  ...patch,
});
const account = (n = 1) => `127.0.0.1:8443/${randomUUID().slice(0, -1)}${n % 10}`;

describe('the outbox file in userData', () => {
  let dir: string;
  let filePath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-outbox-'));
    filePath = join(dir, 'outbox.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps each account’s queue in order across a restart, readable by its owner only, and forgets it at sign-out', async () => {
    const ada = account(1);
    const bob = account(2);
    const queue = [entry('first'), entry('second', { state: 'failed', error: { code: 'x', message: 'Not sent.' } })];
    expect(await createOutboxFile({ filePath }).save(ada, queue)).toEqual({ ok: true, value: undefined });
    expect(await createOutboxFile({ filePath }).save(bob, [entry('bob’s')])).toMatchObject({ ok: true });
    expect(statSync(filePath).mode & 0o777).toBe(0o600);

    const reopened = createOutboxFile({ filePath });
    expect(await reopened.load(ada)).toEqual(queue);
    expect((await reopened.load(bob)).map((kept) => kept.body)).toEqual(['bob’s']);
    expect(await reopened.load(account(3))).toEqual([]);

    await reopened.forget(ada);
    expect(await reopened.load(ada)).toEqual([]);
    expect(readFileSync(filePath, 'utf8')).not.toContain('first');
    expect(await reopened.load(bob)).toHaveLength(1);
    // An empty queue leaves nothing of the account behind.
    await reopened.save(bob, []);
    expect(readFileSync(filePath, 'utf8')).not.toContain(bob);
  });

  it('refuses a queue that is not an outbox and leaves the file as it was', async () => {
    const ada = account();
    const file = createOutboxFile({ filePath });
    await file.save(ada, [entry('kept')]);
    const before = readFileSync(filePath, 'utf8');
    const duplicate = entry('twice');
    for (const bad of [
      [{ ...entry('x'), nonce: 'not-a-uuid' }],
      [{ ...entry('x'), body: 'x'.repeat(4001) }],
      [{ ...entry('x'), body: 'evil \u202Etxt' }],
      [duplicate, duplicate],
      Array.from({ length: 101 }, (_, i) => entry(`m${i}`)),
      [{ ...entry('x'), extra: true }],
    ]) {
      expect(await file.save(ada, bad as OutboxEntryRecord[])).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
    }
    expect(await file.save('../../etc/passwd', [entry('x')])).toMatchObject({ ok: false });
    expect(readFileSync(filePath, 'utf8')).toBe(before);
  });

  it('moves a damaged file aside (never deleting it) and starts empty', async () => {
    const lines: string[] = [];
    writeFileSync(filePath, '{"version":1,"accounts":[{"account":"x","entries":5}]}');
    const file = createOutboxFile({ filePath, log: (line) => lines.push(line) });
    expect(await file.load(account())).toEqual([]);
    expect(existsSync(filePath)).toBe(false);
    expect(readdirSync(dir).some((name) => name.startsWith('outbox.json.corrupt-'))).toBe(true);
    expect(lines.join('\n')).toContain('moved it aside');
  });

  it('keeps at most MAX_OUTBOX_ACCOUNTS accounts, giving up the one saved longest ago', async () => {
    const file = createOutboxFile({ filePath });
    const accounts = Array.from({ length: MAX_OUTBOX_ACCOUNTS + 1 }, (_, i) => account(i));
    for (const [i, name] of accounts.entries()) await file.save(name, [entry(`from ${i}`)]);
    expect(await file.load(accounts[0]!)).toEqual([]);
    expect(await file.load(accounts.at(-1)!)).toHaveLength(1);
    expect(await file.load(accounts[1]!)).toHaveLength(1);
  });
});
