import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Files that failed outside any test: an import that throws, a beforeAll or afterAll that fails. */
  readonly failedFiles: number;
  readonly unhandledErrors: number;
}

/** Counts a run. A file that failed to load has no failed test, so it is counted apart and added to `failed`. */
export function summarise(testModules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<unknown>): RunSummary {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  let failedFiles = 0;
  for (const module of testModules) {
    let failedHere = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') passed += 1;
      else if (state === 'failed') failedHere += 1;
      else skipped += 1;
    }
    failedTests += failedHere;
    const suiteErrors = [...module.children.allSuites()].some((suite) => suite.errors().length > 0);
    if (failedHere === 0 && (module.state() === 'failed' || module.errors().length > 0 || suiteErrors)) {
      failedFiles += 1;
    }
  }
  return {
    passed,
    failed: failedTests + failedFiles + unhandled.length,
    skipped,
    failedFiles,
    unhandledErrors: unhandled.length,
  };
}

export function formatSummary(summary: RunSummary): string {
  const line = `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
  const extra = [
    summary.failedFiles > 0 ? `${summary.failedFiles} file(s) failed outside any test` : '',
    summary.unhandledErrors > 0 ? `${summary.unhandledErrors} unhandled error(s)` : '',
  ].filter((part) => part !== '');
  return extra.length === 0 ? line : `${line} (${extra.join(', ')})`;
}

/**
 * Ends each vitest run with one plain line, `N passed, N failed, N skipped`, so CI logs state the count in a form
 * any tool can read (vitest's own summary is coloured and spread over several lines). "0 failed" means nothing
 * failed: a file that could not load, a failing hook and an unhandled error all count as failures.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    console.log(`\n${formatSummary(summarise(testModules, unhandledErrors))}`);
  }
}
