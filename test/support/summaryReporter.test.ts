import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Runs vitest for real on fixture files, with the project's reporter, and returns its last summary line. */
function summaryOf(fixtures: string): string {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      join(here, 'summaryFixtures/vitest.fixtures.config.ts'),
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, WHOOT_SUMMARY_FIXTURE: fixtures, CI: '1' } },
  );
  const lines = `${run.stdout}`.split('\n').filter((line) => /^\d+ passed, \d+ failed, \d+ skipped/.test(line));
  expect(lines, run.stdout + run.stderr).toHaveLength(1);
  return lines[0] ?? '';
}

describe('the suite summary line', () => {
  it('says 0 failed only when nothing failed', () => {
    expect(summaryOf('passes.fixture.ts')).toBe('1 passed, 0 failed, 0 skipped');
  }, 180_000);

  it('counts a file that fails to load, which has no failed test of its own', () => {
    expect(summaryOf('{passes,importThrows}.fixture.ts')).toBe(
      '1 passed, 1 failed, 0 skipped (1 file(s) failed outside any test)',
    );
  }, 180_000);

  it('counts a file whose set-up hook fails', () => {
    expect(summaryOf('hookThrows.fixture.ts')).toMatch(/^0 passed, [1-9]\d* failed/);
  }, 180_000);
});
