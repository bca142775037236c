import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'example-app/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Redis-backed suites spawn their own redis-server; files run in parallel on separate ports.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
