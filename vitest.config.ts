import { defineConfig } from 'vitest/config';

/**
 * Three projects: unit (everything beside the code, Node), keychain (needs a Secret Service: run under
 * test/with-keyring.sh) and e2e (real Chromium against the built renderer).
 */
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summaryReporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{main,preload,renderer,shared,test}/**/*.test.{ts,tsx}'],
          exclude: ['**/*.keychain.test.ts', 'node_modules/**'],
          environment: 'node',
          // Long on purpose: a deadline turns "never" into a failure; on 2 loaded cores slow is not broken
          // (test/support/testDeadlines.ts).
          testTimeout: 90_000,
          hookTimeout: 180_000,
          expect: { poll: { timeout: 30_000 } },
          // PostgreSQL for the store tests' second backend and Redis for the shared state's: started once, stopped
          // at the end (test/support).
          globalSetup: ['./test/support/postgresGlobalSetup.ts', './test/support/redisGlobalSetup.ts'],
        },
      },
      {
        test: {
          name: 'keychain',
          include: ['**/*.keychain.test.ts'],
          exclude: ['node_modules/**'],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          expect: { poll: { timeout: 30_000 } },
          fileParallelism: false,
          // Under WHOOT_TEST_TARGET=cluster the e2e suites' servers are clusters, on the run's PostgreSQL and Redis.
          globalSetup:
            process.env.WHOOT_TEST_TARGET === 'cluster'
              ? ['./test/support/postgresGlobalSetup.ts', './test/support/redisGlobalSetup.ts']
              : [],
        },
      },
    ],
  },
});
