import { describe, expect, it } from 'vitest';
import { groupCommit } from './groupCommit';

/** A batch runner that records what it was given and finishes when told to. */
function recordingRunner(fail: (item: number) => boolean = () => false) {
  const batches: { key: string; items: number[] }[] = [];
  const pending: (() => void)[] = [];
  const run = (key: string, items: readonly number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push({ key, items: [...items] });
      pending.push(() => {
        const bad = items.find(fail);
        if (bad === undefined) resolve(items.map((item) => item * 10));
        else reject(new Error(`item ${bad} refused`));
      });
    });
  const finishNext = async () => {
    pending.shift()?.();
    await new Promise((settle) => setImmediate(settle));
  };
  return { batches, run, finishNext };
}

describe('groupCommit', () => {
  it('sends a lone caller at once, and the callers that came meanwhile as one batch in their order', async () => {
    const runner = recordingRunner();
    const append = groupCommit(runner.run);
    const first = append('a', 1);
    expect(runner.batches).toEqual([{ key: 'a', items: [1] }]);
    const waiting = [append('a', 2), append('a', 3), append('a', 4)];
    expect(runner.batches).toHaveLength(1);
    await runner.finishNext();
    expect(runner.batches[1]).toEqual({ key: 'a', items: [2, 3, 4] });
    await runner.finishNext();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(waiting)).resolves.toEqual([20, 30, 40]);
  });

  it('runs different keys side by side, and caps a batch', async () => {
    const runner = recordingRunner();
    const append = groupCommit(runner.run, 2);
    const calls = [append('a', 1), append('b', 2), append('a', 3), append('a', 4), append('a', 5)];
    expect(runner.batches).toEqual([
      { key: 'a', items: [1] },
      { key: 'b', items: [2] },
    ]);
    await runner.finishNext();
    expect(runner.batches[2]).toEqual({ key: 'a', items: [3, 4] });
    await runner.finishNext();
    await runner.finishNext();
    expect(runner.batches[3]).toEqual({ key: 'a', items: [5] });
    await runner.finishNext();
    await expect(Promise.all(calls)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('fails only the caller whose item is refused: a failed batch runs again one by one', async () => {
    const runner = recordingRunner((item) => item === 3);
    const append = groupCommit(runner.run);
    const first = append('a', 1);
    const rest = [append('a', 2), append('a', 3), append('a', 4)].map((call) =>
      call.then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    for (let step = 0; step < 5; step += 1) await runner.finishNext();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([{ value: 20 }, { error: 'item 3 refused' }, { value: 40 }]);
    expect(runner.batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('starts afresh after a queue drains', async () => {
    const runner = recordingRunner();
    const append = groupCommit(runner.run);
    const first = append('a', 1);
    await runner.finishNext();
    await expect(first).resolves.toBe(10);
    const second = append('a', 2);
    expect(runner.batches).toEqual([
      { key: 'a', items: [1] },
      { key: 'a', items: [2] },
    ]);
    await runner.finishNext();
    await expect(second).resolves.toBe(20);
  });
});
