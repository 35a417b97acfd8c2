import { defineConfig } from 'vitest/config';

// Two projects: `unit` (fast, may still start a real redis-server) and `e2e`
// (child processes, proxies, load). e2e files run one at a time because this
// machine has two cores and the files measure timing-sensitive behaviour.
export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', '**/node_modules/**', '.lab/**'],
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', '.lab/**'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
