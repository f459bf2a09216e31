import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * What the tuning buys is a performance figure (bench:chat's "server CPU per upload"), not a behaviour to assert.
 * What must hold is that applying it is safe here: V8 aborts a process that changes a flag once flags are frozen
 * (V8's --freeze-flags-after-init), which would take the server down as it starts.
 */
describe('server heap tuning', () => {
  it('applies at run time in a fresh process, which then collects garbage and exits normally', () => {
    const module = JSON.stringify(fileURLToPath(new URL('./heapTuning.ts', import.meta.url)));
    const script = `
      import { tuneServerHeap } from ${module};
      tuneServerHeap();
      const kept = [];
      for (let i = 0; i < 2000; i += 1) kept.push(Buffer.alloc(16 * 1024, i), { i });
      globalThis.gc();
      console.log('collected', kept.length);
    `;
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('collected 4000');
  });
});
