import { defineConfig } from 'vitest/config';

/** Runs only the fixtures beside it, with the project's summary reporter (summaryReporter.test.ts). */
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: [process.env['WHOOT_SUMMARY_FIXTURE'] ?? 'none'],
    reporters: ['../summaryReporter.ts'],
  },
});
